"""The gates (a major hidden danger open holds the hand-over, 8.4, and the closing, 9.1),
the statistics against the rows, and the daily reminders."""

import datetime

import pytest
from django.core import mail
from django.utils import timezone

from consultancy.tenancy.scoping import firm_scope
from engagements import gates
from hazards import selectors
from hazards.requirements import CLOSING, HANDOVER
from hazards.tasks import send_hazard_reminders
from tests.hazards.helpers import record, take, to_state

pytestmark = pytest.mark.django_db


def _met(engagement, code, stage):
    with firm_scope(engagement.firm_id):
        rows = {r.code: r for r in gates.statuses(engagement, stage)}
    assert rows[code].clause in ("8.4", "9.1")
    return rows[code].met


def test_handover_and_closing_are_held_by_an_open_major_one(a, eng):
    e = eng[a.firm.pk]
    assert _met(e, HANDOVER, "delivery") and _met(e, CLOSING, "follow_up")
    record(e, a.consultant)  # a general one holds nothing
    assert _met(e, HANDOVER, "delivery")
    major = record(e, a.consultant, major=True)
    assert not _met(e, HANDOVER, "delivery") and not _met(e, CLOSING, "follow_up")
    to_state(major, "submitted", staff=a.consultant, contact=a.contact)
    assert not _met(e, HANDOVER, "delivery")  # submitted is not verified
    to_state(major, "closed", staff=a.consultant, contact=a.contact)
    assert _met(e, HANDOVER, "delivery") and _met(e, CLOSING, "follow_up")


def test_a_refusal_settles_a_major_one_once_recorded_with_the_written_notice(a, eng):
    e = eng[a.firm.pk]
    major = record(e, a.consultant, major=True)
    take(major, "record_refusal", a.consultant, reason="资金不足", advice="立即停用",
         informed_in_writing_on=timezone.localdate())
    assert _met(e, HANDOVER, "delivery") and _met(e, CLOSING, "follow_up")


def test_the_gate_counts_for_each_engagement_apart(a, b, eng):
    record(eng[a.firm.pk], a.consultant, major=True)
    assert not _met(eng[a.firm.pk], HANDOVER, "delivery")
    assert _met(eng[b.firm.pk], HANDOVER, "delivery")


def test_statistics_against_the_rows(a, eng):
    e = eng[a.firm.pk]
    record(e, a.consultant)  # found
    to_state(record(e, a.consultant, category="basic", subtype="training"), "closed",
             staff=a.consultant, contact=a.contact)
    to_state(record(e, a.consultant, major=True), "closed", staff=a.consultant,
             contact=a.contact)
    record(e, a.consultant, major=True)  # notified, open
    late = record(e, a.consultant, found_on=timezone.localdate() - datetime.timedelta(days=5),
                  deadline_days=-1)
    take(late, "notify", a.consultant)  # overdue
    with firm_scope(a.firm):
        s = selectors.engagement_statistics(e, by_consultant=False)  # the ledger PDF's figures
    assert s["total"] == {"found": 5, "closed": 2, "open": 3, "refused": 0, "overdue": 1,
                          "major": 2}
    assert s["rate"] == 40.0 and s["major_open"] == 1
    grades = {r["value"]: r for r in s["by_grade"]}
    assert (grades["major"]["found"], grades["major"]["closed"]) == (2, 1)
    cats = {r["value"]: r for r in s["by_category"]}
    assert (cats["basic"]["found"], cats["site"]["found"]) == (1, 4)


def test_reminders_for_an_unacknowledged_major_one_and_an_overdue_one_once_a_day(a, eng):
    e = eng[a.firm.pk]
    major = record(e, a.consultant, major=True)
    late = record(e, a.consultant, found_on=timezone.localdate() - datetime.timedelta(days=5),
                  deadline_days=-1)
    take(late, "notify", a.consultant)
    record(e, a.consultant)  # found, not yet notified: no reminder
    mail.outbox.clear()
    assert send_hazard_reminders(a.firm.pk) == 2
    subjects = [m.subject for m in mail.outbox]
    lead = [m for m in mail.outbox if m.to == [a.consultant.email]]
    assert len(lead) == 2
    assert any(major.number in s for s in subjects)
    to_client = [m for m in mail.outbox if m.to == [a.contact.email]]
    assert len(to_client) == 1 and late.number in to_client[0].subject  # only the overdue
    count = len(mail.outbox)
    send_hazard_reminders(a.firm.pk)  # the same day again: nothing twice
    assert len(mail.outbox) == count
    # acknowledged: the major one is no longer reminded
    from tests.hazards.helpers import fingerprint

    take(major, "acknowledge", a.contact.user, contact=a.contact,
         fingerprint=fingerprint(major))
    tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    assert send_hazard_reminders(a.firm.pk, tomorrow) == 1


def test_the_client_hears_of_a_notified_one(a, eng):
    from tests.feedback.helpers import on_commit

    mail.outbox.clear()
    with on_commit():
        d = record(eng[a.firm.pk], a.consultant, major=True)
    to_client = [m for m in mail.outbox if m.to == [a.contact.email]]
    assert len(to_client) == 1 and d.number in to_client[0].subject
