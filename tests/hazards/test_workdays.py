"""The client's acknowledgement of a notified hidden danger is due within statutory
working days (China's calendar, consultancy.workdays): a 重大隐患 by the next working day,
a general one within three; a weekend or public holiday does not count, a make-up working
day does. The reminders follow that day."""

import datetime

import pytest
from django.core import mail
from django.utils import timezone

from consultancy.tenancy.scoping import firm_scope
from hazards import notices
from hazards.models import HiddenDanger, acknowledge_deadline
from hazards.tasks import send_hazard_reminders
from tests.hazards.helpers import fingerprint, record, refresh, take

pytestmark = pytest.mark.django_db

D = datetime.date


@pytest.mark.parametrize(("grade", "notified_on", "due"), [
    ("major", D(2026, 3, 31), D(2026, 4, 1)),   # a Tuesday: the next day
    ("major", D(2026, 4, 3), D(2026, 4, 7)),    # a Friday before 清明 (4–6 April off)
    ("general", D(2026, 4, 3), D(2026, 4, 9)),  # three working days after 清明
    ("major", D(2026, 4, 4), D(2026, 4, 7)),    # notified on the holiday itself
    ("major", D(2026, 5, 8), D(2026, 5, 9)),    # Saturday 9 May is a make-up working day
    ("general", D(2026, 4, 30), D(2026, 5, 8)),  # over 劳动节 (1–5 May): 6, 7, 8 May
    ("general", D(2026, 12, 4), D(2026, 12, 9)),  # a Friday: the weekend does not count
])
def test_the_acknowledgement_day_in_statutory_working_days(china_calendar, grade,
                                                          notified_on, due):
    assert acknowledge_deadline(grade, notified_on) == due


def test_notifying_sets_the_day_counted_from_today(a, eng, china_calendar):
    d = record(eng[a.firm.pk], a.consultant, major=True)
    today = timezone.localdate()
    assert refresh(d).acknowledge_by == acknowledge_deadline("major", today)
    g = record(eng[a.firm.pk], a.consultant)
    assert refresh(g).acknowledge_by is None  # not notified yet
    take(g, "notify", a.consultant)
    assert refresh(g).acknowledge_by == acknowledge_deadline("general", today)
    assert refresh(g).acknowledge_by > today


def _notified_on(d, day):
    """As if ``d`` had been notified on ``day``."""
    with firm_scope(d.firm_id):
        HiddenDanger.objects.filter(pk=d.pk).update(
            acknowledge_by=acknowledge_deadline(d.grade, day))


def test_a_late_acknowledgement_is_reminded_from_the_working_day_after(a, eng,
                                                                       china_calendar):
    e = eng[a.firm.pk]
    g = record(e, a.consultant, found_on=D(2026, 4, 3), deadline=D(2026, 12, 31))
    take(g, "notify", a.consultant)
    _notified_on(g, D(2026, 4, 3))  # a Friday before 清明: due Thursday 9 April
    with firm_scope(a.firm):
        assert [x.pk for x in notices.due_reminders(D(2026, 4, 7))] == []  # after the holiday
        assert [x.pk for x in notices.due_reminders(D(2026, 4, 9))] == []  # its last day
        assert [x.pk for x in notices.due_reminders(D(2026, 4, 10))] == [g.pk]
    mail.outbox.clear()
    assert send_hazard_reminders(a.firm.pk, "2026-04-10") == 1
    lead = [m for m in mail.outbox if m.to == [a.consultant.email]]
    assert len(lead) == 1 and g.number in lead[0].subject
    # in the recipient's language: the late acknowledgement, not the major one's notice
    assert any(t in lead[0].subject for t in ("not acknowledged in time", "未按期确认"))
    assert any(t in lead[0].body for t in ("statutory working days", "法定工作日"))
    # acknowledged: no more reminders of it
    take(g, "acknowledge", a.contact.user, contact=a.contact, fingerprint=fingerprint(g))
    with firm_scope(a.firm):
        assert notices.due_reminders(D(2026, 4, 10)) == []


def test_the_pages_show_the_day(client, a, eng, china_calendar):
    from django.urls import reverse

    from tests.conftest import login

    d = record(eng[a.firm.pk], a.consultant, major=True)
    due = refresh(d).acknowledge_by.isoformat()
    login(client, a.contact.user)
    page = client.get(reverse("portal:hazard", args=[d.engagement_id, d.pk]))
    assert page.status_code == 200 and due in page.content.decode()
