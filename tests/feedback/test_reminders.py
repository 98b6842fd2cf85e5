"""The daily reminders: what is reminded, to whom, and never twice."""

import datetime

import pytest
from django.core import mail
from django.utils import timezone

from consultancy.workdays.calendar import add_working_days
from feedback import services
from feedback.models import Reminder, SurveyInvitation
from feedback.tasks import send_all_daily_reminders, send_daily_reminders
from tests import factories as f
from tests.feedback.helpers import (
    end_guidance_period,
    handed_over,
    on_commit,
    send_survey,
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
def busy_firm(a):
    """Firm a with one of each thing to remind of."""
    today = timezone.localdate()
    engagement = to_follow_up(handed_over(a), a)
    # handed over 40 days ago: the first of two visits over 90 days is due on day 45
    end_guidance_period(engagement, days_ago=40)
    # a guidance period ending in 5 days on another engagement
    ending = handed_over(a)
    end_guidance_period(ending, days_ago=85)
    # an overdue complaint
    complaint = services.complaint_receive(
        firm=a.firm, by=a.manager, received_on=today - datetime.timedelta(days=10),
        channel="email", complainant_name="李工", description="报告错别字多", engagement=engagement)
    # a survey unanswered for 8 days
    send_survey(engagement, a)
    SurveyInvitation.objects.update(mailed_at=timezone.now() - datetime.timedelta(days=8))
    # a certificate expiring in 30 days (and one renewed already: no reminder)
    expiring = f.QualificationFactory(holder=a.consultant, kind="other",
                                      valid_until=today + datetime.timedelta(days=30))
    renewed = f.QualificationFactory(holder=a.manager, kind="other",
                                     valid_until=today + datetime.timedelta(days=20))
    f.QualificationFactory(holder=a.manager, kind="other",
                           valid_until=today + datetime.timedelta(days=400))
    mail.outbox.clear()
    return {"engagement": engagement, "ending": ending, "complaint": complaint,
            "expiring": expiring, "renewed": renewed}


def test_each_kind_is_reminded_to_the_right_people(a, b, busy_firm):
    e, ending, c = busy_firm["engagement"], busy_firm["ending"], busy_firm["complaint"]
    created = send_daily_reminders(a.firm.pk)
    rows = {(r.user, r.kind, r.key) for r in Reminder.objects.all()}
    q = busy_firm["expiring"]
    assert rows == {
        (a.consultant, "visit_due", f"visit:{e.pk}:1"),
        (a.consultant, "visit_due", f"visit:{ending.pk}:1"),  # overdue since day 45
        (a.consultant, "guidance_ending", f"guidance:{ending.pk}:"
         f"{(timezone.localdate() + datetime.timedelta(days=5)).isoformat()}"),
        (a.manager, "complaint_overdue", f"complaint:{c.pk}:received"),
        (a.consultant, "complaint_overdue", f"complaint:{c.pk}:received"),
        (a.consultant, "survey_unanswered", f"survey:{SurveyInvitation.objects.get().pk}"),
        (a.consultant, "qualification_expiring", f"qualification:{q.pk}:{q.valid_until}"),
        (a.manager, "qualification_expiring", f"qualification:{q.pk}:{q.valid_until}"),
    }
    assert created == 8
    assert all(r.firm_id == a.firm.pk and r.emailed_at for r in Reminder.objects.all())
    # one e-mail per reminder, plus the contact's survey reminder with a new link
    assert len(mail.outbox) == 9
    assert sum(1 for m in mail.outbox if m.to == [a.contact.email]) == 1
    assert SurveyInvitation.objects.get().reminder_sent_at is not None
    assert not Reminder.objects.filter(firm=b.firm).exists()


def test_reminders_are_idempotent(a, busy_firm):
    send_daily_reminders(a.firm.pk)
    rows, sent = Reminder.objects.count(), len(mail.outbox)
    assert send_daily_reminders(a.firm.pk) == 0
    assert send_daily_reminders(a.firm.pk) == 0
    assert Reminder.objects.count() == rows and len(mail.outbox) == sent


def test_a_reminder_not_yet_mailed_is_mailed_on_the_next_run(a, busy_firm):
    from consultancy.notifications.models import Delivery

    send_daily_reminders(a.firm.pk)
    # The mail of one reminder did not go out (its delivery failed): the next run sends it.
    reminder = Reminder.objects.get(kind="guidance_ending")
    Reminder.objects.filter(pk=reminder.pk).update(emailed_at=None)
    Delivery.objects.filter(key=f"reminder:{reminder.pk}").update(state="failed")
    mail.outbox.clear()
    assert send_daily_reminders(a.firm.pk) == 0
    assert [m.to for m in mail.outbox] == [[a.consultant.email]]


def test_a_reminder_mailed_before_a_crash_is_not_mailed_again(a, busy_firm):
    """The worker died after the mail went out and before the reminder was marked: the
    delivery's record says it was sent, so the next run does not send it twice."""
    send_daily_reminders(a.firm.pk)
    Reminder.objects.filter(kind="guidance_ending").update(emailed_at=None)
    mail.outbox.clear()
    assert send_daily_reminders(a.firm.pk) == 0
    assert mail.outbox == []


def test_a_complaint_overdue_again_in_its_next_step_is_reminded_again(a, busy_firm):
    send_daily_reminders(a.firm.pk)
    c = busy_firm["complaint"]
    step(c, "acknowledge", a.manager)
    # every limit counts from the receipt (10 days ago): the assessment, due 3 working
    # days after it, is overdue at once
    assert c.due_by == add_working_days(c.received_on, 3) < timezone.localdate()
    assert send_daily_reminders(a.firm.pk) == 2
    assert Reminder.objects.filter(key=f"complaint:{c.pk}:acknowledged").count() == 2
    assert send_daily_reminders(a.firm.pk) == 0
    fresh = services.complaint_receive(
        firm=a.firm, by=a.manager, received_on=timezone.localdate(), channel="email",
        complainant_name="赵工", description="报告中的设备编号有误", engagement=c.engagement)
    step(fresh, "acknowledge", a.manager)
    assert send_daily_reminders(a.firm.pk) == 0  # its assessment is not due yet


def test_the_fan_out_runs_each_firm_in_its_own_scope(a, b, busy_firm):
    with on_commit():  # one outbox job per firm, sent as each commits
        assert send_all_daily_reminders.delay().get() >= 2
    assert Reminder.objects.filter(firm=a.firm).count() == 8
    assert not Reminder.objects.filter(firm=b.firm).exists()
    with on_commit():
        assert send_all_daily_reminders.delay().get() >= 2
    assert Reminder.objects.count() == 8


def test_a_user_marks_their_own_reminders_read(a, busy_firm):
    from consultancy.tenancy.scoping import CrossFirmReference
    from feedback.selectors import reminders_for

    send_daily_reminders(a.firm.pk)
    mine = reminders_for(a.manager)
    assert mine.count() == 2
    reminder = mine.first()
    with pytest.raises(CrossFirmReference):
        services.reminder_mark_read(reminder=reminder, by=a.consultant)
    services.reminder_mark_read(reminder=reminder, by=a.manager)
    assert reminders_for(a.manager).count() == 1
    assert reminders_for(a.manager, unread_only=False).count() == 2
