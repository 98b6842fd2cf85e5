"""The site's URLs.

URL arguments follow one convention in every app: the page's main object (an engagement,
a client, a complaint, a staff member, …) is ``pk``; an object nested under it is
``<model>_pk`` in the standard's terms: ``contract_pk``, ``plan_pk``, ``document_pk``,
``version_pk``, ``delivery_pk``, ``framework_pk``, ``member_pk``, ``attachment_pk``,
``qualification_pk``, and ``record_pk`` for a record of the kind the URL names (a site
visit, a guidance log, a risk item, …). ``reverse(..., kwargs=...)`` and ``{% url %}``
with keyword arguments use these names.
"""

from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from consultancy import views
from consultancy.documents import views as documents_views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.HealthView.as_view(), name="healthz"),
    path("healthz/worker", views.WorkerHealthView.as_view(), name="healthz-worker"),
    path("healthz/beat", views.BeatHealthView.as_view(), name="healthz-beat"),
    path("accounts/login/", views.LoginView.as_view(), name="login"),
    path("accounts/password_reset/", views.PasswordResetView.as_view(), name="password_reset"),
    path("accounts/reset/<uidb64>/<token>/", views.PasswordResetConfirmView.as_view(),
         name="password_reset_confirm"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("i18n/setlang/", views.set_language, name="set_language"),
    path("clients/import/", include("consultancy.imports.urls")),
    path("clients/", include("consultancy.clients.urls")),
    path("search/", include("consultancy.search.urls")),
    path("calendar/", include("consultancy.agenda.urls")),
    path("engagements/", include("engagements.urls")),
    path("", include("contracts.urls")),
    path("", include("delivery.urls")),
    path("", include("hazards.urls")),
    path("", include("feedback.urls")),
    path("documents/", include("consultancy.documents.urls")),
    path("dashboard/", include("dashboard.urls")),
    path("staff/", include("consultancy.tenancy.urls")),
    path(
        "files/qualifications/<id:pk>/",
        documents_views.qualification_scan,
        name="qualification_scan",
    ),
    path("portal/", include("portal.urls")),
    path("admin/", admin.site.urls),
]

if settings.BENCH_VIEWS:  # `make bench` only (consultancy.benchviews)
    from consultancy import benchviews

    urlpatterns += [path("bench/bare", benchviews.bare),
                    path("bench/one-query", benchviews.one_query)]
