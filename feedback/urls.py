"""Evaluation and clause 9 URLs. The engagement pages are under the engagement; the survey
link is public (no login) and carries its one-time token."""

from django.urls import path

from . import views

app_name = "feedback"

E = "engagements/<id:pk>/"

urlpatterns = [
    path(E + "evaluation/", views.evaluation, name="evaluation"),
    path(E + "follow-up/", views.follow_up, name="follow_up"),
    path(E + "complaints/", views.complaints, name="complaints"),
    path(E + "survey/", views.survey, name="survey"),
    path("survey/<str:token>/", views.survey_answer, name="survey_answer"),
]

from . import views_analysis, views_statistics  # noqa: E402

urlpatterns += [
    path("statistics/", views_statistics.statistics_page, name="statistics"),
    path("statistics/csv/", views_statistics.statistics_csv, name="statistics_csv"),
    path("statistics/pdf/", views_statistics.statistics_pdf, name="statistics_pdf"),
    path("statistics/reports/<id:pk>/", views_statistics.statistics_report,
         name="statistics_report"),
    path("survey-questions/", views_statistics.question_set, name="question_set"),
]

urlpatterns += [
    path(E + "follow-up/guidance/<id:record_pk>/", views.guidance_edit, name="guidance_edit"),
    path(E + "follow-up/visits/<id:record_pk>/", views.visit_edit, name="visit_edit"),
    path("complaints/", views.complaint_register, name="complaint_register"),
    path("complaints/analysis/", views_analysis.analysis_page, name="complaint_analysis"),
    path("complaints/analysis/csv/", views_analysis.analysis_csv,
         name="complaint_analysis_csv"),
    path("complaints/analysis/pdf/", views_analysis.analysis_pdf,
         name="complaint_analysis_pdf"),
    path("complaints/analysis/reports/<id:pk>/", views_analysis.analysis_report,
         name="complaint_analysis_report"),
    path("complaints/new/", views.complaint_receive, name="complaint_receive"),
    path("complaints/<id:pk>/", views.complaint_detail, name="complaint_detail"),
    path("reminders/<id:pk>/read/", views.reminder_read, name="reminder_read"),
]
