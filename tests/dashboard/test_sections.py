"""The manager's home pages its lists that grow with the firm (issue 19): overdue visits
(9.2), complaint steps past their limit (9.4), progress reports (8.4) and certificates
(8.1.1, 8.2.2). Each shows one page, counts them all, links to the next page, and costs the
same queries whatever the number of rows."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from dashboard import selectors
from engagements.models import Engagement
from engagements.stages import Stage
from feedback import services as feedback_services
from tests import factories as f
from tests.conftest import login
from tests.feedback.helpers import end_guidance_period, handed_over, to_follow_up
from tests.scoping import scopes_disabled

pytestmark = pytest.mark.django_db

URL = reverse("dashboard:index")
PAGE = 2  # rows per page in these tests


@pytest.fixture(autouse=True)
def small_pages(monkeypatch):
    monkeypatch.setattr(selectors, "SECTION_ROWS", PAGE)


def _grow(w, n):
    """``n`` more rows in each of the complaint, progress and certificate sections."""
    today = timezone.localdate()
    with scopes_disabled():
        for i in range(n):
            e = f.EngagementFactory(client=w.client, lead_consultant=w.consultant)
            Engagement.objects.filter(pk=e.pk).update(
                stage=Stage.DELIVERY, stage_entered_at=timezone.now() - datetime.timedelta(
                    days=40 + i))
            feedback_services.complaint_receive(
                firm=w.firm, by=w.manager, received_on=today - datetime.timedelta(days=10 + i),
                channel="phone", complainant_name="张工", description="报告迟交", engagement=e)
            f.QualificationFactory(holder=w.consultant,
                                   valid_until=today + datetime.timedelta(days=10 + i))


def _get(client, query=""):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(URL + query)
    assert response.status_code == 200
    return response, len(ctx)


@pytest.mark.parametrize("name,key", [("complaints", "overdue_complaints"),
                                      ("progress", "overdue_progress"),
                                      ("qualifications", None)])
def test_a_section_shows_one_page_and_links_to_the_next(client, a, b, name, key):
    _grow(a, 3)
    _grow(b, 4)  # another firm's rows are neither shown nor counted
    login(client, a.manager)
    response, _n = _get(client)
    section = response.context["sections"][name]
    rows = response.context[key] if key else (response.context["expired"]
                                              + response.context["expiring"])
    assert len(rows) == PAGE and section.total == 3 and section.pages == 2
    html = response.content.decode()
    assert f'href="?{name}=2#{name}-section"' in html
    second, _n = _get(client, f"?{name}=2")
    more = second.context[key] if key else (second.context["expired"]
                                            + second.context["expiring"])
    assert len(more) == 1 and second.context["sections"][name].page == 2
    first_ids = {getattr(r, "engagement", r).pk for r in rows}
    assert getattr(more[0], "engagement", more[0]).pk not in first_ids
    assert f'href="?{name}=1#{name}-section"' in second.content.decode()
    # a page past the end, or not a number, shows the first
    for query in (f"?{name}=9", f"?{name}=x"):
        assert _get(client, query)[0].context["sections"][name].page == 1


def test_the_summary_counts_every_overdue_item_not_one_page(client, a):
    _grow(a, 3)
    login(client, a.manager)
    response, _n = _get(client)
    # 3 complaint steps and 3 silent engagements, two of each on the page
    assert response.context["overdue_total"] == 6
    assert 'id="overdue-count">6<' in response.content.decode().replace(" ", "")


def test_overdue_visits_are_paged(client, a):
    with scopes_disabled():
        engagements = [to_follow_up(handed_over(a), a) for _ in range(3)]
        for e in engagements:
            end_guidance_period(e)  # every visit is due by the end of the guidance period
    login(client, a.manager)
    response, _n = _get(client)
    section = response.context["sections"]["visits"]
    assert section.total == 3 and len(response.context["overdue_visits"]) == PAGE
    assert 'href="?visits=2#visits-section"' in response.content.decode()
    second, _n = _get(client, "?visits=2")
    shown = {v.engagement.pk for v in response.context["overdue_visits"]}
    assert {v.engagement.pk for v in second.context["overdue_visits"]} == (
        {e.pk for e in engagements} - shown)


def test_the_pages_cost_the_same_queries_with_more_rows(client, a):
    login(client, a.manager)
    _grow(a, 3)
    _get(client)  # warm the caches (content types, sessions)
    small = [_get(client, q)[1] for q in ("", "?complaints=2&progress=2&qualifications=2")]
    _grow(a, 20)
    large = [_get(client, q)[1] for q in ("", "?complaints=2&progress=2&qualifications=2")]
    assert small == large
