from django.urls import path

from . import views

app_name = "dashboard"

urlpatterns = [
    path("", views.dashboard, name="index"),
    path("export/engagements.<str:fmt>", views.export_engagements, name="export_engagements"),
    path("export/complaints.<str:fmt>", views.export_complaints, name="export_complaints"),
    path("engagements/<id:pk>/dossier/", views.dossier_request, name="dossier"),
    path("notices/", views.notice_failures, name="notices"),
    path("settings/", views.firm_settings, name="settings"),
    path("settings/risk-thresholds/", views.risk_thresholds_update, name="risk_thresholds"),
]
