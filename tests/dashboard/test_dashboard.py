"""The manager's dashboard: managers only, their firm only, numbers that match the
database, and a query count that does not grow with the rows."""

import datetime
import re
from decimal import Decimal

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from contracts.models import Contract
from dashboard import selectors
from delivery.models import ProgressReport
from engagements.models import Engagement
from engagements.stages import ACTIVE, Stage
from feedback import services as feedback_services
from feedback.models import Complaint, SurveyAnswer, SurveyResponse
from tests import factories as f
from tests.conftest import login
from tests.dashboard.helpers import answer_survey
from tests.engagements.helpers import advance_to, meet_contracting
from tests.feedback.helpers import end_guidance_period, handed_over, send_survey, to_follow_up
from tests.feedback.steps import step
from tests.scoping import scopes_disabled

pytestmark = pytest.mark.django_db

URL = reverse("dashboard:index")


def _ago(days):
    return timezone.now() - datetime.timedelta(days=days)


def _complaint(w, *, days_ago=0, engagement=None):
    return feedback_services.complaint_receive(
        firm=w.firm, by=w.manager, received_on=timezone.localdate() - datetime.timedelta(
            days=days_ago), channel="phone", complainant_name="张工",
        description="报告迟交", engagement=engagement)


@pytest.fixture
def world(a, b):
    """Firm A: two engagements in needs analysis, one in contracting (issued, unsigned
    contract), one in delivery (signed contract, 40 days in the stage, no progress report
    shared); complaints, certificates. Firm B: one in delivery and its own rows."""
    with scopes_disabled():
        fresh = [f.EngagementFactory(client=a.client, lead_consultant=a.consultant)
                 for _ in range(2)]
        contracting = advance_to(f.EngagementFactory(client=a.client,
                                                     lead_consultant=a.consultant),
                                 Stage.CONTRACTING)
        meet_contracting(contracting, sign=False, render=False)
        delivery = advance_to(f.EngagementFactory(client=a.client,
                                                  lead_consultant=a.consultant), Stage.DELIVERY)
        Engagement.objects.filter(pk=delivery.pk).update(stage_entered_at=_ago(40))
        other = advance_to(f.EngagementFactory(client=b.client, lead_consultant=b.consultant),
                           Stage.DELIVERY)
        Engagement.objects.filter(pk=other.pk).update(stage_entered_at=_ago(90))
        late = _complaint(a, days_ago=10, engagement=delivery)
        on_time = _complaint(a)
        _complaint(b, days_ago=10)
        today = timezone.localdate()
        expiring = f.QualificationFactory(holder=a.consultant,
                                          valid_until=today + datetime.timedelta(days=30))
        expired = f.QualificationFactory(holder=a.manager,
                                         valid_until=today - datetime.timedelta(days=1))
        f.QualificationFactory(holder=b.consultant, valid_until=today - datetime.timedelta(days=1))
    return {"fresh": fresh, "contracting": contracting, "delivery": delivery, "other": other,
            "late": late, "on_time": on_time, "expiring": expiring, "expired": expired}


def test_only_managers_see_the_dashboard(client, a, b):
    assert client.get(URL).status_code == 302  # to the log-in page
    for user in (a.consultant, a.contact.user):
        login(client, user)
        assert client.get(URL).status_code == 404
    login(client, a.manager)
    response = client.get(URL)
    assert response.status_code == 200
    assert reverse("dashboard:index").encode() in response.content  # the nav link


def test_the_pipeline_matches_the_database(client, a, b, world):
    login(client, a.manager)
    response = client.get(URL)
    rows = {row.stage: row for row in response.context["pipeline"]}
    with scopes_disabled():
        for stage in [*ACTIVE, Stage.CLOSED, Stage.DECLINED, Stage.TERMINATED]:
            engagements = Engagement.objects.filter(firm=a.firm, stage=stage)
            fees = Contract.objects.filter(engagement__in=engagements, fee__isnull=False)
            assert rows[stage].count == engagements.count(), stage
            assert rows[stage].value == sum((c.fee for c in fees), Decimal("0")), stage
        signed = Contract.objects.get(engagement=world["delivery"])
        issued = Contract.objects.get(engagement=world["contracting"])
    assert rows[Stage.NEEDS_ANALYSIS].count == 2
    assert rows[Stage.NEEDS_ANALYSIS].without_contract == 2
    assert rows[Stage.DELIVERY].count == 1  # firm B's is not counted
    assert rows[Stage.DELIVERY].value == signed.fee > 0
    assert rows[Stage.CONTRACTING].value == issued.fee
    assert response.context["active_count"] == 4
    assert response.context["active_value"] == signed.fee + issued.fee
    # the chart carries the same numbers
    assert f'data-label="{Stage.DELIVERY.label}" data-value="1"' in response.content.decode()


def test_stuck_engagements_say_how_long_and_what_they_lack(client, a, world):
    login(client, a.manager)
    stuck = client.get(URL).context["stuck"]
    first = stuck[0]
    assert first.engagement == world["delivery"]  # firm B's older one is not there
    assert first.days == 40
    with scopes_disabled():
        unmet = [r.code for r in world["delivery"].requirements() if not r.met]
    assert [r.code for r in first.missing] == unmet
    assert "8.4.progress" in unmet
    assert {row.engagement.pk for row in stuck} == {
        *(e.pk for e in world["fresh"]), world["contracting"].pk, world["delivery"].pk}


def test_overdue_items(client, a, world):
    login(client, a.manager)
    ctx = client.get(URL).context
    assert [c.pk for c in ctx["overdue_complaints"]] == [world["late"].pk]
    assert [p.engagement.pk for p in ctx["overdue_progress"]] == [world["delivery"].pk]
    assert ctx["overdue_progress"][0].days == 40
    # a progress report shared with the client a week ago takes it off the list
    with scopes_disabled():
        ProgressReport.objects.create(
            firm=a.firm, engagement=world["delivery"], created_by=a.consultant,
            period_start=timezone.localdate() - datetime.timedelta(days=30),
            period_end=timezone.localdate(), work_done="诊断", next_steps="整改",
            shared_at=_ago(7), shared_by=a.consultant)
    assert client.get(URL).context["overdue_progress"] == []


def test_overdue_follow_up_visits(client, a, b):
    with scopes_disabled():
        e = to_follow_up(handed_over(a), a)
        contract = Contract.objects.filter(engagement=e).order_by("-version").first()
        end_guidance_period(e)  # every visit is due by the end of the guidance period
    login(client, a.manager)
    visits = client.get(URL).context["overdue_visits"]
    assert contract.follow_up_visits >= 1
    assert [(v.engagement.pk, v.number) for v in visits] == [(e.pk, 1)]


def test_qualifications_expiring_and_expired(client, a, world):
    login(client, a.manager)
    ctx = client.get(URL).context
    assert [q.pk for q in ctx["expired"]] == [world["expired"].pk]
    assert [q.pk for q in ctx["expiring"]] == [world["expiring"].pk]
    assert ctx["expiring"][0].days_left == 30
    assert a.qualification.pk not in {q.pk for q in ctx["expiring"]}  # valid for a year


def test_complaints_by_status(client, a, world):
    with scopes_disabled():
        step(world["on_time"], "acknowledge", a.manager)
    login(client, a.manager)
    ctx = client.get(URL).context
    counts = {value: n for value, _label, n in ctx["complaints"]}
    with scopes_disabled():
        for value, _label in Complaint.Status.choices:
            assert counts[value] == Complaint.objects.filter(firm=a.firm, status=value).count()
    assert counts["received"] == 1 and counts["acknowledged"] == 1
    assert ctx["open_complaints"] == 2


def test_satisfaction_trend_per_quarter(client, a, b):
    with scopes_disabled():
        e = handed_over(a)
        answer_survey(e, a, overall=4)
        today = timezone.localdate()
        this_quarter = selectors.quarter_start(today)
        last_quarter = selectors.previous_quarter(this_quarter)
        # a second answer, moved into the previous quarter
        f.ClientContactFactory(client=a.client, email="second@a.test")
        send_survey(e, a)
        token = next(re.search(r"/survey/([A-Za-z0-9_\-]+)/", m.body).group(1)
                     for m in reversed(mail.outbox) if m.to[0] == "second@a.test")
        response = feedback_services.survey_answer(
            token=token, answers={"competence": 3, "timeliness": 3, "communication": 3,
                                  "deliverables": 3, "on_site": 3, "overall": 2,
                                  "recommend": 5})
        SurveyResponse.objects.filter(pk=response.pk).update(
            submitted_at=timezone.make_aware(datetime.datetime.combine(
                last_quarter + datetime.timedelta(days=10), datetime.time(12))))
        eb = handed_over(b)
        answer_survey(eb, b, overall=1)  # firm B's never counts
        assert SurveyAnswer.objects.filter(question__code="overall").count() == 3
    login(client, a.manager)
    trend = client.get(URL).context["trend"]
    assert len(trend) == 8
    assert trend[-1].start == this_quarter and trend[-2].start == last_quarter
    assert (trend[-1].average, trend[-1].answers) == (Decimal("4"), 1)
    assert (trend[-2].average, trend[-2].answers) == (Decimal("2"), 1)
    assert all(q.average is None for q in trend[:-2])


def _grow(w, n):
    with scopes_disabled():
        for i in range(n):
            e = f.EngagementFactory(client=w.client, lead_consultant=w.consultant)
            if i % 5 == 0:
                _complaint(w, days_ago=10, engagement=e)
                f.QualificationFactory(holder=w.consultant,
                                       valid_until=timezone.localdate() + datetime.timedelta(
                                           days=10 + i))


def test_query_count_does_not_grow_with_rows(client, a, world):
    login(client, a.manager)
    _grow(a, 5)
    client.get(URL)  # warm the caches (content types, sessions)
    with CaptureQueriesContext(connection) as five:
        client.get(URL)
    _grow(a, 45)
    with CaptureQueriesContext(connection) as fifty:
        response = client.get(URL)
    with scopes_disabled():
        assert Engagement.objects.filter(firm=a.firm).count() == 54
    # the certificates are paged (issue 19): one page of them, and all counted
    section = response.context["sections"]["qualifications"]
    assert section.total == len(response.context["expired"]) + 11 > selectors.SECTION_ROWS
    assert len(response.context["expired"] + response.context["expiring"]) == \
        selectors.SECTION_ROWS
    assert len(fifty) == len(five), [q["sql"] for q in fifty.captured_queries]
