"""The standard's order across an engagement (engagements.chronology): every dated record
is not in the future and not before the engagement's opening; 6.3 and 6.4 come on or
after the completed needs assessment (5); the contract is signed on or after the
framework's confirmation (6.4); clause 8 on or after the signing; evaluation and clause 9
on or after the hand-over; the plan's steps in order. Each boundary is tried on both
sides: the day before is refused with a message naming the clause, the day itself passes.
"""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone, translation

from consultancy.activity.models import Event
from consultancy.tenancy.versioning import VERSION_FIELD
from contracts import services as contract_services
from contracts.models import Contract
from delivery import services as delivery_services
from delivery.models import (
    ConsultingPlan,
    GuidanceLog,
    ProgressReport,
    ResourceResearch,
    SiteResearch,
    SiteUnit,
)
from engagements import chronology, services
from engagements.models import (
    CommunicationRecord,
    Engagement,
    ExchangeRecord,
    SiteVisit,
    StageTransition,
)
from engagements.stages import Stage
from feedback import services as feedback_services
from tests import factories as f
from tests.conftest import login
from tests.delivery.helpers import PLAN, approve, meet_delivery, pdf_ready, risk_item
from tests.engagements.helpers import meet_contracting
from tests.scoping import scopes_disabled
from tests.uploads import pdf_bytes

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def ago(days):
    return TODAY - datetime.timedelta(days=days)


@pytest.fixture(autouse=True)
def _unscoped():
    with scopes_disabled():
        yield


def refused(call, field=None):
    """The ``ValidationError`` of ``call``: its messages, in Chinese (the default)."""
    with pytest.raises(ValidationError) as exc:
        call()
    messages = exc.value.message_dict if hasattr(exc.value, "error_dict") else {
        None: exc.value.messages}
    if field is not None:
        assert field in messages, messages
        return " ".join(messages[field])
    return " ".join(m for ms in messages.values() for m in ms)


def opened(a, days_ago, **kwargs):
    """An engagement of firm ``a`` that opened ``days_ago`` days ago (the manager's act)."""
    engagement = f.EngagementFactory(client=a.client, lead_consultant=a.consultant,
                                     opened_on=TODAY, **kwargs)
    if days_ago:
        services.engagement_set_opened_on(engagement=engagement, by=a.manager,
                                          opened_on=ago(days_ago),
                                          reason="项目档案的首份记录早于录入系统的日期")
    return engagement


def assessed(a, *, opened_days=30, assessed_days=20):
    engagement = opened(a, opened_days)
    f.NeedsAssessmentFactory(engagement=engagement, assessed_on=ago(assessed_days))
    services.engagement_confirm_needs(engagement=engagement, by=a.consultant)
    return engagement


def framework_confirmed(a, *, confirmed_days=15):
    engagement = assessed(a)
    f.CommunicationRecordFactory(engagement=engagement, held_on=ago(25))
    f.ExchangeRecordFactory(engagement=engagement, held_on=ago(18))
    f.ProjectFrameworkFactory(engagement=engagement, confirmed_by=a.contact,
                              confirmed_on=ago(confirmed_days))
    services.engagement_confirm_framework(engagement=engagement, by=a.consultant)
    return engagement


def issued(a, *, issued_days=12):
    """In the contract stage, the contract issued ``issued_days`` ago (not yet signed)."""
    engagement = framework_confirmed(a)
    contract = meet_contracting(engagement, sign=False, render=False)
    Contract.objects.filter(pk=contract.pk).update(
        issued_at=timezone.now() - datetime.timedelta(days=issued_days))
    contract.refresh_from_db()
    return engagement, contract


def sign(contract, by, day):
    return contract_services.contract_sign(
        contract=contract, by=by, firm_signatory=by, firm_signed_on=day,
        client_signatory="客户法定代表人", client_signed_on=day,
        signed_copy=SimpleUploadedFile("signed.pdf", pdf_bytes(b"signed"),
                                       content_type="application/pdf"))


@pytest.fixture
def delivering(a):
    """Opened 30 days ago, assessed 20, framework confirmed 15, signed 10 days ago."""
    engagement, contract = issued(a)
    sign(contract, a.consultant, ago(10))
    services.engagement_sign_contract(engagement=engagement, by=a.consultant)
    return engagement


# -- the table ---------------------------------------------------------------------------

def test_each_rule_is_declared_once_and_names_a_known_event():
    keys = [(r.record, r.field, r.after) for r in chronology.RULES]
    assert len(keys) == len(set(keys))
    for rule in chronology.RULES:
        assert rule.after in chronology.MILESTONES or rule.after.startswith("self.")
        assert rule.clause
    assert {row["record"] for row in chronology.order_table()} >= {
        "engagements.ExchangeRecord", "contracts.Contract", "delivery.SiteResearch",
        "feedback.FollowUpVisit"}


def test_every_later_apps_milestone_has_its_date():
    for key in chronology.MILESTONES:
        assert key in chronology._DATE_OF, key


# -- the opening date ----------------------------------------------------------------------

def test_an_engagement_opens_on_the_day_it_is_created(a):
    engagement = services.engagement_create(
        firm=a.firm, by=a.consultant, client=a.client, title="新项目", service_type="ledgers",
        origin="request", lead_consultant=a.consultant)
    assert engagement.opened_on == TODAY


@pytest.mark.parametrize("days, ok", [(1, False), (0, True)])
def test_no_record_before_the_opening(a, days, ok):
    """Clause 6.1 (and every record): on the opening day or later."""
    engagement = opened(a, 0)
    visit = SiteVisit(engagement=engagement, visited_on=engagement.opened_on - datetime.timedelta(days=days),
                      findings="现场仓储区消防通道堵塞", need_exists="yes")
    call = lambda: services.record_save(record=visit, by=a.consultant,  # noqa: E731
                                        m2m={"visitors": [a.consultant]})
    if ok:
        call()
        assert SiteVisit.objects.filter(engagement=engagement).count() == 1
    else:
        message = refused(call, "visited_on")
        assert "第 6.1 条款" in message and "项目立项" in message


@pytest.mark.parametrize("days, ok", [(1, False), (0, True)])
def test_the_assessment_and_the_communication_not_before_the_opening(a, days, ok):
    """Clauses 5 and 6.2: on the opening day or later."""
    engagement = opened(a, 10)
    day = ago(10 + days)
    calls = {
        ("assessed_on", "5"): lambda: services.needs_assessment_save(
            engagement=engagement, by=a.consultant, assessed_on=day),
        ("held_on", "6.2"): lambda: services.record_save(record=CommunicationRecord(
            engagement=engagement, held_on=day, participants="双方", basic_situation="化工企业",
            explicit_needs="标准化达标", latent_needs="双重预防"), by=a.consultant),
    }
    for (field, clause), call in calls.items():
        if ok:
            call()
        else:
            message = refused(call, field)
            assert f"第 {clause} 条款" in message and "项目立项" in message


def test_a_manager_sets_the_opening_earlier_with_a_reason_and_it_is_logged(a):
    engagement = opened(a, 0)
    services.engagement_set_opened_on(engagement=engagement, by=a.manager, opened_on=ago(40),
                                      reason="历史项目：档案自四十天前开始")
    engagement.refresh_from_db()
    assert engagement.opened_on == ago(40)
    event = Event.objects.get(engagement_id=engagement.pk, verb="engagement.opened_on_set")
    assert event.actor == a.manager and event.params["reason"] == "历史项目：档案自四十天前开始"
    assert event.params["new"] == str(ago(40))
    # now a record of 40 days ago is valid
    services.record_save(record=CommunicationRecord(
        engagement=engagement, held_on=ago(40), participants="双方", basic_situation="化工企业",
        explicit_needs="标准化达标", latent_needs="双重预防"), by=a.consultant)


def test_the_opening_is_a_managers_act_with_a_reason_never_after_the_creation(a):
    engagement = opened(a, 0)
    with pytest.raises(ValidationError):
        services.engagement_set_opened_on(engagement=engagement, by=a.consultant,
                                          opened_on=ago(5), reason="历史项目的档案日期")
    with pytest.raises(ValidationError) as exc:
        services.engagement_set_opened_on(engagement=engagement, by=a.manager,
                                          opened_on=ago(5), reason="")
    assert "reason" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        services.engagement_set_opened_on(engagement=engagement, by=a.manager,
                                          opened_on=TODAY + datetime.timedelta(days=1),
                                          reason="历史项目的档案日期")
    assert "opened_on" in exc.value.message_dict


def test_the_opening_cannot_move_after_a_record(a):
    engagement = opened(a, 20)
    f.SiteVisitFactory(engagement=engagement, visited_on=ago(20))
    message = refused(lambda: services.engagement_set_opened_on(
        engagement=engagement, by=a.manager, opened_on=ago(10), reason="更正立项日期"),
        "opened_on")
    assert "第 4 条款" in message and "现场访问" in message
    services.engagement_set_opened_on(engagement=engagement, by=a.manager, opened_on=ago(20),
                                      reason="更正立项日期")


def test_the_opening_date_page_is_the_managers_and_their_firms(client, a, b):
    engagement = opened(a, 0)
    url = reverse("engagements:opened_on", args=[engagement.pk])
    login(client, a.consultant)
    assert client.get(url).status_code == 404
    login(client, b.manager)
    assert client.get(url).status_code == 404
    login(client, a.manager)
    page = client.get(reverse("engagements:detail", args=[engagement.pk]))
    assert url in page.text
    resp = client.get(url)
    assert resp.status_code == 200
    form = resp.context["form"]
    data = {"opened_on": (TODAY + datetime.timedelta(days=1)).isoformat(),
            "reason": "历史项目的档案日期", VERSION_FIELD: form.fields[VERSION_FIELD].initial}
    assert "opened_on" in client.post(url, data).context["form"].errors
    data["opened_on"] = ago(7).isoformat()
    assert client.post(url, data).status_code == 302
    engagement.refresh_from_db()
    assert engagement.opened_on == ago(7)


def test_the_migration_opens_an_engagement_on_its_first_record(a):
    import importlib

    from django.apps import apps as django_apps

    engagement = opened(a, 0)
    Engagement.objects.filter(pk=engagement.pk).update(
        created_at=timezone.now() - datetime.timedelta(days=10))
    f.SiteVisitFactory(engagement=engagement, visited_on=ago(30))
    importlib.import_module("engagements.migrations.0006_opened_on").backfill(django_apps, None)
    engagement.refresh_from_db()
    assert engagement.opened_on == ago(30)
    Engagement.objects.filter(pk=engagement.pk).update(opened_on=ago(10))
    importlib.import_module(
        "feedback.migrations.0010_engagement_opened_before_its_records").backfill(
        django_apps, None)
    engagement.refresh_from_db()
    assert engagement.opened_on == ago(10)  # no later record is earlier


# -- clause 5 before 6.3 and 6.4 -------------------------------------------------------------

def _exchange(engagement, day):
    return ExchangeRecord(engagement=engagement, held_on=day, participants="双方项目负责人",
                          objectives="通过二级评审", main_content="制度编制",
                          implementation_approach="驻场", rights_and_obligations="按期交付")


@pytest.mark.parametrize("days, ok", [(21, False), (20, True)])
def test_the_exchange_comes_on_or_after_the_completed_assessment(a, days, ok):
    engagement = assessed(a)  # assessed 20 days ago
    call = lambda: services.record_save(record=_exchange(engagement, ago(days)),  # noqa: E731
                                        by=a.consultant)
    if ok:
        call()
    else:
        message = refused(call, "held_on")
        assert "第 6.3 条款" in message and "需求评估" in message


def test_no_exchange_before_the_assessment_is_complete(a):
    engagement = opened(a, 10)
    f.NeedsAssessmentFactory(engagement=engagement, assessed_on=None, decision="")
    message = refused(lambda: services.record_save(record=_exchange(engagement, TODAY),
                                                   by=a.consultant), "held_on")
    assert "第 6.3 条款" in message and "尚未记录" in message


def test_the_visit_and_the_communication_may_come_before_the_assessment(a):
    engagement = assessed(a)  # assessed 20 days ago, opened 30
    services.record_save(record=SiteVisit(engagement=engagement, visited_on=ago(28),
                                          findings="现场仓储区消防通道堵塞", need_exists="yes"),
                         by=a.consultant, m2m={"visitors": [a.consultant]})
    services.record_save(record=CommunicationRecord(
        engagement=engagement, held_on=ago(25), participants="双方", basic_situation="化工企业",
        explicit_needs="标准化达标", latent_needs="双重预防"), by=a.consultant)


@pytest.mark.parametrize("days, ok", [(21, False), (20, True)])
def test_the_framework_is_confirmed_on_or_after_the_assessment(a, days, ok):
    engagement = assessed(a)
    framework = f.ProjectFrameworkFactory(engagement=engagement)
    call = lambda: services.framework_confirm(framework=framework, contact=a.contact,  # noqa
                                              confirmed_on=ago(days), by=a.consultant)
    if ok:
        call()
    else:
        message = refused(call, "confirmed_on")
        assert "第 6.4 条款" in message


def test_the_assessment_cannot_be_redated_after_the_exchange(a):
    engagement = opened(a, 30)
    f.NeedsAssessmentFactory(engagement=engagement, assessed_on=ago(20))
    f.ExchangeRecordFactory(engagement=engagement, held_on=ago(18))
    message = refused(lambda: services.needs_assessment_save(
        engagement=engagement, by=a.consultant, assessed_on=ago(17)), "assessed_on")
    assert "第 5 条款" in message and "双方交流" in message
    services.needs_assessment_save(engagement=engagement, by=a.consultant, assessed_on=ago(18))


def test_the_exchange_form_shows_the_clause(client, a):
    engagement = assessed(a)
    login(client, a.consultant)
    resp = client.post(reverse("engagements:exchangerecord_create", args=[engagement.pk]), {
        "held_on": ago(25).isoformat(), "participants": "双方项目负责人", "objectives": "通过二级评审",
        "main_content": "制度文件编制", "implementation_approach": "驻场与远程结合",
        "rights_and_obligations": "客户提供资料，咨询方按期交付"})
    assert resp.status_code == 200
    assert "第 6.3 条款" in " ".join(resp.context["form"].errors["held_on"])


def test_the_messages_are_in_both_languages(a):
    engagement = assessed(a)
    with translation.override("en"):
        message = refused(lambda: services.record_save(record=_exchange(engagement, ago(25)),
                                                       by=a.consultant), "held_on")
    assert message.startswith("Clause 6.3:") and "needs assessment" in message


# -- clause 7 after 6.4 --------------------------------------------------------------------

@pytest.mark.parametrize("days, ok", [(16, False), (15, True)])
def test_the_contract_is_signed_on_or_after_the_framework_confirmation(a, days, ok):
    engagement, contract = issued(a, issued_days=20)  # framework confirmed 15 days ago
    call = lambda: sign(contract, a.consultant, ago(days))  # noqa: E731
    if ok:
        assert call().status == Contract.Status.SIGNED
    else:
        message = refused(call, "firm_signed_on")
        assert "第 7 条款" in message and "项目框架" in message


@pytest.mark.parametrize("days, ok", [(13, False), (12, True)])
def test_the_contract_is_signed_on_or_after_its_issue(a, days, ok):
    engagement, contract = issued(a, issued_days=12)
    call = lambda: sign(contract, a.consultant, ago(days))  # noqa: E731
    if ok:
        call()
    else:
        assert "第 7 条款" in refused(call, "client_signed_on")


def test_the_signing_cannot_come_after_a_clause_8_record(a):
    engagement, contract = issued(a)
    research = SiteResearch.objects.create(
        firm=a.firm, engagement=engagement, created_by=a.consultant, researched_on=ago(11),
        location="罐区", collected="台账")
    research.researchers.set([a.consultant])
    message = refused(lambda: sign(contract, a.consultant, ago(10)), "firm_signed_on")
    assert "第 7 条款" in message and "现场调研" in message


# -- clause 8 after the signing --------------------------------------------------------------

def _research(engagement, day):
    return SiteResearch(engagement=engagement, researched_on=day, location="罐区",
                        collected="危险化学品台账")


def _unit(engagement, by):
    """A unit of the site (8.4) for the register's risks."""
    return (SiteUnit.objects.filter(engagement=engagement).first()
            or delivery_services.site_unit_save(
                record=SiteUnit(engagement=engagement, name="甲类罐区"), by=by))


CLAUSE_8 = {
    "8.1.1": lambda e, by, day: delivery_services.site_research_save(
        record=_research(e, day), by=by, researchers=[by]),
    "8.1.2": lambda e, by, day: services.record_save(record=ResourceResearch(
        engagement=e, researched_on=day, resources_needed="检测仪器", findings="齐备"), by=by),
    "8.4": lambda e, by, day: delivery_services.risk_save(record=risk_item(
        e, _unit(e, by), identified_on=day), by=by),
}
FIELDS = {"8.1.1": "researched_on", "8.1.2": "researched_on", "8.4": "identified_on"}


@pytest.mark.parametrize("clause", list(CLAUSE_8))
@pytest.mark.parametrize("days, ok", [(11, False), (10, True)])
def test_clause_8_records_come_on_or_after_the_signing(a, delivering, clause, days, ok):
    call = lambda: CLAUSE_8[clause](delivering, a.consultant, ago(days))  # noqa: E731
    if ok:
        call()
    else:
        message = refused(call, FIELDS[clause])
        assert f"第 {clause} 条款" in message and "签订合同" in message


@pytest.mark.parametrize("days, ok", [(11, False), (10, True)])
def test_guidance_and_progress_reports_come_after_the_signing(a, delivering, days, ok):
    guidance = GuidanceLog(engagement=delivering, given_on=ago(days), given_by=a.consultant,
                           topic="隐患排查", advice="按月更新台账")
    report = ProgressReport(engagement=delivering, period_start=ago(14), period_end=ago(days),
                            work_done="完成现场诊断", next_steps="编制制度文件")
    for record, field in ((guidance, "given_on"), (report, "period_end")):
        call = lambda r=record: services.record_save(record=r, by=a.consultant)  # noqa: E731
        if ok:
            call()
        else:
            assert "第 8.4 条款" in refused(call, field)


@pytest.mark.parametrize("days, ok", [(11, False), (10, True)])
def test_documents_are_delivered_on_or_after_the_signing(a, delivering, days, ok):
    contract = Contract.objects.get(engagement=delivering)
    deliverable = contract.deliverables.get()
    document = delivery_services.document_create(
        engagement=delivering, by=a.consultant, category=deliverable.category,
        title=deliverable.title, deliverable=deliverable,
        file=SimpleUploadedFile("制度汇编.pdf", pdf_bytes(b"deliverable")))
    call = lambda: delivery_services.documents_deliver(  # noqa: E731
        engagement=delivering, versions=[document.versions.get()], delivered_on=ago(days),
        by=a.consultant)
    if ok:
        call()
    else:
        assert "第 8.5.2 条款" in refused(call, "delivered_on")


@pytest.mark.parametrize("days, ok", [(1, False), (0, True)])
def test_the_client_acknowledges_on_or_after_the_delivery(a, delivering, days, ok):
    contract = Contract.objects.get(engagement=delivering)
    deliverable = contract.deliverables.get()
    document = delivery_services.document_create(
        engagement=delivering, by=a.consultant, category=deliverable.category,
        title=deliverable.title, deliverable=deliverable,
        file=SimpleUploadedFile("制度汇编.pdf", pdf_bytes(b"deliverable")))
    delivery = delivery_services.documents_deliver(
        engagement=delivering, versions=[document.versions.get()], delivered_on=ago(5),
        by=a.consultant)[0]
    call = lambda: delivery_services.delivery_acknowledge(  # noqa: E731
        delivery=delivery, contact=a.contact, acknowledged_on=ago(5 + days), by=a.consultant)
    if ok:
        call()
    else:
        assert "第 8.5.2 条款" in refused(call, "acknowledged_on")


def test_nothing_of_clause_8_before_the_contract_is_signed(a):
    engagement, contract = issued(a)
    message = refused(lambda: delivery_services.team_member_add(
        engagement=engagement, by=a.consultant, side="client", contact=a.contact,
        role="客户联络人", responsibilities="组织客户资料与整改"))
    assert "第 8.2.1 条款" in message and "尚未记录" in message
    message = refused(lambda: delivery_services.plan_save(engagement=engagement,
                                                          by=a.consultant, **PLAN))
    assert "第 8.3.1 条款" in message


def test_a_record_in_the_future_is_refused_naming_its_clause(a, delivering):
    message = refused(lambda: CLAUSE_8["8.4"](delivering, a.consultant,
                                              TODAY + datetime.timedelta(days=1)),
                      "identified_on")
    assert "第 8.4 条款" in message and "今天" in message


# -- the plan's steps in order ---------------------------------------------------------------

def _plan(engagement, by):
    return delivery_services.plan_save(
        engagement=engagement, by=by, **PLAN,
        milestones=[{"title": "诊断报告", "due_date": TODAY + datetime.timedelta(days=20)}])


@pytest.mark.parametrize("days, ok", [(1, False), (0, True)])
def test_the_team_approves_the_plan_on_or_after_its_draft(a, delivering, days, ok):
    plan = _plan(delivering, a.consultant)  # drafted today
    call = lambda: approve(plan, a.consultant, on=ago(days))  # noqa: E731
    if ok:
        call()
    else:
        assert "第 8.3.1 条款" in refused(call, "approved_on")


@pytest.mark.parametrize("days, ok", [(3, False), (2, True)])
def test_the_client_confirms_the_plan_on_or_after_its_issue(a, delivering, days, ok):
    plan = _plan(delivering, a.consultant)
    ConsultingPlan.objects.filter(pk=plan.pk).update(
        created_at=timezone.now() - datetime.timedelta(days=5))
    plan = approve(plan, a.consultant, on=ago(4))
    plan = delivery_services.plan_issue(plan=plan, by=a.consultant)
    pdf_ready(plan.issued_pdf)
    ConsultingPlan.objects.filter(pk=plan.pk).update(
        issued_at=timezone.now() - datetime.timedelta(days=2))
    plan.refresh_from_db()
    call = lambda: delivery_services.plan_confirm(  # noqa: E731
        plan=plan, contact=a.contact, confirmed_on=ago(days), by=a.consultant)
    if ok:
        call()
    else:
        assert "第 8.3.1 条款" in refused(call, "confirmed_on")


def test_the_plans_issue_comes_on_or_after_its_approval(a, delivering):
    plan = _plan(delivering, a.consultant)
    plan = approve(plan, a.consultant, on=TODAY)
    problems = chronology.problems(plan, values={"issued_at": ago(1)})
    assert "第 8.3.1 条款" in " ".join(problems["issued_at"])
    assert chronology.problems(plan, values={"issued_at": TODAY}) == {}


# -- evaluation and clause 9 after the hand-over ---------------------------------------------

@pytest.fixture
def handed_over(a, delivering):
    meet_delivery(delivering)
    services.engagement_hand_over(engagement=delivering, by=a.consultant)
    StageTransition.objects.filter(engagement=delivering, to_stage=Stage.EVALUATION).update(
        at=timezone.now() - datetime.timedelta(days=3))
    return delivering


@pytest.mark.parametrize("days, ok", [(4, False), (3, True)])
def test_the_evaluation_comes_on_or_after_the_hand_over(a, handed_over, days, ok):
    call = lambda: feedback_services.acceptance_record(  # noqa: E731
        engagement=handed_over, by=a.consultant, contact=a.contact, accepted_on=ago(days),
        verdict="accepted")
    if ok:
        call()
    else:
        message = refused(call, "accepted_on")
        assert "评价" in message and "成果移交" in message


@pytest.mark.parametrize("days, ok", [(4, False), (3, True)])
def test_the_review_of_the_outcome_comes_on_or_after_the_hand_over(a, handed_over, days, ok):
    call = lambda: feedback_services.review_save(  # noqa: E731
        engagement=handed_over, by=a.consultant, reviewer=a.consultant, reviewed_on=ago(days),
        conclusion="目标基本实现", objectives=[
            {"objective": "通过二级评审", "verdict": "met", "evidence": "评审得分 82 分"}])
    if ok:
        call()
    else:
        assert "评价" in refused(call, "reviewed_on")


@pytest.mark.parametrize("days, ok", [(4, False), (3, True)])
def test_clause_9_records_come_on_or_after_the_hand_over(a, handed_over, days, ok):
    from types import SimpleNamespace

    from tests.feedback.helpers import to_follow_up

    to_follow_up(handed_over, SimpleNamespace(consultant=a.consultant, contact=a.contact))
    calls = {
        "given_on": lambda: feedback_services.follow_up_guidance_save(
            engagement=handed_over, by=a.consultant, given_on=ago(days), given_by=a.consultant,
            topic="隐患排查台账", advice="按月更新隐患排查治理台账"),
        "visited_on": lambda: feedback_services.follow_up_visit_save(
            engagement=handed_over, by=a.consultant, visited_on=ago(days),
            visitors=[a.consultant], discussed="回访制度执行情况", plan_needs_adjusting=False),
    }
    for field, call in calls.items():
        if ok:
            call()
        else:
            message = refused(call, field)
            assert "第 9." in message and "成果移交" in message


# -- 9.4: a complaint is not about a time before the engagement ----------------------------

@pytest.mark.parametrize("days, ok", [(31, False), (30, True)])
def test_a_complaint_is_not_received_before_the_engagement_opened(a, china_calendar, days, ok):
    engagement = opened(a, 30)
    call = lambda: feedback_services.complaint_receive(  # noqa: E731
        firm=a.firm, by=a.manager, received_on=ago(days), channel="phone",
        complainant_name="客户安全总监", description="现场检查报告中设备编号与现场不一致",
        engagement=engagement)
    if ok:
        call()
    else:
        assert "第 9.4 条款" in refused(call, "received_on")
