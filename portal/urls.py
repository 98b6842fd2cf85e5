from django.urls import path

from . import views, views_hazards

app_name = "portal"

E = "engagements/<id:pk>/"

urlpatterns = [
    path("", views.portal_home, name="home"),
    path(E, views.engagement_detail, name="engagement"),
    # the engagement's other tabs (the overview above)
    path(E + "progress/", views.engagement_progress, name="engagement_progress"),
    path(E + "documents/", views.engagement_documents, name="engagement_documents"),
    path(E + "risks/", views.engagement_risks, name="engagement_risks"),
    path(E + "follow-up/", views.engagement_follow_up, name="engagement_follow_up"),
    # downloads
    path(E + "contracts/<id:contract_pk>/pdf/", views.contract_pdf, name="contract_pdf"),
    path(E + "contracts/<id:contract_pk>/signed/", views.contract_signed_copy, name="contract_signed"),
    path(E + "plans/<id:plan_pk>/pdf/", views.plan_pdf, name="plan_pdf"),
    path(E + "deliveries/<id:delivery_pk>/file/", views.delivery_file, name="delivery_file"),
    # client acts (POST only)
    path(E + "framework/<id:framework_pk>/confirm/", views.framework_confirm, name="framework_confirm"),
    path(E + "plans/<id:plan_pk>/confirm/", views.plan_confirm, name="plan_confirm"),
    path(E + "deliveries/<id:delivery_pk>/acknowledge/", views.delivery_acknowledge,
         name="delivery_acknowledge"),
    path(E + "acceptance/", views.acceptance, name="acceptance"),
    # hidden dangers (隐患排查治理)
    path(E + "hazards/<id:danger_pk>/", views_hazards.hazard, name="hazard"),
    path(E + "hazards/<id:danger_pk>/acknowledge/", views_hazards.hazard_acknowledge,
         name="hazard_acknowledge"),
    path(E + "hazards/<id:danger_pk>/rectification/", views_hazards.hazard_submit,
         name="hazard_submit"),
    path(E + "hazards/photos/<id:photo_pk>/", views_hazards.hazard_photo, name="hazard_photo"),
    path("surveys/<id:pk>/", views.survey, name="survey"),
    # 9.4
    path("complaints/", views.complaint_list, name="complaints"),
    path("complaints/new/", views.complaint_new, name="complaint_new"),
    path("complaints/<id:pk>/", views.complaint_detail, name="complaint"),
    path("complaints/<id:pk>/reply/", views.complaint_reply, name="complaint_reply"),
]
