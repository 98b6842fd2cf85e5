"""9.4: the complaint register, its state machine, time limits and confidentiality."""

import datetime

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone
from django_fsm import TransitionNotAllowed
from django_scopes import scopes_disabled

from consultancy.tenancy.scoping import CrossFirmReference
from feedback import services
from feedback.errors import ComplaintStepRefused
from feedback.models import Complaint, ComplaintStep, FeedbackSettings, add_working_days
from feedback.selectors import complaint_register, complaints_visible_to, overdue_complaints
from tests import factories as f
from tests.feedback.helpers import on_commit

pytestmark = pytest.mark.django_db

FRIDAY = datetime.date(2026, 1, 9)
MONDAY, TUESDAY = FRIDAY + datetime.timedelta(days=3), FRIDAY + datetime.timedelta(days=4)


@pytest.fixture(autouse=True)
def _unscoped():
    with scopes_disabled():
        yield


def receive(w, engagement=None, received_on=None, **kw):
    data = {"firm": w.firm, "by": w.manager, "received_on": received_on or timezone.localdate(),
            "channel": "phone", "complainant_name": "王经理", "complainant_contact": "13800000000",
            "description": "咨询人员未按约定时间到场", "remedy_sought": "书面说明并调整人员",
            "engagement": engagement, **kw}
    return services.complaint_receive(**data)


def walk(c, by):
    """Every step to closed, each by ``by``."""
    services.complaint_acknowledge(complaint=c, by=by, note="电话告知已受理")
    services.complaint_assess(complaint=c, by=by, severity="medium", assessment="服务质量问题")
    services.complaint_investigate(complaint=c, by=by, findings="项目组排期冲突")
    services.complaint_respond(complaint=c, by=by, decision="更换现场顾问并书面致歉")
    services.complaint_close(complaint=c, by=by, complainant_acceptance="客户书面确认接受")
    return c


def test_numbers_are_unique_per_firm_and_year(a, b):
    year = timezone.localdate().year
    first, second = receive(a), receive(a)
    assert (first.number, second.number) == (f"TS-{year}-001", f"TS-{year}-002")
    assert receive(b).number == f"TS-{year}-001"
    assert receive(a, received_on=datetime.date(year - 1, 12, 30)).number == f"TS-{year - 1}-001"


def test_every_step_is_recorded_with_who_and_when(a):
    c = receive(a)
    assert c.status == Complaint.Status.RECEIVED
    walk(c, a.consultant)
    assert c.status == Complaint.Status.CLOSED and c.closed_on == timezone.localdate()
    assert (c.severity, c.findings, c.decision) == ("medium", "项目组排期冲突", "更换现场顾问并书面致歉")
    assert c.complainant_acceptance == "客户书面确认接受" and c.due_by is None
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
    assert all(s.at is not None and s.firm_id == a.firm.pk for s in steps)
    assert steps[1].note == "电话告知已受理"
    assert [s.at for s in steps] == sorted(s.at for s in steps)


@pytest.mark.parametrize("step,kwargs", [
    ("assess", {"severity": "high"}),
    ("investigate", {"findings": "x"}),
    ("respond", {"decision": "x"}),
    ("close", {"complainant_acceptance": "x"}),
    ("escalate", {"escalated_to": "仲裁委员会", "reason": "x"}),
])
def test_a_skipped_step_is_refused_and_nothing_is_written(a, step, kwargs):
    c = receive(a)
    with pytest.raises(ComplaintStepRefused) as exc:
        getattr(services, f"complaint_{step}")(complaint=c, by=a.manager, **kwargs)
    assert isinstance(exc.value, TransitionNotAllowed)
    assert str(services.STEP_LABELS["acknowledge"]) in str(exc.value)  # names the step due
    c.refresh_from_db()
    assert c.status == Complaint.Status.RECEIVED
    assert ComplaintStep.objects.filter(complaint=c).count() == 1


def test_a_repeated_or_late_step_is_refused(a):
    c = walk(receive(a), a.manager)
    for call in (lambda: services.complaint_acknowledge(complaint=c, by=a.manager),
                 lambda: services.complaint_escalate(complaint=c, by=a.manager,
                                                     escalated_to="法院", reason="x"),
                 lambda: services.complaint_close(complaint=c, by=a.manager,
                                                  complainant_acceptance="x")):
        with pytest.raises(ComplaintStepRefused):
            call()
    assert ComplaintStep.objects.filter(complaint=c).count() == 6


def test_steps_need_their_content(a):
    c = receive(a)
    services.complaint_acknowledge(complaint=c, by=a.manager)
    with pytest.raises(ComplaintStepRefused):
        services.complaint_assess(complaint=c, by=a.manager, severity="")
    services.complaint_assess(complaint=c, by=a.manager, severity="high", safety_related=True)
    assert c.safety_related
    with pytest.raises(ComplaintStepRefused):
        services.complaint_investigate(complaint=c, by=a.manager, findings="  ")
    c.refresh_from_db()
    assert c.status == Complaint.Status.ASSESSED


def test_escalation_from_each_open_step_then_closing_with_the_outcome(a):
    for steps in range(1, 5):
        c = receive(a)
        calls = [
            lambda c=c: services.complaint_acknowledge(complaint=c, by=a.manager),
            lambda c=c: services.complaint_assess(complaint=c, by=a.manager, severity="high"),
            lambda c=c: services.complaint_investigate(complaint=c, by=a.manager, findings="x"),
            lambda c=c: services.complaint_respond(complaint=c, by=a.manager, decision="x"),
        ]
        for call in calls[:steps]:
            call()
        services.complaint_escalate(complaint=c, by=a.manager, escalated_to="苏州仲裁委员会",
                                    reason="客户不接受处理决定")
        assert c.status == Complaint.Status.ESCALATED and c.is_open
        assert c.due_by is None and not c.is_overdue  # in the hands of an outside body
        services.complaint_close(complaint=c, by=a.manager, complainant_acceptance="仲裁结案")
        assert c.status == Complaint.Status.CLOSED


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
    assert receive(b, received_on=FRIDAY).due_by == MONDAY  # b keeps the defaults
    services.complaint_acknowledge(complaint=c, by=a.manager)
    assert c.due_by == timezone.localdate() + datetime.timedelta(days=5)
    assert not c.is_overdue


def test_each_step_sets_the_due_date_of_the_next_from_the_defaults(a):
    c = receive(a)
    for call, limit in [
        (lambda: services.complaint_acknowledge(complaint=c, by=a.manager), 3),
        (lambda: services.complaint_assess(complaint=c, by=a.manager, severity="low"), 10),
        (lambda: services.complaint_investigate(complaint=c, by=a.manager, findings="x"), 15),
        (lambda: services.complaint_respond(complaint=c, by=a.manager, decision="x"), 30),
    ]:
        call()
        assert c.due_by == add_working_days(timezone.localdate(), limit)


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
        services.complaint_acknowledge(complaint=c, by=b.manager)
    with pytest.raises(ValidationError):  # a client contact does not handle complaints
        services.complaint_acknowledge(complaint=c, by=a.contact.user)
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
    services.complaint_acknowledge(complaint=severe, by=a.manager)
    services.complaint_assess(complaint=severe, by=a.manager, severity="critical")
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
