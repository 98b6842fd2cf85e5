"""Evaluation and clause 9 URLs. The engagement pages are under the engagement; the survey
link is public (no login) and carries its one-time token."""

from django.urls import path

from . import views

app_name = "feedback"

E = "engagements/<int:pk>/"

urlpatterns = [
    path(E + "evaluation/", views.evaluation, name="evaluation"),
    path(E + "follow-up/", views.follow_up, name="follow_up"),
    path(E + "complaints/", views.complaints, name="complaints"),
    path(E + "survey/", views.survey, name="survey"),
    path("survey/<str:token>/", views.survey_answer, name="survey_answer"),
]

from . import views_statistics  # noqa: E402

urlpatterns += [
    path("statistics/", views_statistics.statistics_page, name="statistics"),
    path("statistics/csv/", views_statistics.statistics_csv, name="statistics_csv"),
    path("statistics/pdf/", views_statistics.statistics_pdf, name="statistics_pdf"),
    path("statistics/reports/<int:pk>/", views_statistics.statistics_report,
         name="statistics_report"),
    path("survey-questions/", views_statistics.question_set, name="question_set"),
]
