"""The figures of hidden dangers against rows built here: found / rectified / overdue by
grade and category, the rectification rate, the median days to rectify, per period found
(month, quarter, one period) and per consultant who found them; a fixed number of
queries; shown on the engagement page, the ledger, the client's portal home and the
manager's dashboard, each seeing only its own."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from consultancy.tenancy.scoping import firm_scope
from hazards import selectors
from hazards.models import HiddenDanger
from tests.conftest import login
from tests.hazards.helpers import fingerprint, photo, record, take
from tests.scoping import scopes_disabled

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)


def close(d, staff, contact, rectified_on):
    take(d, "notify", staff)
    take(d, "acknowledge", contact.user, contact=contact, fingerprint=fingerprint(d))
    take(d, "submit", contact.user, contact=contact, fingerprint=fingerprint(d),
         measures="已整改", rectified_on=rectified_on, photos=[photo()])
    take(d, "verify", staff, passed=True, note="合格")


def month_key(day):
    return f"{day.year}-{day.month:02d}"


def quarter_key(day):
    return f"{day.year}-Q{(day.month + 2) // 3}"


@pytest.fixture
def rows(a, eng):
    """Six hidden dangers: three found on the first of last month, three today, by the
    consultant and by the manager."""
    e = eng[a.firm.pk]
    today = timezone.localdate()
    first = today.replace(day=1) - DAY
    first = first.replace(day=1)  # the first of last month
    c, m = a.consultant, a.manager
    d1 = record(e, c, found_on=first, deadline=first + 20 * DAY)
    close(d1, c, a.contact, first + 4 * DAY)  # 4 days
    d2 = record(e, m, major=True, found_on=first, deadline=first + 20 * DAY)
    take(d2, "acknowledge", a.contact.user, contact=a.contact, fingerprint=fingerprint(d2))
    take(d2, "submit", a.contact.user, contact=a.contact, fingerprint=fingerprint(d2),
         measures="已整改", rectified_on=first + 10 * DAY, photos=[photo()])
    take(d2, "verify", m, passed=True, note="合格")  # 10 days
    d3 = record(e, c, found_on=first, deadline=first + DAY, category="basic",
                subtype="training")
    take(d3, "notify", c)  # overdue
    d4 = record(e, c)
    close(d4, c, a.contact, today)  # 0 days
    record(e, m)  # found, not yet notified
    d6 = record(e, c, major=True)
    take(d6, "record_refusal", c, reason="停产检修前无法整改", advice="停用该储罐",
         informed_in_writing_on=today)
    return {"e": e, "first": first, "today": today}


def test_the_figures_against_the_rows(a, rows):
    first, today = rows["first"], rows["today"]
    with firm_scope(a.firm), CaptureQueriesContext(connection) as queries:
        s = selectors.engagement_statistics(rows["e"])
    assert len(queries) == 3  # the grouped counts, the days to rectify, the names
    assert s["total"] == {"found": 6, "closed": 3, "open": 2, "refused": 1, "overdue": 1,
                          "major": 2}
    assert s["rate"] == 50.0 and s["median_days"] == 4  # of 4, 10 and 0 days
    grades = {r["value"]: r for r in s["by_grade"]}
    assert (grades["major"]["found"], grades["major"]["closed"], grades["major"]["refused"]) \
        == (2, 1, 1)
    cats = {r["value"]: r for r in s["by_category"]}
    assert (cats["basic"]["found"], cats["basic"]["overdue"], cats["site"]["found"]) == (1, 1, 5)
    periods = {p["key"]: p for p in s["periods"]}
    assert list(periods) == [month_key(today), month_key(first)]  # newest first
    last = periods[month_key(first)]
    assert (last["found"], last["closed"], last["overdue"], last["major"]) == (3, 2, 1, 1)
    assert last["rate"] == 66.7 and last["median_days"] == 7  # of 4 and 10
    this = periods[month_key(today)]
    assert (this["found"], this["closed"], this["rate"], this["median_days"]) == (3, 1, 33.3, 0)
    people = {p["user_id"]: p for p in s["consultants"]}
    mine, boss = people[a.consultant.pk], people[a.manager.pk]
    assert (mine["found"], mine["closed"], mine["major"], mine["median_days"]) == (4, 2, 1, 2)
    assert (boss["found"], boss["closed"], boss["median_days"], boss["rate"]) == (2, 1, 10, 50.0)
    assert s["consultants"][0]["user"] == a.consultant  # the one who found most first


def test_by_quarter_and_one_period(a, rows):
    first, today = rows["first"], rows["today"]
    with firm_scope(a.firm):
        by_quarter = selectors.engagement_statistics(rows["e"], granularity="quarter")
        expected = {}
        for day, n in ((first, 3), (today, 3)):
            expected[quarter_key(day)] = expected.get(quarter_key(day), 0) + n
        assert {p["key"]: p["found"] for p in by_quarter["periods"]} == expected
        one = selectors.engagement_statistics(rows["e"], period=month_key(first))
        assert one["period"] == month_key(first)
        assert one["total"]["found"] == 3 and one["median_days"] == 7
        assert [p["key"] for p in one["periods"]] == [month_key(first)]
        quarter = selectors.engagement_statistics(rows["e"], period=quarter_key(today))
        assert quarter["total"]["found"] == expected[quarter_key(today)]
        # what is not a period is ignored, not a 500
        for junk in ("2026-13", "2026-Q5", "x", "-"):
            assert selectors.engagement_statistics(rows["e"], period=junk)["total"]["found"] == 6


def test_the_queries_do_not_grow_with_the_rows(a, eng):
    e = eng[a.firm.pk]
    for _i in range(3):
        record(e, a.consultant, photos=0)
    with firm_scope(a.firm), CaptureQueriesContext(connection) as few:
        selectors.engagement_statistics(e)
    for _i in range(6):
        record(e, a.manager, photos=0)
    with firm_scope(a.firm), CaptureQueriesContext(connection) as more:
        s = selectors.engagement_statistics(e)
    assert s["total"]["found"] == 9 and len(few) == len(more)


def test_the_client_sees_only_what_was_notified_to_it(a, rows):
    with firm_scope(a.firm):
        s = selectors.client_statistics([rows["e"].pk])
    assert s["total"]["found"] == 5 and s["consultants"] == []  # not the one only found


def test_the_pages_show_the_figures_each_its_own(client, a, b, rows, eng):
    record(eng[b.firm.pk], b.consultant)
    e = rows["e"]
    login(client, a.manager)
    # the dashboard loads its figures by htmx (a request of their own), the period passed on
    board = client.get(reverse("dashboard:index"), {"hazard_by": "quarter"})
    assert board.status_code == 200
    figures_url = reverse("hazards:firm_figures") + "?hazard_by=quarter"
    assert f'hx-get="{figures_url}"' in board.content.decode()
    figures = client.get(reverse("hazards:firm_figures"), headers={"HX-Request": "true"})
    assert figures.context["hazard_stats"]["total"]["found"] == 6
    html = figures.content.decode()
    assert 'id="hazard-by-period"' in html and 'id="hazard-by-consultant"' in html
    assert "<html" not in html  # the card alone, swapped into the dashboard
    quarter = client.get(reverse("hazards:firm_figures"), {"hazard_by": "quarter"})
    assert quarter.context["hazard_stats"]["granularity"] == "quarter"
    assert "<html" in quarter.content.decode()  # without JavaScript, a page
    page = client.get(e.get_absolute_url())
    assert page.status_code == 200 and 'id="hazard-statistics"' in page.content.decode()
    ledger = client.get(reverse("hazards:ledger", args=[e.pk]),
                        {"hazard_period": month_key(rows["first"])})
    assert ledger.context["stats"]["total"]["found"] == 3
    login(client, b.manager)
    assert client.get(reverse("hazards:firm_figures")).context["hazard_stats"]["total"]["found"] == 1
    login(client, a.consultant)  # the firm's figures are the managers'
    assert client.get(reverse("hazards:firm_figures")).status_code == 404
    login(client, a.contact.user)
    home = client.get(reverse("portal:home"))
    assert home.context["hazard_stats"]["total"]["found"] == 5
    assert 'id="portal-hazards"' in home.content.decode()
    assert 'id="hazard-by-consultant"' not in home.content.decode()
    login(client, b.contact.user)
    assert client.get(reverse("portal:home")).context["hazard_stats"]["total"]["found"] == 0
    with scopes_disabled():
        assert HiddenDanger.objects.filter(engagement=e).count() == 6
