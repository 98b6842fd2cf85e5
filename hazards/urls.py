"""Hidden dangers, under the engagement (``get_engagement`` decides who may see it)."""

from django.urls import path

from . import views

app_name = "hazards"

E = "engagements/<id:pk>/hazards/"

urlpatterns = [
    path("hazards/today/", views.today, name="today"),
    path("hazards/criteria/", views.criteria, name="criteria"),
    path("hazards/figures/", views.firm_figures, name="firm_figures"),
    path("hazards/criteria/<id:criterion_pk>/active/", views.criterion_active,
         name="criterion_active"),
    path(E, views.ledger, name="ledger"),
    path(E + "export.xlsx", views.ledger_export, name="export"),
    path(E + "pdf/", views.ledger_pdf, name="pdf"),
    path(E + "new/", views.record, name="record"),
    path(E + "<id:danger_pk>/", views.detail, name="detail"),
    path(E + "<id:danger_pk>/notify/", views.notify, name="notify"),
    path(E + "<id:danger_pk>/photos/", views.photo_add, name="photo_add"),
    path(E + "<id:danger_pk>/verify/", views.verify, name="verify"),
    path(E + "<id:danger_pk>/refusal/", views.refusal, name="refusal"),
    path(E + "photos/<id:photo_pk>/", views.photo_file, name="photo"),
]
