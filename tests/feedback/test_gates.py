"""Evaluation and clause 9: each requirement alone holds its gate shut; the records behind
them (acceptance, review, guidance, visits, 9.3 plan versions)."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from consultancy.tenancy.scoping import CrossFirmReference
from contracts.models import Contract
from engagements import services as engagement_services
from engagements.freezing import frozen_records_unlocked
from engagements.models import FrozenRecord
from engagements.stages import Stage
from feedback import services
from feedback.errors import FollowUpRefused
from feedback.models import ClientAcceptance, FeedbackSettings, FollowUpVisit, OutcomeReview
from feedback.selectors import follow_up_summary, review_objectives_suggested
from tests import factories as f
from tests.delivery.helpers import approve
from tests.engagements.helpers import advance_to
from tests.feedback.helpers import (
    EVALUATION_CODES,
    FOLLOW_UP_CODES,
    OBJECTIVES,
    end_guidance_period,
    handed_over,
    meet,
    to_follow_up,
)
from tests.feedback.steps import step
from tests.scoping import scopes_disabled

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _unscoped():
    with scopes_disabled():
        yield


@pytest.fixture
def evaluating(a):
    return handed_over(a)


@pytest.fixture
def following_up(a, evaluating):
    return to_follow_up(evaluating, a)


def test_the_gates_list_every_code(evaluating):
    assert [r.code for r in evaluating.requirements(Stage.EVALUATION)] == EVALUATION_CODES
    # the hidden dangers' (registered by hazards, before feedback; held in tests/hazards)
    assert [r.code for r in evaluating.requirements(Stage.FOLLOW_UP)] == [
        "9.1.major_hazards", *FOLLOW_UP_CODES]
    assert [r.url for r in evaluating.requirements()] == [
        f"/engagements/{evaluating.pk}/evaluation/"] * 2


# -- evaluation -------------------------------------------------------------------------


@pytest.mark.parametrize("code", EVALUATION_CODES)
def test_each_evaluation_requirement_alone_holds_the_gate(a, evaluating, code):
    for other in EVALUATION_CODES:
        if other != code:
            meet(other, evaluating, a)
    with pytest.raises(engagement_services.GateClosed) as exc:
        engagement_services.engagement_accept(engagement=evaluating, by=a.consultant)
    assert [r.code for r in exc.value.missing] == [code]
    assert evaluating.stage == Stage.EVALUATION


def test_all_met_the_results_are_accepted(a, evaluating):
    to_follow_up(evaluating, a)
    assert evaluating.stage == Stage.FOLLOW_UP


def test_a_not_accepted_verdict_keeps_the_engagement_in_evaluation(a, evaluating):
    meet("E.review", evaluating, a)
    today = timezone.localdate()
    services.acceptance_record(engagement=evaluating, by=a.consultant, contact=a.contact,
                               accepted_on=today, verdict="not_accepted",
                               reasons="风险分级管控清单不完整")
    with pytest.raises(engagement_services.GateClosed) as exc:
        engagement_services.engagement_accept(engagement=evaluating, by=a.consultant)
    assert [r.code for r in exc.value.missing] == ["E.acceptance"]
    assert evaluating.stage == Stage.EVALUATION
    # reworked, then accepted with reservations: the latest verdict counts
    services.acceptance_record(engagement=evaluating, by=a.consultant, contact=a.contact,
                               accepted_on=today, verdict="reservations",
                               reasons="隐患台账一个月内补齐")
    engagement_services.engagement_accept(engagement=evaluating, by=a.consultant)
    assert evaluating.stage == Stage.FOLLOW_UP


def test_an_accepted_then_not_accepted_verdict_closes_the_gate_again(a, evaluating):
    meet("E.review", evaluating, a)
    meet("E.acceptance", evaluating, a)
    services.acceptance_record(engagement=evaluating, by=a.consultant, contact=a.contact,
                               accepted_on=timezone.localdate(), verdict="not_accepted",
                               reasons="客户撤回验收意见")
    assert [r.code for r in evaluating.requirements() if not r.met] == ["E.acceptance"]


def test_reasons_are_required_unless_accepted(a, evaluating):
    for verdict in ("not_accepted", "reservations"):
        with pytest.raises(ValidationError) as exc:
            services.acceptance_record(engagement=evaluating, by=a.consultant,
                                       contact=a.contact, accepted_on=timezone.localdate(),
                                       verdict=verdict, reasons="  ")
        assert "reasons" in exc.value.message_dict
    assert not ClientAcceptance.objects.exists()


def test_acceptance_needs_the_hand_over_and_a_contact_of_the_client(a, b):
    delivering = advance_to(f.EngagementFactory(client=a.client, lead_consultant=a.consultant),
                            Stage.DELIVERY)
    with pytest.raises(FollowUpRefused):
        services.acceptance_record(engagement=delivering, by=a.consultant, contact=a.contact,
                                   accepted_on=timezone.localdate(), verdict="accepted")
    evaluating = handed_over(a)
    with pytest.raises(CrossFirmReference):
        services.acceptance_record(engagement=evaluating, by=a.consultant, contact=b.contact,
                                   accepted_on=timezone.localdate(), verdict="accepted")
    other_client_contact = f.ClientContactFactory(client=f.ClientFactory(firm=a.firm))
    with pytest.raises(ValidationError):
        services.acceptance_record(engagement=evaluating, by=a.consultant,
                                   contact=other_client_contact,
                                   accepted_on=timezone.localdate(), verdict="accepted")
    with pytest.raises(ValidationError):
        services.acceptance_record(engagement=evaluating, by=a.consultant, contact=a.contact,
                                   accepted_on=timezone.localdate() + datetime.timedelta(days=1),
                                   verdict="accepted")
    assert not ClientAcceptance.objects.exists()


def test_in_the_portal_a_contact_gives_their_own_verdict(a, evaluating):
    colleague = f.ClientContactFactory(client=a.client)
    with pytest.raises(ValidationError):
        services.acceptance_record(engagement=evaluating, by=a.contact.user, contact=colleague,
                                   accepted_on=timezone.localdate(), verdict="accepted")
    acceptance = services.acceptance_record(engagement=evaluating, by=a.contact.user,
                                            contact=a.contact, accepted_on=timezone.localdate(),
                                            verdict="accepted")
    assert acceptance.recorded_by == a.contact.user


def test_a_recorded_verdict_is_never_changed(a, evaluating):
    meet("E.acceptance", evaluating, a)
    acceptance = ClientAcceptance.objects.get()
    acceptance.verdict = "not_accepted"
    acceptance.reasons = "改口"
    with pytest.raises(FrozenRecord):
        acceptance.save()
    with pytest.raises(FrozenRecord):
        acceptance.delete()


def test_the_review_needs_evidence_for_every_objective(a, evaluating):
    for rows in ([], [{"objective": "通过评审", "verdict": "met", "evidence": ""}],
                 [{"objective": "通过评审", "verdict": "", "evidence": "评审报告"}]):
        with pytest.raises(ValidationError):
            services.review_save(engagement=evaluating, by=a.consultant, reviewer=a.consultant,
                                 reviewed_on=timezone.localdate(), objectives=rows)
    assert not OutcomeReview.objects.exists()
    with pytest.raises(CrossFirmReference):
        services.review_save(engagement=evaluating, by=a.consultant, reviewer=f.ConsultantFactory(),
                             reviewed_on=timezone.localdate(), objectives=OBJECTIVES)


def test_the_review_is_saved_again_until_evaluation_is_passed_then_frozen(a, evaluating):
    meet("E.review", evaluating, a)
    review = services.review_save(engagement=evaluating, by=a.consultant, reviewer=a.consultant,
                                  reviewed_on=timezone.localdate(), objectives=OBJECTIVES[:1])
    assert [o.objective for o in review.objectives.all()] == [OBJECTIVES[0]["objective"]]
    assert OutcomeReview.objects.count() == 1
    meet("E.acceptance", evaluating, a)
    engagement_services.engagement_accept(engagement=evaluating, by=a.consultant)
    with pytest.raises(FrozenRecord):
        services.review_save(engagement=evaluating, by=a.consultant, reviewer=a.consultant,
                             reviewed_on=timezone.localdate(), objectives=OBJECTIVES)
    row = review.objectives.get()
    row.evidence = "改写"
    with pytest.raises(FrozenRecord):
        row.save()


def test_objectives_are_suggested_from_the_confirmed_framework(a, evaluating):
    framework = evaluating.projectframeworks.get()
    framework_text = "1. 通过安全生产标准化二级评审\n2、建立双重预防机制\n\n- 员工培训覆盖率 100%"
    with frozen_records_unlocked("test: the confirmed framework's objectives as a list"):
        type(framework).objects.filter(pk=framework.pk).update(objectives=framework_text)
    assert review_objectives_suggested(evaluating) == [
        "通过安全生产标准化二级评审", "建立双重预防机制", "员工培训覆盖率 100%"]


# -- follow-up ---------------------------------------------------------------------------


@pytest.mark.parametrize("code", FOLLOW_UP_CODES)
def test_each_follow_up_requirement_alone_holds_the_gate(a, following_up, code):
    for other in FOLLOW_UP_CODES:
        if other != code:
            meet(other, following_up, a)
    if code == "9.4.complaints":
        services.complaint_receive(
            firm=a.firm, by=a.manager, received_on=timezone.localdate(), channel="phone",
            complainant_name="客户安全总监", description="回访迟到两小时", engagement=following_up,
            contact=a.contact)
    if code == "9.2.visits":  # one visit short of the two contracted
        services.follow_up_visit_save(engagement=following_up, by=a.consultant,
                                      visited_on=timezone.localdate(), visitors=[a.consultant],
                                      discussed="制度执行情况", plan_needs_adjusting=False)
    if code == "9.1.guidance":  # guidance given, but the contracted period runs on
        end_guidance_period(following_up, days_ago=89)
    with pytest.raises(engagement_services.GateClosed) as exc:
        engagement_services.engagement_close(engagement=following_up, by=a.consultant)
    assert [r.code for r in exc.value.missing] == [code]
    assert following_up.stage == Stage.FOLLOW_UP


def test_all_met_the_engagement_closes(a, following_up):
    for code in FOLLOW_UP_CODES:
        meet(code, following_up, a)
    engagement_services.engagement_close(engagement=following_up, by=a.consultant)
    assert following_up.stage == Stage.CLOSED


def test_the_survey_is_not_needed_when_the_firm_says_so(a, b, following_up):
    for code in FOLLOW_UP_CODES:
        if code != "9.5.survey":
            meet(code, following_up, a)
    assert [r.code for r in following_up.requirements() if not r.met] == ["9.5.survey"]
    FeedbackSettings.objects.create(firm=b.firm, survey_required=False)  # another firm's
    assert [r.code for r in following_up.requirements() if not r.met] == ["9.5.survey"]
    services.feedback_settings_update(firm=a.firm, by=a.manager, survey_required=False)
    engagement_services.engagement_close(engagement=following_up, by=a.consultant)
    assert following_up.stage == Stage.CLOSED


def test_only_managers_change_the_settings(a, b):
    with pytest.raises(ValidationError):
        services.feedback_settings_update(firm=a.firm, by=a.consultant, survey_required=False)
    with pytest.raises(CrossFirmReference):
        services.feedback_settings_update(firm=a.firm, by=b.manager, survey_required=False)
    assert not FeedbackSettings.objects.exists()


def test_an_escalated_complaint_keeps_the_engagement_open_until_closed(a, following_up):
    for code in FOLLOW_UP_CODES:
        meet(code, following_up, a)
    c = services.complaint_receive(
        firm=a.firm, by=a.manager, received_on=timezone.localdate(), channel="letter",
        complainant_name="客户法定代表人", description="对交付成果有异议", engagement=following_up)
    step(c, "acknowledge", a.manager)
    step(c, "escalate", a.manager, escalated_to="苏州仲裁委员会", reason="双方协商未果，申请仲裁")
    assert [r.code for r in following_up.requirements() if not r.met] == ["9.4.complaints"]
    step(c, "close", a.manager, complainant_acceptance="仲裁裁决已履行完毕")
    assert all(r.met for r in following_up.requirements())


def test_guidance_period_ends_on_the_day(a, following_up):
    summary = follow_up_summary(following_up)
    assert summary.handed_over_on == timezone.localdate()
    assert summary.guidance_days == 90 and summary.visits_contracted == 2
    assert summary.guidance_ends_on == timezone.localdate() + datetime.timedelta(days=90)
    assert summary.next_visit_number == 1
    assert summary.next_visit_due == timezone.localdate() + datetime.timedelta(days=45)

    def guidance_met():
        return next(r for r in following_up.requirements() if r.code == "9.1.guidance").met

    services.follow_up_guidance_save(engagement=following_up, by=a.consultant,
                                     given_on=timezone.localdate(), given_by=a.consultant,
                                     topic="隐患排查台账", advice="按月更新隐患排查治理台账")
    end_guidance_period(following_up, days_ago=89)
    assert not guidance_met()
    end_guidance_period(following_up, days_ago=90)
    assert guidance_met()


def _guide(engagement, w, day, topic="隐患排查台账"):
    return services.follow_up_guidance_save(engagement=engagement, by=w.consultant,
                                            given_on=day, given_by=w.consultant, topic=topic,
                                            advice="按月更新隐患排查治理台账")


def test_9_1_needs_the_guidance_actually_given_within_the_period(a, following_up):
    """9.1: the period ended is not enough: at least the contracted number of guidance
    sessions (at least one) dated within the period."""
    def guidance_met():
        return next(r for r in following_up.requirements() if r.code == "9.1.guidance").met

    today = timezone.localdate()
    end_guidance_period(following_up, days_ago=100)  # handed over 100 days ago, 90 days' guidance
    assert not guidance_met()  # the period ended, but no guidance was given
    _guide(following_up, a, today - datetime.timedelta(days=5))  # after the period: not in it
    assert not guidance_met()
    assert follow_up_summary(following_up).guidance_given == 0
    _guide(following_up, a, today - datetime.timedelta(days=10))  # the period's last day
    assert guidance_met()
    summary = follow_up_summary(following_up)
    assert (summary.guidance_given, summary.guidance_sessions, summary.guidance_missing) == (
        1, 1, 0)
    # a contract promising three sessions needs three
    with frozen_records_unlocked("test: a signed contract that promised three sessions"):
        Contract.objects.filter(engagement=following_up).update(guidance_sessions=3)
    assert not guidance_met()
    assert follow_up_summary(following_up).guidance_missing == 2
    _guide(following_up, a, today - datetime.timedelta(days=100), "首次指导")  # the hand-over day
    _guide(following_up, a, today - datetime.timedelta(days=50), "中期指导")
    assert guidance_met()


def test_the_engagement_page_shows_when_the_guidance_period_ends(client, a, following_up):
    from tests.conftest import login

    login(client, a.consultant)
    page = client.get(following_up.get_absolute_url())
    ends = (timezone.localdate() + datetime.timedelta(days=90)).isoformat()
    assert 'id="panel-guidance-period"' in page.text and ends in page.text


def test_visits_must_say_whether_the_plan_needs_adjusting(a, b, following_up):
    kw = {"engagement": following_up, "by": a.consultant, "visited_on": timezone.localdate(),
          "discussed": "下一阶段工作安排"}
    with pytest.raises(ValidationError):
        services.follow_up_visit_save(visitors=[a.consultant], plan_needs_adjusting=None, **kw)
    with pytest.raises(ValidationError):
        services.follow_up_visit_save(visitors=[], plan_needs_adjusting=False, **kw)
    with pytest.raises(CrossFirmReference):
        services.follow_up_visit_save(visitors=[b.consultant], plan_needs_adjusting=False, **kw)
    with pytest.raises(ValidationError):  # a client contact is not one of our visitors
        services.follow_up_visit_save(visitors=[a.contact.user], plan_needs_adjusting=False, **kw)
    assert not FollowUpVisit.objects.exists()
    visit = services.follow_up_visit_save(visitors=[a.consultant], plan_needs_adjusting=False,
                                          **kw)
    assert list(visit.visitors.all()) == [a.consultant]
    assert follow_up_summary(following_up).visits_done == 1


def test_follow_up_records_start_with_the_hand_over_and_freeze_at_closing(a, following_up):
    delivering = advance_to(f.EngagementFactory(client=a.client, lead_consultant=a.consultant),
                            Stage.DELIVERY)
    with pytest.raises(FollowUpRefused):
        services.follow_up_guidance_save(engagement=delivering, by=a.consultant,
                                         given_on=timezone.localdate(), given_by=a.consultant,
                                         topic="x", advice="y")
    for code in FOLLOW_UP_CODES:
        meet(code, following_up, a)
    engagement_services.engagement_close(engagement=following_up, by=a.consultant)
    with pytest.raises(FrozenRecord):
        services.follow_up_visit_save(engagement=following_up, by=a.consultant,
                                      visited_on=timezone.localdate(), visitors=[a.consultant],
                                      discussed="x", plan_needs_adjusting=False)
    visit = FollowUpVisit.objects.filter(engagement=following_up).first()
    visit.discussed = "改写"
    with pytest.raises(FrozenRecord):
        visit.save()


# -- 9.3: a site change opens a new plan version -------------------------------------------

def _delivery_offers_9_3():
    from delivery import services as delivery_services

    return hasattr(delivery_services, "plan_revise_after_delivery")


@pytest.mark.skipif(not _delivery_offers_9_3(),
                    reason="needs delivery.services.plan_revise_after_delivery (9.3)")
def test_a_site_change_opens_a_plan_version_confirmed_again(a, following_up):
    from delivery import services as delivery_services
    from tests.delivery.helpers import pdf_ready

    for code in FOLLOW_UP_CODES:
        meet(code, following_up, a)
    before = delivery_services.current_plan(following_up)
    visit = services.follow_up_visit_save(
        engagement=following_up, by=a.consultant, visited_on=timezone.localdate(),
        visitors=[a.consultant], discussed="新增一条甲醇装卸线", plan_needs_adjusting=True,
        site_changes="新建甲醇装卸线投用，增加重大危险源辨识内容")
    plan = visit.plan_version
    assert plan.version == before.version + 1 and not plan.is_approved
    assert "甲醇装卸线" in plan.change_reason
    assert plan.division_of_work == before.division_of_work  # a copy of the approved one
    assert [r.code for r in following_up.requirements() if not r.met] == ["9.2.visits"]
    today = timezone.localdate()
    plan = approve(plan, a.consultant)
    plan = delivery_services.plan_issue(plan=plan, by=a.consultant)
    pdf_ready(plan.issued_pdf)
    assert [r.code for r in following_up.requirements() if not r.met] == ["9.2.visits"]
    delivery_services.plan_confirm(plan=plan, contact=a.contact, confirmed_on=today,
                                   by=a.consultant)
    assert all(r.met for r in following_up.requirements())
    engagement_services.engagement_close(engagement=following_up, by=a.consultant)
    with pytest.raises(FrozenRecord):  # closed: no more versions
        delivery_services.plan_revise_after_delivery(engagement=following_up, by=a.consultant,
                                                     change_reason="再次变化")


@pytest.mark.skipif(not _delivery_offers_9_3(),
                    reason="needs delivery.services.plan_revise_after_delivery (9.3)")
def test_visits_add_to_the_open_plan_version(a, following_up):
    kw = {"engagement": following_up, "by": a.consultant, "visited_on": timezone.localdate(),
          "visitors": [a.consultant], "discussed": "现场变化"}
    first = services.follow_up_visit_save(plan_needs_adjusting=False,
                                          site_changes="新增危废暂存间", **kw)
    second = services.follow_up_visit_save(plan_needs_adjusting=True,
                                           adjustment_notes="培训计划增加危废管理", **kw)
    assert first.plan_version == second.plan_version
    assert "新增危废暂存间" in second.plan_version.change_reason
    assert "培训计划增加危废管理" in second.plan_version.change_reason
    third = services.follow_up_visit_save(plan_needs_adjusting=False, **kw)
    assert third.plan_version is None
