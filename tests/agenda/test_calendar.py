"""The calendar: follow-up visits, guidance-period ends, complaint deadlines, plan
milestones and contract dates of the user's engagements (a manager's firm too), month and
week; and the private iCalendar feed (parses, the user's items of their firm only, a
revoked or unknown link is 404)."""

import datetime
import re

import icalendar
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from consultancy.agenda import selectors
from consultancy.agenda.models import CalendarFeed
from engagements.stages import Stage
from feedback import services as feedback_services
from feedback.selectors import follow_up_summary
from tests import factories as f
from tests.conftest import login
from tests.delivery.helpers import meet_delivery
from tests.engagements.helpers import advance_to
from tests.feedback.helpers import handed_over, to_follow_up
from tests.scoping import scopes_disabled

URL = reverse("agenda:calendar")


def _following(w, title):
    """An engagement of world ``w`` in follow-up, with an open complaint."""
    with scopes_disabled():
        e = handed_over(w, title=title)
        to_follow_up(e, w)
        complaint = feedback_services.complaint_receive(
            firm=w.firm, by=w.manager, received_on=timezone.localdate(), channel="phone",
            complainant_name="张三", description="回访时间没有提前通知", engagement=e)
        summary = follow_up_summary(e)
    return e, complaint, summary


def _delivering(w, title, lead=None):
    with scopes_disabled():
        e = f.EngagementFactory(client=w.client, lead_consultant=lead or w.consultant,
                                title=title)
        advance_to(e, Stage.DELIVERY)
        meet_delivery(e)
    return e


@pytest.fixture
def world(a, b):
    e, complaint, summary = _following(a, "恒信化工回访项目")
    d = _delivering(a, "恒信化工标准化项目")
    other_e, _c, _s = _following(b, "华安仓储对方项目")
    return {"e": e, "complaint": complaint, "summary": summary, "d": d, "other": other_e}


def _kinds(user, start, end, firm_wide=False):
    with scopes_disabled():
        return {(i.kind, i.url) for i in selectors.items(user, start, end, firm_wide=firm_wide)}


def test_every_kind_of_date_is_on_the_calendar(a, world):
    today = timezone.localdate()
    with scopes_disabled():
        found = selectors.items(a.consultant, today - datetime.timedelta(days=5),
                                today + datetime.timedelta(days=800))
    kinds = {i.kind for i in found}
    assert {"visit", "guidance", "complaint", "milestone", "deliverable",
            "contract"} <= kinds, kinds
    summary, e = world["summary"], world["e"]
    assert any(i.kind == "guidance" and i.day == summary.guidance_ends_on
               and e.title in i.title for i in found)
    assert any(i.kind == "complaint" and i.day == world["complaint"].due_on for i in found)
    assert not any(world["other"].title in i.title for i in found)  # never the other firm


def test_month_and_week_pages(client, a, world):
    login(client, a.consultant)
    ends = world["summary"].guidance_ends_on
    resp = client.get(URL, {"date": ends.isoformat()})
    assert resp.status_code == 200
    page = resp.content.decode()
    assert 'id="calendar-month"' in page and 'id="calendar-month-list"' in page
    assert world["e"].title in page
    assert "<script>" not in page and "onclick" not in page  # no inline script (CSP)
    resp = client.get(URL, {"date": ends.isoformat(), "view": "week"})
    page = resp.content.decode()
    assert 'id="calendar-week"' in page and world["e"].title in page
    assert page.count('class="cal-day card') == 7
    # a bad date is today, not an error
    assert client.get(URL, {"date": "2026-13-45"}).status_code == 200


def test_a_manager_sees_the_firm_and_their_own(client, a, world):
    today = timezone.localdate()
    start, end = today - datetime.timedelta(days=5), today + datetime.timedelta(days=800)
    assert not _kinds(a.manager, start, end)  # the manager works on none of them
    assert _kinds(a.manager, start, end, firm_wide=True) >= _kinds(a.consultant, start, end)
    # a consultant asking for the firm gets their own
    assert _kinds(a.consultant, start, end, firm_wide=True) == _kinds(a.consultant, start, end)
    login(client, a.manager)
    page = client.get(URL, {"scope": "firm", "date": world["summary"].guidance_ends_on
                            .isoformat()}).content.decode()
    assert world["e"].title in page


def test_the_other_firm_sees_nothing(client, b, world):
    login(client, b.manager)
    for scope in ("mine", "firm"):
        for day in (world["summary"].guidance_ends_on, world["complaint"].due_on):
            page = client.get(URL, {"scope": scope, "date": day.isoformat()}).content.decode()
            assert world["e"].title not in page and world["d"].title not in page


def test_the_query_count_does_not_grow_with_engagements(client, a, world):
    login(client, a.manager)
    params = {"scope": "firm", "date": world["summary"].guidance_ends_on.isoformat()}
    client.get(URL, params)
    with CaptureQueriesContext(connection) as few:
        client.get(URL, params)
    _following(a, "第二个回访项目")
    _delivering(a, "第二个交付项目")
    with CaptureQueriesContext(connection) as more:
        resp = client.get(URL, params)
    assert resp.status_code == 200
    assert len(more) == len(few) <= 12, [q["sql"] for q in more.captured_queries]


def _make_link(client, user):
    login(client, user)
    resp = client.post(reverse("agenda:feed_link"), {"action": "create"}, follow=True)
    match = re.search(r'value="(https?://[^"]+/calendar/feed/[^"]+\.ics)"', resp.content.decode())
    assert match, "the new link is shown once"
    client.logout()
    return match.group(1).split("://", 1)[1].split("/", 1)[1]


def test_the_feed_parses_and_lists_only_the_users_items(client, a, b, world):
    with scopes_disabled():
        colleague = f.ConsultantFactory(firm=a.firm, email="colleague@a.test")
        f.QualificationFactory(holder=colleague)
    theirs = _delivering(a, "同事负责的项目", lead=colleague)  # same firm, someone else's engagement
    path = "/" + _make_link(client, a.consultant)
    resp = client.get(path)  # no log-in: the link is the key
    assert resp.status_code == 200
    assert resp["Content-Type"].startswith("text/calendar")
    cal = icalendar.Calendar.from_ical(resp.content)
    events = [c for c in cal.walk("VEVENT")]
    assert events
    summaries = " ".join(str(ev["SUMMARY"]) for ev in events)
    assert world["e"].title in summaries and world["d"].title in summaries
    assert theirs.title not in summaries and world["other"].title not in summaries
    assert all(str(ev["URL"]).startswith("http") for ev in events)
    assert len({str(ev["UID"]) for ev in events}) == len(events)
    ends = world["summary"].guidance_ends_on
    assert any(ev.decoded("DTSTART") == ends for ev in events)
    # the other firm's user has a feed of their own, without ours
    other_path = "/" + _make_link(client, b.consultant)
    other = " ".join(str(ev["SUMMARY"]) for ev in icalendar.Calendar.from_ical(
        client.get(other_path).content).walk("VEVENT"))
    assert world["other"].title in other and world["e"].title not in other


def test_a_revoked_or_unknown_link_is_404(client, a, world):
    path = "/" + _make_link(client, a.consultant)
    assert client.get(path).status_code == 200
    login(client, a.consultant)
    client.post(reverse("agenda:feed_link"), {"action": "revoke"})
    client.logout()
    assert client.get(path).status_code == 404
    assert client.get(reverse("agenda:feed", args=["x" * 43])).status_code == 404
    assert client.get(reverse("agenda:feed", args=["short"])).status_code == 404
    # a new link replaces the old one; the old one stays dead
    new_path = "/" + _make_link(client, a.consultant)
    assert client.get(new_path).status_code == 200 and client.get(path).status_code == 404
    with scopes_disabled():
        assert CalendarFeed.objects.filter(user=a.consultant, revoked_at__isnull=True).count() == 1


def test_a_departed_users_link_is_404(client, a, world):
    path = "/" + _make_link(client, a.consultant)
    with scopes_disabled():
        a.consultant.is_active = False
        a.consultant.save(update_fields=["is_active"])
    assert client.get(path).status_code == 404


def test_the_calendar_needs_a_staff_login(client, a):
    assert client.get(URL).status_code == 302
    login(client, a.contact.user)
    assert client.get(URL).status_code == 404
