from django.urls import path

from . import views

app_name = "engagements"

urlpatterns = [
    path("", views.engagement_list, name="list"),
    path("new/", views.engagement_create, name="create"),
    path("<id:pk>/", views.engagement_detail, name="detail"),
    # sections of the engagement page loaded after it (issue 19)
    path("<id:pk>/history/", views.engagement_section, {"section": "history"},
         name="history"),
    path("<id:pk>/activity/", views.engagement_section, {"section": "activity"},
         name="activity"),
    path("<id:pk>/clause-6/", views.engagement_section, {"section": "clause6"},
         name="clause6"),
    path("<id:pk>/edit/", views.engagement_update, name="update"),
    path("<id:pk>/opened-on/", views.engagement_opened_on, name="opened_on"),
    path("<id:pk>/transition/<str:transition>/", views.engagement_transition,
         name="transition"),
    # clause 5
    path("<id:pk>/needs/", views.needs_assessment, name="needs_assessment"),
    path("<id:pk>/needs/blocker/", views.needs_blocker_approval,
         name="needs_blocker_approval"),
    # clause 6.4
    path("<id:pk>/framework/", views.framework, name="framework"),
    path("<id:pk>/framework/<id:framework_pk>/confirm/", views.framework_confirm,
         name="framework_confirm"),
]

# clauses 6.1–6.3: records kept in lists, one set of views for the three kinds
for kind, segment in [("sitevisit", "visits"), ("communicationrecord", "communications"),
                      ("exchangerecord", "exchanges")]:
    urlpatterns += [
        path(f"<id:pk>/{segment}/new/", views.record_edit, {"kind": kind},
             name=f"{kind}_create"),
        path(f"<id:pk>/{segment}/<id:record_pk>/", views.record_edit, {"kind": kind},
             name=f"{kind}_update"),
        path(f"<id:pk>/{segment}/<id:record_pk>/delete/", views.record_delete, {"kind": kind},
             name=f"{kind}_delete"),
    ]
