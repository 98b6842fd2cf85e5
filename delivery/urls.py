"""Clause 8 URLs, all under the engagement (``get_engagement`` decides who may see it)."""

from django.urls import path

from .views import documents, implementation, plan, research, team

app_name = "delivery"

E = "engagements/<id:pk>/"

urlpatterns = [
    # 8.1 project research
    path(E + "research/", research.research_list, name="research"),
    path(E + "research/site/new/", research.site_research_edit, name="siteresearch_create"),
    path(E + "research/site/<id:record_pk>/", research.site_research_edit, name="siteresearch_update"),
    path(E + "research/site/<id:record_pk>/attachments/", research.attachment_add,
         name="attachment_add"),
    path(E + "research/attachments/<id:attachment_pk>/", research.attachment_file, name="attachment_file"),
    path(E + "research/resources/new/", research.resource_research_edit,
         name="resourceresearch_create"),
    path(E + "research/resources/<id:record_pk>/", research.resource_research_edit,
         name="resourceresearch_update"),
    # 8.2 the working group
    path(E + "team/", team.team_page, name="team"),
    path(E + "team/<id:member_pk>/remove/", team.member_remove, name="team_remove"),
    path(E + "team/justify/", team.rse_justify, name="rse_justify"),
    # 8.3 the consulting plan
    path(E + "plan/", plan.plan_page, name="plan"),
    path(E + "plan/milestone-row/", plan.milestone_row, name="plan_milestone_row"),
    path(E + "plan/<id:plan_pk>/approve/", plan.plan_approve, name="plan_approve"),
    path(E + "plan/<id:plan_pk>/issue/", plan.plan_issue, name="plan_issue"),
    path(E + "plan/<id:plan_pk>/confirm/", plan.plan_confirm, name="plan_confirm"),
    path(E + "plan/<id:plan_pk>/", plan.plan_version, name="plan_version"),
    # 8.4 implementation
    path(E + "guidance/", implementation.guidance_list, name="guidance"),
    path(E + "guidance/new/", implementation.guidance_edit, name="guidancelog_create"),
    path(E + "guidance/<id:record_pk>/", implementation.guidance_edit, name="guidancelog_update"),
    path(E + "risks/", implementation.risk_register, name="risks"),
    path(E + "risks/new/", implementation.risk_edit, name="riskitem_create"),
    path(E + "risks/<id:record_pk>/", implementation.risk_edit, name="riskitem_update"),
    path(E + "risks/chart.svg", implementation.risk_chart, name="risk_chart"),
    path(E + "risks/units/new/", implementation.unit_edit, name="siteunit_create"),
    path(E + "risks/units/<id:record_pk>/", implementation.unit_edit, name="siteunit_update"),
    path(E + "risks/units/<id:record_pk>/delete/", implementation.unit_delete,
         name="siteunit_delete"),
    path(E + "progress/", implementation.progress_list, name="progress"),
    path(E + "progress/new/", implementation.progress_edit, name="progressreport_create"),
    path(E + "progress/<id:record_pk>/", implementation.progress_edit, name="progressreport_update"),
    path(E + "progress/<id:record_pk>/share/", implementation.progress_share, name="progress_share"),
    # 8.5 documents
    path(E + "documents/", documents.library, name="documents"),
    path(E + "documents/new/", documents.document_create, name="document_create"),
    path(E + "documents/<id:document_pk>/", documents.document_detail, name="document_detail"),
    path(E + "documents/<id:document_pk>/versions/<id:version_pk>/file/", documents.version_file,
         name="version_file"),
    path(E + "documents/deliver/", documents.deliver, name="deliver"),
    path(E + "documents/deliveries/<id:delivery_pk>/acknowledge/", documents.acknowledge,
         name="acknowledge"),
]
