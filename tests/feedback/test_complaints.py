"""9.4: the complaint register per GB/T 17242-2025 《投诉处理规范》: its state machine, the
steps' texts and dates in order, time limits counted from the receipt in China's working
days and held to the contract's promise, corrective actions, confidentiality."""

import datetime

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone
from django_fsm import TransitionNotAllowed

from consultancy.formats import show_date
from consultancy.tenancy.scoping import CrossFirmReference
from consultancy.workdays import calendar
from feedback import services
from feedback.errors import ComplaintStepRefused
from feedback.models import (
    Complaint,
    ComplaintAction,
    ComplaintStep,
    FeedbackSettings,
    add_working_days,
)
from feedback.selectors import complaint_register, complaints_visible_to, overdue_complaints
from tests import factories as f
from tests.feedback.helpers import on_commit
from tests.feedback.steps import NO_ACTION, TEXT, cause_of, step, walk
from tests.scoping import scopes_disabled

pytestmark = pytest.mark.django_db

D = datetime.date
FRIDAY = D(2026, 1, 9)
MONDAY, TUESDAY = FRIDAY + datetime.timedelta(days=3), FRIDAY + datetime.timedelta(days=4)


@pytest.fixture(autouse=True)
def _unscoped(china_calendar):
    with scopes_disabled():
        yield


def receive(w, engagement=None, received_on=None, **kw):
    data = {"firm": w.firm, "by": w.manager, "received_on": received_on or timezone.localdate(),
            "channel": "phone", "complainant_name": "王经理", "complainant_contact": "13800000000",
            "description": "咨询人员未按约定时间到场", "remedy_sought": "书面说明并调整人员",
            "engagement": engagement, **kw}
    return services.complaint_receive(**data)


def test_numbers_are_unique_per_firm_and_year(a, b):
    year = timezone.localdate().year
    first, second = receive(a), receive(a)
    assert (first.number, second.number) == (f"TS-{year}-001", f"TS-{year}-002")
    assert receive(b).number == f"TS-{year}-001"
    assert receive(a, received_on=D(year - 1, 12, 30)).number == f"TS-{year - 1}-001"


def test_every_step_is_recorded_with_who_when_and_its_date(a):
    c = receive(a)
    assert c.status == Complaint.Status.RECEIVED
    walk(c, a.consultant)
    today = timezone.localdate()
    assert c.status == Complaint.Status.CLOSED and c.closed_on == today
    assert (c.acknowledged_on, c.assessed_on, c.investigated_on, c.responded_on,
            c.first_responded_on) == (today,) * 5
    assert c.acknowledgement == TEXT["acknowledge"]["acknowledgement"]
    assert (c.severity, c.cause.name, c.findings) == (
        "medium", "服务质量", TEXT["investigate"]["findings"])
    assert c.complainant_acceptance == TEXT["close"]["complainant_acceptance"]
    assert c.due_by is None and c.no_action_reason == NO_ACTION
    steps = list(ComplaintStep.objects.filter(complaint=c))
    assert [(s.step, s.from_status, s.to_status) for s in steps] == [
        ("receive", "", "received"),
        ("acknowledge", "received", "acknowledged"),
        ("assess", "acknowledged", "assessed"),
        ("investigate", "assessed", "investigated"),
        ("respond", "investigated", "responded"),
        ("close", "responded", "closed"),
    ]
    assert [s.by for s in steps] == [a.manager] + [a.consultant] * 5
    assert all(s.on == today and s.at is not None and s.firm_id == a.firm.pk for s in steps)
    assert [s.at for s in steps] == sorted(s.at for s in steps)


@pytest.mark.parametrize("name", ["assess", "investigate", "respond", "close", "escalate"])
def test_a_skipped_step_is_refused_and_nothing_is_written(a, name):
    c = receive(a)
    with pytest.raises(ComplaintStepRefused) as exc:
        step(c, name, a.manager)
    assert isinstance(exc.value, TransitionNotAllowed)
    assert str(services.STEP_LABELS["acknowledge"]) in str(exc.value)  # names the step due
    c.refresh_from_db()
    assert c.status == Complaint.Status.RECEIVED
    assert ComplaintStep.objects.filter(complaint=c).count() == 1


def test_a_repeated_or_late_step_is_refused(a):
    c = walk(receive(a), a.manager)
    for name in ("acknowledge", "escalate", "close", "respond"):
        with pytest.raises(ComplaintStepRefused):
            step(c, name, a.manager)
    assert ComplaintStep.objects.filter(complaint=c).count() == 6


@pytest.mark.parametrize(("name", "field", "value"), [
    ("acknowledge", "acknowledgement", ""),
    ("acknowledge", "acknowledgement", "无"),
    ("acknowledge", "acknowledgement", "ok"),
    ("assess", "assessment", ""),          # optional before GB/T 17242-2025; now required
    ("assess", "assessment", "同上"),
    ("investigate", "findings", "  "),
    ("investigate", "findings", "x"),
    ("investigate", "findings", "。。。。"),
    ("respond", "decision", "已处理"),
    ("respond", "decision", "aaaaaa"),
])
def test_each_step_needs_a_text_that_says_something(a, name, field, value):
    c = receive(a)
    before = {"acknowledge": [], "assess": ["acknowledge"],
              "investigate": ["acknowledge", "assess"],
              "respond": ["acknowledge", "assess", "investigate"]}[name]
    for earlier in before:
        step(c, earlier, a.manager)
    status = Complaint.objects.get(pk=c.pk).status
    with pytest.raises((ComplaintStepRefused, ValidationError)):
        step(c, name, a.manager, **{field: value})
    assert Complaint.objects.get(pk=c.pk).status == status


def test_the_assessment_names_a_severity_and_a_cause_of_the_firms_list(a, b):
    c = receive(a)
    step(c, "acknowledge", a.manager)
    with pytest.raises(ValidationError) as exc:
        step(c, "assess", a.manager, severity="")
    assert "severity" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        step(c, "assess", a.manager, cause=None)
    assert "cause" in exc.value.message_dict
    with pytest.raises(CrossFirmReference):
        step(c, "assess", a.manager, cause=cause_of(receive(b)))
    stopped = cause_of(c, "收费")
    services.complaint_cause_save(firm=a.firm, by=a.manager, cause=stopped, is_active=False)
    with pytest.raises(ValidationError):
        step(c, "assess", a.manager, cause=stopped)
    step(c, "assess", a.manager, severity="high", safety_related=True,
         cause=cause_of(c, "安全隐患处置"))
    assert c.safety_related and c.cause.name == "安全隐患处置"


def test_the_seeded_causes_and_the_managers_list(a, b):
    names = [c.name for c in services.causes_for(a.firm)]
    assert names == ["服务质量", "交付延误", "人员资质", "沟通", "收费", "安全隐患处置", "其他"]
    services.complaint_cause_save(firm=a.firm, by=a.manager, name="报告质量", order=9)
    assert "报告质量" in [c.name for c in services.causes_for(a.firm)]
    assert "报告质量" not in [c.name for c in services.causes_for(b.firm)]
    with pytest.raises(ValidationError):
        services.complaint_cause_save(firm=a.firm, by=a.consultant, name="其他原因")
    with pytest.raises(ValidationError):  # unique per firm
        services.complaint_cause_save(firm=a.firm, by=a.manager, name="沟通")


def test_escalation_from_each_open_step_then_closing_with_the_outcome(a):
    for steps in range(1, 5):
        c = receive(a)
        for name in ["acknowledge", "assess", "investigate", "respond"][:steps]:
            step(c, name, a.manager)
        step(c, "escalate", a.manager)
        assert c.status == Complaint.Status.ESCALATED and c.is_open
        assert c.escalated_on == timezone.localdate()
        assert c.due_by is None and not c.is_overdue  # in the hands of an outside body
        step(c, "close", a.manager, complainant_acceptance="仲裁委员会裁决后双方和解结案")
        assert c.status == Complaint.Status.CLOSED


# -- dates in order -----------------------------------------------------------------------

DATE_ARGS = {"acknowledge": "acknowledged_on", "assess": "assessed_on",
             "investigate": "investigated_on", "respond": "responded_on", "close": "closed_on",
             "escalate": "escalated_on"}


@pytest.mark.parametrize("name", ["acknowledge", "assess", "investigate", "respond", "close"])
def test_a_step_dated_before_its_predecessor_is_refused(a, name):
    received = timezone.localdate() - datetime.timedelta(days=20)
    c = receive(a, received_on=received)
    order = ["acknowledge", "assess", "investigate", "respond", "close"]
    day = received
    for i, earlier in enumerate(order[:order.index(name)]):
        day = received + datetime.timedelta(days=i + 1)
        step(c, earlier, a.manager, **{DATE_ARGS[earlier]: day})
    with pytest.raises(ValidationError) as exc:
        step(c, name, a.manager, **{DATE_ARGS[name]: day - datetime.timedelta(days=1)})
    assert DATE_ARGS[name] in exc.value.message_dict
    assert show_date(day) in exc.value.message_dict[DATE_ARGS[name]][0]  # the language's format
    c.refresh_from_db()
    assert getattr(c, DATE_ARGS[name]) is None
    assert c.next_step == name
    step(c, name, a.manager, **{DATE_ARGS[name]: day})  # the same day is in order
    assert getattr(Complaint.objects.get(pk=c.pk), DATE_ARGS[name]) == day


def test_a_step_in_the_future_is_refused(a):
    c = receive(a)
    with pytest.raises(ValidationError) as exc:
        step(c, "acknowledge", a.manager,
             acknowledged_on=timezone.localdate() + datetime.timedelta(days=1))
    assert "acknowledged_on" in exc.value.message_dict


def test_an_escalation_and_a_revised_answer_keep_the_order(a):
    received = timezone.localdate() - datetime.timedelta(days=10)
    c = receive(a, received_on=received)
    step(c, "acknowledge", a.manager, acknowledged_on=received + datetime.timedelta(days=2))
    with pytest.raises(ValidationError):
        step(c, "escalate", a.manager, escalated_on=received + datetime.timedelta(days=1))
    step(c, "assess", a.manager, assessed_on=received + datetime.timedelta(days=2))
    step(c, "investigate", a.manager, investigated_on=received + datetime.timedelta(days=3))
    step(c, "respond", a.manager, responded_on=received + datetime.timedelta(days=4))
    with pytest.raises(ValidationError):  # a revised answer before the first one
        step(c, "respond", a.manager, decision="重新答复：补充一次现场培训，费用由我司承担",
             responded_on=received + datetime.timedelta(days=3))
    step(c, "respond", a.manager, decision="重新答复：补充一次现场培训，费用由我司承担",
         responded_on=received + datetime.timedelta(days=6))
    c.refresh_from_db()
    assert c.responded_on == received + datetime.timedelta(days=6)
    assert c.first_responded_on == received + datetime.timedelta(days=4)
    with pytest.raises(ValidationError):
        step(c, "close", a.manager, closed_on=received + datetime.timedelta(days=5))


def test_the_model_refuses_dates_out_of_order_whatever_writes_them(a):
    c = receive(a, received_on=timezone.localdate() - datetime.timedelta(days=5))
    c.acknowledged_on = c.received_on - datetime.timedelta(days=1)
    with pytest.raises(ValidationError):
        c.full_clean()


# -- time limits, counted from the receipt ---------------------------------------------------


def test_every_limit_counts_from_the_receipt_not_from_the_step_before(a):
    received = D(2026, 1, 5)  # a Monday of an ordinary January
    c = receive(a, received_on=received)
    assert (c.acknowledge_due_on, c.assess_due_on, c.investigate_due_on, c.respond_due_on,
            c.close_due_on) == (D(2026, 1, 6), D(2026, 1, 8), D(2026, 1, 19), D(2026, 1, 26),
                                D(2026, 2, 14))  # the Spring Festival's make-up Saturday
    assert c.due_by == D(2026, 1, 6) and c.limits_contract is None
    # acknowledged late, assessed later still: the answer's due date does not move
    step(c, "acknowledge", a.manager, acknowledged_on=D(2026, 1, 9))
    assert c.due_by == D(2026, 1, 8)
    step(c, "assess", a.manager, assessed_on=D(2026, 1, 20))
    step(c, "investigate", a.manager, investigated_on=D(2026, 1, 21))
    assert c.due_by == D(2026, 1, 26)  # not 15 working days after the investigation
    assert c.is_overdue_on(D(2026, 1, 27)) and not c.is_overdue_on(D(2026, 1, 26))
    assert list(overdue_complaints(a.firm, D(2026, 1, 27))) == [c]
    step(c, "respond", a.manager, responded_on=D(2026, 1, 23))
    assert c.answered_in_time and c.acknowledged_in_time is False
    assert c.due_by == D(2026, 2, 14)


def test_the_demos_case_the_answer_falls_due_15_working_days_after_receipt(a):
    """The issue: a complaint received on 2026-11-23 showed its answer due 2026-12-23."""
    c = receive(a, received_on=D(2026, 11, 23))
    assert c.respond_due_on == D(2026, 12, 14)
    for name in ("acknowledge", "assess", "investigate"):
        step(c, name, a.manager)
    assert c.due_by == D(2026, 12, 14)
    assert c.is_overdue_on(D(2026, 12, 15))


def test_working_days_skip_the_weekend():
    assert FRIDAY.weekday() == 4
    assert add_working_days(FRIDAY, 0) == FRIDAY
    assert add_working_days(FRIDAY, 1) == MONDAY
    assert add_working_days(MONDAY, 5) == MONDAY + datetime.timedelta(days=7)
    assert add_working_days(FRIDAY - datetime.timedelta(days=1), 3) == TUESDAY


def test_overdue_with_working_days(a):
    c = receive(a, received_on=FRIDAY)
    assert c.due_by == MONDAY  # acknowledge within 1 working day: not on Saturday
    assert not c.is_overdue_on(FRIDAY) and not c.is_overdue_on(MONDAY)
    assert c.is_overdue_on(TUESDAY)
    assert c.is_overdue  # FRIDAY is long past
    assert list(overdue_complaints(a.firm, MONDAY)) == []
    assert list(overdue_complaints(a.firm, TUESDAY)) == [c]


def test_time_limits_are_firm_settings(a, b):
    FeedbackSettings.objects.create(firm=a.firm, working_days=False, acknowledge_days=2,
                                    assess_days=5)
    c = receive(a, received_on=FRIDAY)
    assert c.due_by == FRIDAY + datetime.timedelta(days=2)  # calendar days
    assert c.limits_working_days is False
    assert receive(b, received_on=FRIDAY).due_by == MONDAY  # b keeps the defaults
    step(c, "acknowledge", a.manager)
    assert c.due_by == FRIDAY + datetime.timedelta(days=5)  # five days from the receipt


@pytest.mark.parametrize(("fields", "field"), [
    ({"acknowledge_days": 30, "close_days": 1}, "assess_days"),
    ({"assess_days": 12, "investigate_days": 10}, "investigate_days"),
    ({"respond_days": 20, "close_days": 15}, "close_days"),
    ({"respond_days": 0}, "respond_days"),
])
def test_settings_out_of_order_are_refused(a, fields, field):
    with pytest.raises(ValidationError) as exc:
        services.feedback_settings_update(firm=a.firm, by=a.manager, **fields)
    assert field in exc.value.message_dict
    assert not FeedbackSettings.objects.filter(firm=a.firm).exists()
    services.feedback_settings_update(firm=a.firm, by=a.manager, acknowledge_days=2,
                                      assess_days=2, investigate_days=8, respond_days=10,
                                      close_days=10)


# -- the contract's promise ----------------------------------------------------------------


def _contracted(w, **settings):
    from engagements.stages import Stage
    from tests.engagements.helpers import advance_to

    if settings:
        services.feedback_settings_update(firm=w.firm, by=w.manager, **settings)
    engagement = f.EngagementFactory(client=w.client, lead_consultant=w.consultant)
    advance_to(engagement, Stage.DELIVERY)
    return engagement


def test_the_contract_clause_prints_the_firms_numbers_and_the_2025_title(a):
    from contracts import services as contract_services
    from engagements.stages import Stage
    from tests.engagements.helpers import advance_to

    services.feedback_settings_update(firm=a.firm, by=a.manager, acknowledge_days=2,
                                      respond_days=10)
    engagement = f.EngagementFactory(client=a.client, lead_consultant=a.consultant)
    advance_to(engagement, Stage.CONTRACTING)
    contract = contract_services.contract_draft(engagement=engagement, by=a.consultant)
    assert "GB/T 17242-2025《投诉处理规范》" in contract.clause_complaints
    assert "投诉处理指南" not in contract.clause_complaints
    assert "自收到投诉之日起 2 个工作日内确认受理，10 个工作日内书面答复" in contract.clause_complaints
    assert (contract.complaint_acknowledge_days, contract.complaint_respond_days,
            contract.complaint_working_days) == (2, 10, True)
    assert "{complaint" not in contract.clause_complaints
    assert not any("complaint" in p for p in contract_services.issue_problems(contract))


def test_calendar_day_limits_are_printed_as_days(a):
    from contracts import services as contract_services
    from engagements.stages import Stage
    from tests.engagements.helpers import advance_to

    services.feedback_settings_update(firm=a.firm, by=a.manager, working_days=False,
                                      acknowledge_days=3, respond_days=20, close_days=30)
    engagement = f.EngagementFactory(client=a.client, lead_consultant=a.consultant)
    advance_to(engagement, Stage.CONTRACTING)
    contract = contract_services.contract_draft(engagement=engagement, by=a.consultant)
    assert "自收到投诉之日起 3 日内确认受理，20 日内书面答复" in contract.clause_complaints


def test_the_signed_contract_keeps_its_numbers_and_its_complaints_are_held_to_them(a):
    engagement = _contracted(a)  # signed under the defaults: 1 and 15 working days
    contract = engagement.contracts.get()
    assert (contract.status, contract.complaint_acknowledge_days,
            contract.complaint_respond_days) == ("signed", 1, 15)
    # the firm changes its settings afterwards: the signed contract keeps its promise
    services.feedback_settings_update(firm=a.firm, by=a.manager, acknowledge_days=3,
                                      assess_days=5, investigate_days=12, respond_days=20,
                                      close_days=40)
    contract.refresh_from_db()
    assert (contract.complaint_acknowledge_days, contract.complaint_respond_days) == (1, 15)
    held = receive(a, engagement=engagement, received_on=D(2026, 1, 5))
    assert held.limits_contract == contract
    assert (held.acknowledge_limit_days, held.respond_limit_days) == (1, 15)
    assert (held.acknowledge_due_on, held.respond_due_on) == (D(2026, 1, 6), D(2026, 1, 26))
    # intermediate limits inside the answer's; closing no earlier than it
    assert held.assess_due_on == add_working_days(D(2026, 1, 5), 5)
    assert held.investigate_due_on == add_working_days(D(2026, 1, 5), 12)
    assert held.close_due_on == add_working_days(D(2026, 1, 5), 40)
    general = receive(a, received_on=D(2026, 1, 5))  # on no engagement: the new settings
    assert general.limits_contract is None
    assert (general.acknowledge_due_on, general.respond_due_on) == (
        add_working_days(D(2026, 1, 5), 3), add_working_days(D(2026, 1, 5), 20))


def test_intermediate_steps_fall_due_inside_a_shorter_promise(a):
    engagement = _contracted(a, acknowledge_days=2, assess_days=2, investigate_days=5,
                             respond_days=5, close_days=30)
    services.feedback_settings_update(firm=a.firm, by=a.manager, acknowledge_days=2,
                                      assess_days=8, investigate_days=12, respond_days=20,
                                      close_days=30)
    c = receive(a, engagement=engagement, received_on=D(2026, 1, 5))
    assert c.respond_due_on == add_working_days(D(2026, 1, 5), 5)
    assert c.assess_due_on == c.investigate_due_on == c.respond_due_on  # 8, 12 → within 5


@pytest.mark.parametrize(("received", "acknowledge", "answer"), [
    # National Day 2026: the make-up Sunday 20 Sep before it, 1–7 Oct off, the make-up
    # Saturday 10 Oct after it (and the Mid-Autumn holiday 25–27 Sep)
    (D(2026, 9, 19), D(2026, 9, 20), D(2026, 10, 15)),
    (D(2026, 9, 30), D(2026, 10, 8), D(2026, 10, 27)),
    (D(2026, 10, 9), D(2026, 10, 10), D(2026, 10, 29)),
    # Spring Festival 2026: the make-up Saturday 14 Feb before it, 15–23 Feb off, the
    # make-up Saturday 28 Feb after it
    (D(2026, 2, 13), D(2026, 2, 14), D(2026, 3, 12)),
    (D(2026, 2, 14), D(2026, 2, 24), D(2026, 3, 13)),
    (D(2026, 2, 27), D(2026, 2, 28), D(2026, 3, 19)),
])
def test_the_contracts_limits_across_national_day_and_the_spring_festival(
        a, received, acknowledge, answer):
    engagement = _contracted(a)  # promises 1 and 15 working days
    c = receive(a, engagement=engagement, received_on=received)
    assert c.limits_contract is not None
    assert (c.acknowledge_due_on, c.respond_due_on) == (acknowledge, answer)
    assert calendar.working_days_between(received, answer) == 15


def test_a_contract_without_numbers_holds_complaints_to_the_firms_settings(a):
    engagement = _contracted(a)
    contract = engagement.contracts.get()
    from engagements.freezing import frozen_records_unlocked

    with frozen_records_unlocked("test: a contract signed before contracts kept the numbers"):
        type(contract).objects.filter(pk=contract.pk).update(complaint_acknowledge_days=None)
    c = receive(a, engagement=engagement, received_on=D(2026, 1, 5))
    assert c.limits_contract is None and c.respond_due_on == D(2026, 1, 26)


# -- closing waits for the corrective actions ------------------------------------------------


def _answered(w, engagement=None):
    c = receive(w, engagement=engagement)
    return walk(c, w.manager, until="respond")


def test_closing_waits_for_the_actions(a):
    c = _answered(a)
    due = timezone.localdate() + datetime.timedelta(days=10)
    action = services.complaint_action_add(
        complaint=c, by=a.manager, kind="corrective", owner=a.consultant, due_on=due,
        description="修订现场检查作业指导书，增加安全帽佩戴检查项")
    with pytest.raises(ComplaintStepRefused) as exc:
        step(c, "close", a.manager)
    assert "修订现场检查作业指导书" in str(exc.value)
    assert Complaint.objects.get(pk=c.pk).status == Complaint.Status.RESPONDED
    services.complaint_action_done(action=action, by=a.consultant,
                                   done_on=timezone.localdate(),
                                   done_note="作业指导书已修订并组织全员学习")
    step(c, "close", a.manager)
    assert c.status == Complaint.Status.CLOSED and c.no_action_reason == ""


def test_without_actions_a_manager_records_why_none_is_needed(a):
    c = _answered(a)
    with pytest.raises(ComplaintStepRefused):
        services.complaint_close(complaint=c, by=a.consultant,
                                 complainant_acceptance="投诉人电话确认接受处理决定")
    with pytest.raises(ValidationError):  # a consultant does not decide it
        services.complaint_close(complaint=c, by=a.consultant, no_action_reason=NO_ACTION,
                                 complainant_acceptance="投诉人电话确认接受处理决定")
    with pytest.raises(ValidationError):
        services.complaint_no_action(complaint=c, by=a.consultant, reason=NO_ACTION)
    services.complaint_close(complaint=c, by=a.manager, no_action_reason=NO_ACTION,
                             complainant_acceptance="投诉人电话确认接受处理决定")
    assert c.status == Complaint.Status.CLOSED
    assert (c.no_action_reason, c.no_action_by) == (NO_ACTION, a.manager)


def test_an_action_after_the_managers_decision_has_to_be_done(a):
    c = _answered(a)
    services.complaint_no_action(complaint=c, by=a.manager, reason=NO_ACTION)
    services.complaint_action_add(complaint=c, by=a.consultant, owner=a.consultant,
                                  due_on=timezone.localdate(),
                                  description="向项目组通报投诉情况并开展一次沟通培训")
    c.refresh_from_db()
    assert c.no_action_reason == ""
    with pytest.raises(ComplaintStepRefused):
        services.complaint_close(complaint=c, by=a.manager,
                                 complainant_acceptance="投诉人电话确认接受处理决定")
    with pytest.raises(ComplaintStepRefused):  # no longer "none needed"
        services.complaint_no_action(complaint=c, by=a.manager, reason=NO_ACTION)


def test_an_action_is_done_then_verified_by_someone_else(a):
    c = _answered(a)
    today = timezone.localdate()
    action = services.complaint_action_add(complaint=c, by=a.manager, owner=a.consultant,
                                           due_on=today, kind="preventive",
                                           description="每月抽查一次现场人员劳保用品佩戴情况")
    with pytest.raises(ComplaintStepRefused):
        services.complaint_action_verify(action=action, by=a.manager, verified_on=today,
                                         verification="抽查记录完整，未再发现问题")
    with pytest.raises(ValidationError):
        services.complaint_action_done(action=action, by=a.consultant, done_on=today,
                                       done_note="无")
    with pytest.raises(ValidationError):
        services.complaint_action_done(action=action, by=a.consultant,
                                       done_on=c.received_on - datetime.timedelta(days=1),
                                       done_note="已建立月度抽查制度")
    services.complaint_action_done(action=action, by=a.consultant, done_on=today,
                                   done_note="已建立月度抽查制度并完成首次抽查")
    with pytest.raises(ValidationError):  # not by the one responsible for it
        services.complaint_action_verify(action=action, by=a.consultant, verified_on=today,
                                         verification="抽查记录完整，未再发现问题")
    services.complaint_action_verify(action=action, by=a.manager, verified_on=today,
                                     verification="抽查记录完整，连续两个月未再发现问题")
    action.refresh_from_db()
    assert (action.verified_by, action.verified_on) == (a.manager, today)


def test_an_action_that_changes_the_plan_links_the_new_plan_version(a):
    from delivery.models import ConsultingPlan
    from tests.feedback.helpers import handed_over, to_follow_up

    engagement = to_follow_up(handed_over(a), a)
    before = ConsultingPlan.objects.filter(engagement=engagement).count()
    c = _answered(a, engagement)
    action = services.complaint_action_add(
        complaint=c, by=a.consultant, owner=a.consultant, changes_plan=True,
        due_on=timezone.localdate() + datetime.timedelta(days=15),
        description="调整后续回访安排，增加一次现场培训")
    assert action.plan_version is not None
    assert ConsultingPlan.objects.filter(engagement=engagement).count() == before + 1
    assert action.plan_version.after_delivery and c.number in action.plan_version.change_reason
    general = _answered(a)
    with pytest.raises(ValidationError):
        services.complaint_action_add(complaint=general, by=a.manager, owner=a.consultant,
                                      changes_plan=True, due_on=timezone.localdate(),
                                      description="调整咨询方案中的现场检查频次")
    assert not ComplaintAction.objects.filter(complaint=general).exists()


def test_a_closed_complaints_actions_stay_as_they_were(a):
    c = walk(receive(a), a.manager)
    with pytest.raises(ComplaintStepRefused):
        services.complaint_action_add(complaint=c, by=a.manager, owner=a.consultant,
                                      due_on=timezone.localdate(),
                                      description="对项目组开展一次服务规范培训")


# -- firms, people, the register ------------------------------------------------------------


def test_cross_firm_references_are_refused(a, b):
    from tests.feedback.helpers import handed_over

    engagement_b = f.EngagementFactory(client=b.client, lead_consultant=b.consultant)
    with pytest.raises(CrossFirmReference):
        receive(a, engagement=engagement_b)
    with pytest.raises(CrossFirmReference):
        receive(a, contact=b.contact)
    with pytest.raises(CrossFirmReference):
        receive(a, by=b.manager)
    engagement_a = handed_over(a)
    with pytest.raises(ValidationError):  # a contact of another client of the same firm
        receive(a, engagement=engagement_a,
                contact=f.ClientContactFactory(client=f.ClientFactory(firm=a.firm)))
    c = receive(a, engagement=engagement_a, contact=a.contact)
    with pytest.raises(CrossFirmReference):
        step(c, "acknowledge", b.manager)
    with pytest.raises(ValidationError):  # a client contact does not handle complaints
        step(c, "acknowledge", a.contact.user)
    with pytest.raises(CrossFirmReference):
        services.complaint_action_add(complaint=c, by=a.manager, owner=b.consultant,
                                      due_on=timezone.localdate(),
                                      description="对项目组开展一次服务规范培训")
    assert Complaint.objects.count() == 1 and ComplaintStep.objects.count() == 1


def test_a_client_contact_may_file_a_complaint(a):
    c = receive(a, by=a.contact.user, channel="portal", contact=a.contact)
    assert c.received_by == a.contact.user and c.status == Complaint.Status.RECEIVED


def test_managers_and_the_engagements_staff_hear_of_a_new_complaint(a):
    engagement = f.EngagementFactory(client=a.client, lead_consultant=a.consultant)
    with on_commit():
        receive(a, engagement=engagement, safety_related=True)
    assert sorted(m.to[0] for m in mail.outbox) == [a.consultant.email]  # the manager entered it
    assert "[" in mail.outbox[0].subject or "安全" in mail.outbox[0].subject


def test_complaints_are_confidential_to_managers_and_the_engagements_staff(a, b):
    engagement = f.EngagementFactory(client=a.client, lead_consultant=a.consultant)
    on_engagement = receive(a, engagement=engagement)
    general = receive(a)
    receive(b)
    outsider = f.ConsultantFactory(firm=a.firm)
    assert set(complaints_visible_to(a.manager)) == {on_engagement, general}
    assert set(complaints_visible_to(a.consultant)) == {on_engagement}
    assert set(complaints_visible_to(outsider)) == set()
    assert set(complaints_visible_to(a.contact.user)) == set()
    engagement.consultants.add(outsider)
    assert set(complaints_visible_to(outsider)) == {on_engagement}


def test_the_register_puts_safety_related_complaints_first(a):
    ordinary = receive(a, received_on=timezone.localdate() - datetime.timedelta(days=3))
    safety = receive(a, safety_related=True)
    closed = walk(receive(a, safety_related=True), a.manager)
    severe = receive(a)
    step(severe, "acknowledge", a.manager)
    step(severe, "assess", a.manager, severity="critical")
    assert list(complaint_register(user=a.manager)) == [safety, severe, ordinary, closed]
    assert closed not in complaint_register(user=a.manager, open_only=True)


def test_a_client_contact_complains_about_their_own_company_only(a):
    other_client = f.ClientFactory(firm=a.firm)
    other_engagement = f.EngagementFactory(client=other_client, lead_consultant=a.consultant)
    with pytest.raises(ValidationError):
        receive(a, by=a.contact.user, channel="portal", engagement=other_engagement)
    with pytest.raises(ValidationError):
        receive(a, by=a.contact.user, channel="portal",
                contact=f.ClientContactFactory(client=a.client))
    c = receive(a, by=a.contact.user, channel="portal")
    assert c.contact == a.contact


def test_a_complaint_that_says_nothing_is_not_entered(a):
    with pytest.raises(ValidationError):
        receive(a, description="无")
    assert not Complaint.objects.exists()
