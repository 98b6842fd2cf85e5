"""One engagement from needs analysis to closed, through the services only (the PDFs
rendered by the same task the on-commit hook runs). Before each record is made, the
gate it belongs to refuses the transition and names the code the record will meet."""

import datetime
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from consultancy.documents.tasks import render_document
from contracts import services as contract_services
from delivery import services as delivery_services
from delivery.models import ProgressReport, ResourceResearch, SiteResearch, SiteUnit
from engagements import services as es
from engagements.models import CommunicationRecord, ExchangeRecord, SiteVisit, StageTransition
from engagements.services import GateClosed
from engagements.stages import Stage
from feedback import services as fs
from tests.delivery.helpers import risk_item
from tests.feedback.helpers import OBJECTIVES, end_guidance_period, on_commit
from tests.feedback.steps import step
from tests.scoping import scopes_disabled
from tests.uploads import pdf_bytes

pytestmark = pytest.mark.django_db

TRANSITIONS = {
    Stage.NEEDS_ANALYSIS: es.engagement_confirm_needs,
    Stage.COMMUNICATION: es.engagement_confirm_framework,
    Stage.CONTRACTING: es.engagement_sign_contract,
    Stage.DELIVERY: es.engagement_hand_over,
    Stage.EVALUATION: es.engagement_accept,
    Stage.FOLLOW_UP: es.engagement_close,
}


class Walk:
    """Keeps the engagement and checks the gate before and after each record."""

    def __init__(self, engagement, by):
        self.e, self.by = engagement, by

    def refused(self):
        stage = self.e.stage
        with pytest.raises(GateClosed) as info:
            TRANSITIONS[stage](engagement=self.e, by=self.by)
        self.e.refresh_from_db()
        assert self.e.stage == stage
        return {r.code for r in info.value.missing}

    def expect(self, codes):
        """The gate names exactly ``codes`` as missing."""
        assert self.refused() == set(codes), self.e.stage

    def record(self, codes, make):
        """Before ``make``: each of ``codes`` is named by the refusal; after: none is."""
        before = self.refused()
        assert set(codes) <= before, (codes, before)
        make()
        after = self.missing_now()
        assert not set(codes) & after, (codes, after)
        return after

    def missing_now(self):
        return {r.code for r in self.e.requirements() if not r.met}

    def move(self, to):
        assert not self.missing_now()
        TRANSITIONS[self.e.stage](engagement=self.e, by=self.by)
        assert self.e.stage == to
        assert StageTransition.objects.filter(engagement=self.e, to_stage=to).count() == 1


def _rendered(document):
    render_document(document.firm_id, document.pk)
    document.refresh_from_db()
    assert document.status == "ready", document.error
    return document


def test_one_engagement_from_needs_analysis_to_closed(a):
    today = timezone.localdate()
    lead, contact = a.consultant, a.contact
    with scopes_disabled():
        engagement = es.engagement_create(
            firm=a.firm, by=lead, client=a.client, title="危险化学品企业安全生产标准化二级达标咨询",
            service_type="standardization", origin="proactive", lead_consultant=lead,
            consultants=[], description="客户主动委托开展安全生产标准化二级达标咨询。")
        w = Walk(engagement, lead)

        # -- clause 5 ------------------------------------------------------------------
        w.expect({"5.assessment"})
        w.record(["5.assessment"], lambda: es.needs_assessment_save(
            engagement=engagement, by=lead, assessor=lead, assessed_on=today,
            scope_finding="属于本机构服务范围", scope_verdict="fine",
            capability_finding="化工专业注册安全工程师 2 名", capability_verdict="fine",
            client_resources_finding="客户设安全环保部", client_resources_verdict="fine",
            risks_finding="工期紧", risks_verdict="concern",
            schedule_finding="四个月可完成", schedule_verdict="fine",
            budget_finding="与同类项目相当", budget_verdict="fine",
            budget_min=Decimal("80000"), budget_max=Decimal("120000"),
            measures="提前发放资料清单，每周沟通进度", decision="proceed"))
        w.move(Stage.COMMUNICATION)

        # -- clause 6 ------------------------------------------------------------------
        w.expect({"6.1.visit", "6.2.communication", "6.3.exchange", "6.4.framework"})
        w.record(["6.1.visit"], lambda: es.record_save(
            record=SiteVisit(engagement=engagement, visited_on=today,
                             findings="仓储区消防通道堵塞", need_exists="yes"),
            by=lead, m2m={"visitors": [lead]}))
        w.record(["6.2.communication"], lambda: es.record_save(
            record=CommunicationRecord(engagement=engagement, held_on=today,
                                       participants="客户安全总监、咨询顾问",
                                       basic_situation="危化品生产企业，员工 300 人",
                                       explicit_needs="通过二级评审",
                                       latent_needs="双重预防机制建设"), by=lead))
        w.record(["6.3.exchange"], lambda: es.record_save(
            record=ExchangeRecord(engagement=engagement, held_on=today,
                                  participants="双方项目负责人",
                                  objectives="年内通过二级标准化评审",
                                  main_content="制度文件编制、现场隐患排查",
                                  implementation_approach="驻场与远程结合",
                                  rights_and_obligations="客户提供资料，咨询方按期交付"),
            by=lead))
        framework = es.framework_save(
            engagement=engagement, by=lead, objectives="通过安全生产标准化二级评审\n建立双重预防机制",
            scope="全厂区", approach="诊断—整改—评审辅导", timetable="四个月",
            budget=Decimal("100000"))
        assert "6.4.framework" in w.refused()  # saved, not yet confirmed by the client
        w.record(["6.4.framework"], lambda: es.framework_confirm(
            framework=framework, contact=contact, confirmed_on=today, by=lead))
        w.move(Stage.CONTRACTING)

        # -- clause 7 ------------------------------------------------------------------
        assert {"7.clauses", "7.deliverables", "7.signed"} <= w.refused()
        contract = contract_services.contract_draft(engagement=engagement, by=lead)
        missing = w.record(["7.deliverables", "7.document_system"],
                           lambda: contract_services.contract_update(
            contract=contract, by=lead, end_date=today + datetime.timedelta(days=120),
            guidance_period_days=60, follow_up_visits=2,
            deliverables=[{"category": "standardization", "title": "安全生产标准化管理制度汇编",
                           "due_date": today + datetime.timedelta(days=90)}],
            installments=[{"description": "合同签订后 10 个工作日内", "amount": contract.fee}]))
        assert missing == {"7.signed"}
        contract.refresh_from_db()

        def sign():
            issued = contract_services.contract_issue(contract=contract, by=lead)
            pdf = _rendered(issued.issued_pdf)
            with pdf.file.open("rb") as handle:
                copy = SimpleUploadedFile("signed.pdf", handle.read(),
                                          content_type="application/pdf")
            contract_services.contract_sign(
                contract=issued, by=lead, firm_signatory=a.manager, firm_signed_on=today,
                client_signatory="客户法定代表人", client_signed_on=today, signed_copy=copy)

        w.record(["7.signed"], sign)
        w.move(Stage.DELIVERY)

        # -- clause 8 ------------------------------------------------------------------
        w.expect({"8.1.1.site_research", "8.1.2.resource_research", "8.2.1.joint_team",
                  "8.2.2.rse", "8.2.2.rse_fits", "8.3.1.plan_confirmed", "8.3.2.plan_content", "8.4.progress",
                  "8.4.risks", "8.4.risk_coverage", "8.5.deliverables"})
        w.record(["8.1.1.site_research"], lambda: delivery_services.site_research_save(
            record=SiteResearch(engagement=engagement, researched_on=today, location="罐区",
                                collected="危险化学品台账、重大危险源资料"),
            by=lead, researchers=[lead]))
        w.record(["8.1.2.resource_research"], lambda: es.record_save(
            record=ResourceResearch(engagement=engagement, researched_on=today,
                                    resources_needed="检测仪器、法规标准库", findings="齐备"),
            by=lead))
        w.record(["8.2.2.rse", "8.2.2.rse_fits"], lambda: delivery_services.team_member_add(
            engagement=engagement, by=lead, side="provider", user=lead, role="项目组长",
            responsibilities="统筹项目实施"))
        w.record(["8.2.1.joint_team"], lambda: delivery_services.team_member_add(
            engagement=engagement, by=lead, side="client", contact=contact, role="客户联络人",
            responsibilities="组织客户资料与整改"))
        w.record(["8.3.2.plan_content"], lambda: delivery_services.plan_save(
            engagement=engagement, by=lead, division_of_work="咨询方诊断，客户整改",
            schedule="诊断、整改、评审辅导三阶段", client_cooperation="提供资料，安排人员配合",
            anomaly_channel="联络人电话，24 小时内回复",
            emergency_handling="发现重大隐患立即书面告知", training_plan="管理层培训 1 次",
            milestones=[{"title": "诊断报告", "due_date": today + datetime.timedelta(days=20)}]))

        def confirm_plan():
            plan = delivery_services.current_plan(engagement)
            plan = delivery_services.plan_approve(
                plan=plan, by=lead, approved_by=lead, approved_on=today, participants=[lead],
                notes="项目小组讨论通过：同意按本方案实施")
            plan = delivery_services.plan_issue(plan=plan, by=lead)
            _rendered(plan.issued_pdf)
            delivery_services.plan_confirm(plan=plan, contact=contact, confirmed_on=today,
                                           by=lead)

        w.record(["8.3.1.plan_confirmed"], confirm_plan)

        def share_report():
            report = es.record_save(record=ProgressReport(
                engagement=engagement, period_start=today - datetime.timedelta(days=7),
                period_end=today, work_done="完成现场诊断", next_steps="编制制度文件"), by=lead)
            delivery_services.progress_report_share(report=report, by=lead)

        w.record(["8.4.progress"], share_report)
        unit = delivery_services.site_unit_save(
            record=SiteUnit(engagement=engagement, name="甲类罐区"), by=lead)
        w.record(["8.4.risks", "8.4.risk_coverage"], lambda: delivery_services.risk_save(
            record=risk_item(engagement, unit), by=lead))

        def deliver():
            deliverable = contract.deliverables.get()
            document = delivery_services.document_create(
                engagement=engagement, by=lead, category=deliverable.category,
                title=deliverable.title, deliverable=deliverable,
                file=SimpleUploadedFile("制度汇编.pdf", pdf_bytes(b"deliverable")))
            deliveries = delivery_services.documents_deliver(
                engagement=engagement, versions=[document.versions.get()], delivered_on=today,
                by=lead)
            for d in deliveries:
                delivery_services.delivery_acknowledge(delivery=d, contact=contact,
                                                       acknowledged_on=today, by=lead)

        w.record(["8.5.deliverables"], deliver)
        w.move(Stage.EVALUATION)

        # -- evaluation ----------------------------------------------------------------
        w.expect({"E.acceptance", "E.review"})
        w.record([], lambda: fs.acceptance_record(
            engagement=engagement, by=lead, contact=contact, accepted_on=today,
            verdict="not_accepted", reasons="制度汇编缺少应急预案部分"))
        assert "E.acceptance" in w.refused()  # not accepted keeps it in evaluation
        w.record(["E.acceptance"], lambda: fs.acceptance_record(
            engagement=engagement, by=lead, contact=contact, accepted_on=today,
            verdict="reservations", reasons="应急预案部分待下月补充"))
        w.record(["E.review"], lambda: fs.review_save(
            engagement=engagement, by=lead, reviewer=lead, reviewed_on=today,
            objectives=OBJECTIVES, conclusion="目标基本实现"))
        w.move(Stage.FOLLOW_UP)

        # -- clause 9 ------------------------------------------------------------------
        complaint = fs.complaint_receive(
            firm=a.firm, by=a.manager, received_on=today, channel="phone",
            complainant_name=contact.name, contact=contact, engagement=engagement,
            description="回访时间安排与生产冲突")
        w.expect({"9.1.guidance", "9.2.visits", "9.4.complaints", "9.5.survey"})

        def guidance():
            fs.follow_up_guidance_save(engagement=engagement, by=lead, given_on=today,
                                       given_by=lead, topic="隐患排查台账",
                                       advice="按月更新隐患排查治理台账")
            assert "9.1.guidance" in w.missing_now()  # the period has not ended yet
            end_guidance_period(engagement)

        w.record(["9.1.guidance"], guidance)

        def visits():
            for i in range(2):
                assert "9.2.visits" in w.missing_now()
                fs.follow_up_visit_save(engagement=engagement, by=lead, visited_on=today,
                                        visitors=[lead], discussed=f"第 {i + 1} 次回访",
                                        plan_needs_adjusting=False)

        w.record(["9.2.visits"], visits)

        def handle_complaint():
            c = step(complaint, "acknowledge", lead, note="电话确认")
            c = step(c, "assess", lead, severity="low")
            c = step(c, "investigate", lead, findings="回访时间未提前确认")
            c = step(c, "respond", lead, decision="回访提前一周预约")
            action = fs.complaint_action_add(complaint=c, by=lead, owner=lead, due_on=today,
                                             description="回访前一周书面预约并请客户确认")
            fs.complaint_action_done(action=action, by=lead, done_on=today,
                                     done_note="已修订回访预约流程")
            step(c, "close", lead, complainant_acceptance="客户电话确认接受")

        w.record(["9.4.complaints"], handle_complaint)

        def survey():
            with on_commit():
                fs.survey_send(engagement=engagement, by=lead)

        w.record(["9.5.survey"], survey)
        w.move(Stage.CLOSED)

        assert list(StageTransition.objects.filter(engagement=engagement)
                    .order_by("pk").values_list("to_stage", flat=True)) == [
            Stage.COMMUNICATION, Stage.CONTRACTING, Stage.DELIVERY, Stage.EVALUATION,
            Stage.FOLLOW_UP, Stage.CLOSED]
