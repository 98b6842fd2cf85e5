"""Each portal page keeps the same number of queries with 5 and with 50
engagements, documents and complaints."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from delivery.models import ProgressReport
from engagements.models import Engagement, StageTransition
from engagements.stages import Stage
from feedback import services as feedback_services
from tests import factories as f
from tests.conftest import login
from tests.portal.helpers import PORTAL_ENGAGEMENT_TABS, deliver, in_delivery, issue_plan
from tests.scoping import scopes_disabled

pytestmark = pytest.mark.django_db

STAGES = [Stage.COMMUNICATION, Stage.CONTRACTING, Stage.DELIVERY, Stage.EVALUATION,
          Stage.FOLLOW_UP]


def _count(client, url):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(ctx.captured_queries)


def _engagements(w, n):
    """``n`` engagements of the company in the stages after the needs analysis (with a
    framework awaiting confirmation and a shared progress report each)."""
    now = timezone.now()
    today = timezone.localdate()
    for i in range(n):
        e = f.EngagementFactory(client=w.client, lead_consultant=w.consultant)
        stage = STAGES[i % len(STAGES)]
        Engagement.objects.filter(pk=e.pk).update(stage=stage)
        StageTransition.objects.create(firm=w.firm, engagement=e, transition="confirm_needs",
                                       from_stage=Stage.NEEDS_ANALYSIS,
                                       to_stage=Stage.COMMUNICATION, by=w.consultant)
        if stage == Stage.COMMUNICATION:
            f.ProjectFrameworkFactory(engagement=e)
        ProgressReport.objects.create(firm=w.firm, engagement=e, created_by=w.consultant,
                                      period_start=today - datetime.timedelta(days=7),
                                      period_end=today, work_done="诊断", next_steps="整改",
                                      shared_at=now, shared_by=w.consultant)


def test_home_queries_do_not_grow_with_engagements(client, a):
    login(client, a.contact.user)
    url = reverse("portal:home") + "?show=all"
    with scopes_disabled():
        _engagements(a, 5)
    few = _count(client, url)
    with scopes_disabled():
        _engagements(a, 45)
    assert _count(client, url) == few
    assert _count(client, url + "&page=3") == few


def test_engagement_page_queries_do_not_grow_with_documents(client, a):
    """Issue 19: each tab of the engagement page within the 12-query budget, the same with
    5 and 50 documents, complaints and plan versions."""
    e = in_delivery(a)
    issue_plan(e)
    deliver(e, 5)
    with scopes_disabled():
        for _i in range(5):
            feedback_services.complaint_receive(
                firm=a.firm, by=a.contact.user, received_on=timezone.localdate(),
                channel="portal", complainant_name=a.contact.name, description="资料交付延误一周",
                engagement=e)
    login(client, a.contact.user)
    urls = [reverse(name, args=[e.pk]) for name in PORTAL_ENGAGEMENT_TABS]
    few = {url: _count(client, url) for url in urls}
    assert max(few.values()) <= 12, few
    deliver(e, 45)
    issue_plan(e, schedule="新版")
    with scopes_disabled():
        for _i in range(45):
            feedback_services.complaint_receive(
                firm=a.firm, by=a.contact.user, received_on=timezone.localdate(),
                channel="portal", complainant_name=a.contact.name, description="资料交付延误一周",
                engagement=e)
    many = client.get(reverse("portal:engagement_documents", args=[e.pk])).content.decode()
    assert many.count('class="btn btn-sm btn-outline-primary my-1 download-document"') == 50
    assert {url: _count(client, url) for url in urls} == few


def test_complaint_pages_queries_do_not_grow(client, a):
    def file(n):
        with scopes_disabled():
            return [feedback_services.complaint_receive(
                firm=a.firm, by=a.contact.user, received_on=timezone.localdate(),
                channel="portal", complainant_name=a.contact.name, description=f"第{i}次投诉：资料交付延误")
                for i in range(n)]

    first = file(5)
    login(client, a.contact.user)
    few = _count(client, reverse("portal:complaints"))
    detail = _count(client, reverse("portal:complaint", args=[first[0].pk]))
    form = _count(client, reverse("portal:complaint_new"))
    file(45)
    with scopes_disabled():
        _engagements(a, 50)
    assert _count(client, reverse("portal:complaints")) == few
    assert _count(client, reverse("portal:complaint", args=[first[0].pk])) == detail
    assert _count(client, reverse("portal:complaint_new")) == form
