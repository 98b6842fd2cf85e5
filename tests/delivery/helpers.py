"""Meeting each requirement of clause 8 through the services."""

import datetime

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from consultancy.clients.models import ClientContact
from consultancy.documents.models import GeneratedDocument
from contracts.models import Contract, Deliverable
from delivery import services
from delivery.models import (
    ProgressReport,
    ResourceResearch,
    RiskItem,
    SiteResearch,
    SiteUnit,
)
from tests.uploads import pdf_bytes

PLAN = {
    "division_of_work": "咨询方负责诊断与文件编制，客户安全部负责组织整改",
    "schedule": "三个阶段：诊断、整改、评审辅导",
    "client_cooperation": "提供安全管理资料，安排车间人员配合",
    "anomaly_channel": "双方联络人微信群与电话，24 小时内回复",
    "emergency_handling": "现场发现重大隐患立即书面告知客户并建议停工",
    "training_plan": "管理层安全生产法培训 1 次，班组长培训 2 次",
}


def pdf_ready(doc):
    """Mark a requested PDF ready without rendering it (tests not about the PDF), and say so
    as the renderer does (``documents.signals.document_ready``: a plan's notice to the
    client goes out then, 8.3.1)."""
    from consultancy.documents.signals import document_ready

    doc.status = GeneratedDocument.Status.READY
    doc.sha256, doc.pages, doc.size = "0" * 64, 1, 1
    doc.save()
    document_ready.send(sender=GeneratedDocument, document=doc)


def meet(code, engagement, staff=None):
    by = staff or engagement.lead_consultant
    today = timezone.localdate()
    contact = ClientContact.objects.filter(client=engagement.client).first()
    if code == "8.1.1.site_research":
        services.site_research_save(
            record=SiteResearch(engagement=engagement, researched_on=today, location="罐区",
                                collected="危险化学品台账、重大危险源资料"),
            by=by, researchers=[by])
    elif code == "8.1.2.resource_research":
        from engagements.services import record_save

        record_save(record=ResourceResearch(engagement=engagement, researched_on=today,
                                            resources_needed="检测仪器、法规标准库",
                                            findings="齐备"), by=by)
    elif code == "8.2.1.joint_team":
        services.team_member_add(engagement=engagement, by=by, side="client", contact=contact,
                                 role="客户联络人", responsibilities="组织客户资料与整改")
        _provider_member(engagement, by)
    elif code in ("8.2.2.rse", "8.2.2.rse_fits"):
        _provider_member(engagement, by)
    elif code in ("8.3.1.plan_confirmed", "8.3.2.plan_content"):
        plan = services.current_plan(engagement)
        if plan is None:
            plan = services.plan_save(
                engagement=engagement, by=by, **PLAN,
                milestones=[{"title": "诊断报告", "due_date": today + datetime.timedelta(days=20)}])
        if code == "8.3.1.plan_confirmed" and not plan.is_confirmed:
            plan = approve(plan, engagement.lead_consultant)  # the working group passes it
            plan = services.plan_issue(plan=plan, by=by)
            pdf_ready(plan.issued_pdf)
            services.plan_confirm(plan=plan, contact=contact, confirmed_on=today, by=by)
    elif code == "8.4.progress":
        from engagements.services import record_save

        report = record_save(record=ProgressReport(
            engagement=engagement, period_start=today - datetime.timedelta(days=7),
            period_end=today, work_done="完成现场诊断", next_steps="编制制度文件"), by=by)
        services.progress_report_share(report=report, by=by)
    elif code in ("8.4.risks", "8.4.risk_coverage", "8.4.risk_measures"):
        unit = (SiteUnit.objects.filter(engagement=engagement).first()
                or services.site_unit_save(record=SiteUnit(engagement=engagement, name="甲类罐区"),
                                           by=by))
        if not RiskItem.objects.filter(engagement=engagement).exists():
            services.risk_save(record=risk_item(engagement, unit), by=by)
    elif code == "8.5.deliverables":
        contract = Contract.objects.filter(engagement=engagement).order_by("-version").first()
        versions = []
        for deliverable in Deliverable.objects.filter(contract=contract):
            doc = services.document_create(
                engagement=engagement, by=by, category=deliverable.category,
                title=deliverable.title, deliverable=deliverable,
                file=SimpleUploadedFile("制度汇编.pdf", pdf_bytes(b"deliverable")))
            versions.append(doc.versions.get())
        deliveries = services.documents_deliver(engagement=engagement, versions=versions,
                                                delivered_on=today, by=by)
        for d in deliveries:
            services.delivery_acknowledge(delivery=d, contact=contact, acknowledged_on=today,
                                          by=by)


def risk_item(engagement, unit, **fields):
    """A complete risk of ``unit`` (a 重大风险 by LEC 3 × 6 × 40 = 720, with its measures)."""
    today = timezone.localdate()
    values = dict(
        engagement=engagement, unit=unit, activity="甲醇储罐收料作业", hazard="甲醇泄漏遇点火源",
        accident_type="fire", existing_controls="储罐设高液位报警，防火堤完好",
        method="LEC", likelihood=3, exposure=6, consequence=40, control_level="company",
        responsible_person="储运车间主任 陈刚", controls="增设独立高高液位联锁切断进料阀",
        measures_responsible="设备部 周强", measures_due_on=today + datetime.timedelta(days=30),
        identified_on=today)
    values.update(fields)
    return RiskItem(**values)


REVIEW_NOTES = "项目小组逐项讨论了分工、进度、配合事项和培训计划，同意按本方案实施。"


def approve(plan, by, *, participants=None, on=None, notes=REVIEW_NOTES, approved_by=None):
    """8.3.1: the working group passes ``plan``; by default ``by`` approves, with the lead
    consultant (who holds a valid RSE in the tests' worlds); both join our side of the
    working group first if they are not in it."""
    engagement = plan.engagement
    for user in (engagement.lead_consultant, by):
        _provider_member(engagement, user)
    if participants is None:
        participants = list({u.pk: u for u in (engagement.lead_consultant, by)}.values())
    return services.plan_approve(plan=plan, by=by, approved_by=approved_by or by,
                                 approved_on=on or timezone.localdate(),
                                 participants=participants, notes=notes)


def risk_form(unit_pk, **kw):
    """What the risk form posts for a complete 8.4 risk of the unit ``unit_pk`` (with the
    measures a 重大风险 / 较大风险 needs), besides the method and its factors."""
    today = timezone.localdate()
    return {"identified_on": today.isoformat(), "unit": unit_pk,
            "activity": "反应釜区", "hazard": "超温超压", "accident_type": "vessel_explosion",
            "existing_controls": "温度压力报警", "control_level": "workshop",
            "responsible_person": "车间主任 陈刚", "controls": "联锁",
            "measures_responsible": "设备部 周强",
            "measures_due_on": (today + datetime.timedelta(days=30)).isoformat(), **kw}


def unit_of(engagement):
    """The pk of the engagement's first listed unit (8.4)."""
    from tests.scoping import scopes_disabled

    with scopes_disabled():
        return SiteUnit.objects.filter(engagement=engagement).order_by("pk").values_list(
            "pk", flat=True).first()


def _provider_member(engagement, by):
    from delivery.models import TeamMember

    if not TeamMember.objects.filter(engagement=engagement, user=by).exists():
        role = "项目组长" if by.pk == engagement.lead_consultant_id else "项目组成员"
        services.team_member_add(engagement=engagement, by=by, side="provider", user=by,
                                 role=role, responsibilities="统筹项目实施")


ALL = ["8.1.1.site_research", "8.1.2.resource_research", "8.2.1.joint_team", "8.2.2.rse",
       "8.2.2.rse_fits",
       "8.3.1.plan_confirmed", "8.3.2.plan_content", "8.4.progress", "8.4.risks",
       "8.4.risk_coverage", "8.4.risk_measures", "8.5.deliverables"]


def meet_delivery(engagement):
    for code in ALL:
        if code == "8.3.2.plan_content":
            continue  # met by 8.3.1's plan
        if code in ("8.2.2.rse", "8.2.2.rse_fits"):
            continue  # met by 8.2.1's provider member (the lead holds a valid RSE that fits)
        if code in ("8.4.risk_coverage", "8.4.risk_measures"):
            continue  # met by 8.4.risks' register
        meet(code, engagement)
