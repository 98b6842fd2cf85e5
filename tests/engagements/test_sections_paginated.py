"""Issue 19: no engagement page grows without bound. Each section of the engagement page and
of the portal's engagement page that lists the engagement's records shows its first
``SECTION_SIZE`` rows and a link to the rest (``?<section>_page=``), and costs the same
queries with 5 records as with 60."""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from delivery.models import ProgressReport
from engagements.pages import SECTION_SIZE
from engagements.stages import Stage
from tests import factories as f
from tests.conftest import login
from tests.engagements.helpers import advance_to
from tests.portal.helpers import in_delivery
from tests.scoping import scopes_disabled

pytestmark = pytest.mark.django_db


def _get(client, url):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode(), len(ctx.captured_queries)


def _communications(e, n, start=0):
    """``n`` communication records (6.2) and site visits (6.1), one a day back from today."""
    today = timezone.localdate()
    with scopes_disabled():
        for i in range(start, start + n):
            day = today - datetime.timedelta(days=i)
            f.CommunicationRecordFactory(engagement=e, held_on=day,
                                         explicit_needs=f"需求第{i}条")
            f.SiteVisitFactory(engagement=e, visited_on=day)


def test_the_engagement_pages_clause_6_sections_show_n_and_a_link_to_the_rest(client, a):
    with scopes_disabled():
        e = advance_to(f.EngagementFactory(client=a.client, lead_consultant=a.consultant),
                       Stage.COMMUNICATION)
    _communications(e, 5)
    login(client, a.manager)
    url = reverse("engagements:detail", args=[e.pk])
    client.get(url)  # the session's first request writes its start
    page, few = _get(client, url)
    assert page.count("需求第") == 5
    assert "communications_page=2" not in page

    _communications(e, 55, start=5)  # 60 of each
    page, many = _get(client, url)
    assert many == few
    assert page.count("需求第") == SECTION_SIZE
    assert "需求第0条" in page and f"需求第{SECTION_SIZE}条" not in page  # newest first
    assert page.count('class="show-more"') == 2  # 6.1 and 6.2
    assert "communications_page=2#communications" in page
    assert "visits_page=2#visits" in page
    assert "显示更多" in page

    # The next page: the next N, a link back and one further, the same queries.
    second, queries = _get(client, url + "?communications_page=2")
    assert queries == few
    assert f"需求第{SECTION_SIZE}条" in second and "需求第0条" not in second
    assert second.count("需求第") == SECTION_SIZE
    assert "communications_page=1#communications" in second
    assert "communications_page=3#communications" in second
    # The last page has no link further; a page past the end or not a number is harmless.
    last, _q = _get(client, url + "?communications_page=6")
    assert last.count("需求第") == SECTION_SIZE and "communications_page=7" not in last
    assert _get(client, url + "?communications_page=99")[0].count("需求第") == 0
    assert _get(client, url + "?communications_page=x")[0].count("需求第") == SECTION_SIZE


def test_the_other_firm_never_reaches_a_page_of_a_section(client, a, b):
    with scopes_disabled():
        e = advance_to(f.EngagementFactory(client=a.client, lead_consultant=a.consultant),
                       Stage.COMMUNICATION)
    _communications(e, 12)
    login(client, b.manager)
    url = reverse("engagements:detail", args=[e.pk])
    assert client.get(url + "?communications_page=2").status_code == 404
    login(client, b.contact.user)
    assert client.get(reverse("portal:engagement_progress", args=[e.pk])
                      + "?progress_page=2").status_code == 404


def _progress(w, e, n, start=0):
    now = timezone.now()
    today = timezone.localdate()
    with scopes_disabled():
        for i in range(start, start + n):
            ProgressReport.objects.create(
                firm=w.firm, engagement=e, created_by=w.consultant,
                period_start=today - datetime.timedelta(days=7 + i),
                period_end=today - datetime.timedelta(days=i), work_done=f"进展第{i}期",
                next_steps="整改", shared_at=now, shared_by=w.consultant)


def test_the_portal_engagement_pages_sections_show_n_and_a_link_to_the_rest(client, a):
    e = in_delivery(a)  # one shared progress report already
    _progress(a, e, 4)
    login(client, a.contact.user)
    url = reverse("portal:engagement_progress", args=[e.pk])
    client.get(url)  # the session's first request writes its start
    page, few = _get(client, url)
    assert page.count('class="small mb-2 progress-report"') == 5
    assert "progress_page=2" not in page

    _progress(a, e, 55, start=4)  # 60 shared reports
    page, many = _get(client, url)
    assert many == few
    assert page.count('class="small mb-2 progress-report"') == SECTION_SIZE
    assert "进展第0期" in page
    assert re.search(r'href="\?progress_page=2#progress"[^>]*>显示更多<', page)
    second, queries = _get(client, url + "?progress_page=2")
    assert queries == few
    assert "进展第0期" not in second and f"进展第{SECTION_SIZE}期" in second
