"""The complaint analysis (9.4, for continual improvement): the figures on the page, in the
CSV and in the PDF checked against figures computed here from what the test made (not with
the module's own queries); firm B never counted; managers only; a query count that does not
grow with the complaints."""

import csv
import datetime
import io
import random

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from consultancy.documents.models import GeneratedDocument
from consultancy.workdays import calendar
from feedback import complaint_analysis, services
from feedback.models import ComplaintReport
from feedback.selectors import answer_fingerprint
from tests.conftest import login
from tests.feedback.helpers import on_commit
from tests.feedback.steps import NO_ACTION, step
from tests.scoping import scopes_disabled

pytestmark = pytest.mark.django_db

D = datetime.date
FROM, TO = D(2026, 1, 1), D(2026, 6, 30)
PERIOD = {"preset": "custom", "date_from": "2026-01-01", "date_to": "2026-06-30",
          "group_by": "month"}
PAGE = reverse("feedback:complaint_analysis")
CSV = reverse("feedback:complaint_analysis_csv")


@pytest.fixture(autouse=True)
def _calendar(china_calendar):
    """China's working days, as seeded (conftest)."""


def _receive(w, received_on, name="王经理", safety=False, contact=None):
    return services.complaint_receive(
        firm=w.firm, by=w.manager, received_on=received_on, channel="phone",
        complainant_name=name, contact=contact, safety_related=safety,
        description="咨询人员未按约定时间到场，影响现场检查安排")


class World:
    """Complaints of firm ``a`` received in the period (every state, causes, severities,
    late and timely steps, actions open, done and verified, the complainants' replies),
    two just outside it, and firm ``b``'s in the same period. ``records`` keeps what was
    made, for the expected figures."""

    def __init__(self, a, b, n=14, seed=11):
        rng = random.Random(seed)
        self.records = []
        with scopes_disabled():
            causes = services.causes_for(a.firm)
            for i in range(n):
                received = FROM + datetime.timedelta(days=rng.randrange(0, 170))
                self.records.append(self._make(a, rng, i, received, causes))
            # just outside the period: not counted
            for day in (D(2025, 12, 31), D(2026, 7, 1)):
                c = _receive(a, day, name="期外投诉")
                step(c, "acknowledge", a.manager, acknowledged_on=day)
            # firm b: three complaints in the period, all acknowledged late
            for day in (D(2026, 2, 2), D(2026, 3, 3), D(2026, 4, 6)):
                c = _receive(b, day, name="B 公司投诉人", safety=True)
                step(c, "acknowledge", b.manager,
                     acknowledged_on=day + datetime.timedelta(days=10))

    def _make(self, a, rng, i, received, causes):
        safety = i % 4 == 0
        c = _receive(a, received, name=f"投诉人{i}", safety=safety, contact=a.contact)
        rec = {"received": received, "safety": safety, "cause": None, "severity": "",
               "ack": None, "answer": None, "status": "received", "escalated": False,
               "actions": [], "replies": []}
        stage = i % 7  # 0 received … 5 closed, 6 escalated
        day = received
        if stage >= 1:
            day = received + datetime.timedelta(days=rng.choice([0, 1, 2, 5]))
            step(c, "acknowledge", a.manager, acknowledged_on=day)
            rec.update(ack=day, status="acknowledged")
        if stage in (2, 3, 4, 5, 6):
            cause = causes[rng.randrange(len(causes))]
            severity = rng.choice(["low", "medium", "high", "critical"])
            day += datetime.timedelta(days=1)
            step(c, "assess", a.manager, assessed_on=day, cause=cause, severity=severity)
            rec.update(cause=cause.pk, severity=severity, status="assessed")
        if stage == 6:
            step(c, "escalate", a.manager, escalated_on=day + datetime.timedelta(days=1))
            rec.update(status="escalated", escalated=True)
            return rec
        if stage >= 3:
            day += datetime.timedelta(days=2)
            step(c, "investigate", a.manager, investigated_on=day)
            rec["status"] = "investigated"
        if stage >= 4:
            day += datetime.timedelta(days=rng.choice([3, 10, 30]))
            step(c, "respond", a.manager, responded_on=day)
            rec.update(answer=day, status="responded")
            for k in range(rng.randrange(0, 3)):
                action = services.complaint_action_add(
                    complaint=c, by=a.manager, owner=a.consultant,
                    due_on=day + datetime.timedelta(days=5 * (k + 1)),
                    description=f"针对投诉{i}的第{k + 1}项纠正措施：修订作业指导书")
                done = verified = None
                if stage == 5 or k == 0:
                    done = day
                    services.complaint_action_done(action=action, by=a.consultant,
                                                   done_on=done, done_note="已修订并组织学习")
                    if k == 0 and i % 2:
                        verified = day
                        services.complaint_action_verify(
                            action=action, by=a.manager, verified_on=day,
                            verification="抽查记录完整，措施有效")
                rec["actions"].append({"due": action.due_on, "done": done,
                                       "verified": verified})
            if i % 3 == 0:  # first not accepted, then a revised answer accepted
                self._reply(c, a, accepts=False, rating=1, rec=rec)
                step(c, "respond", a.manager, decision="修订后的答复：补充一次现场培训，费用由我司承担",
                     responded_on=day)
            if stage == 5 or i % 2:
                self._reply(c, a, accepts=True, rating=rng.randint(2, 5), rec=rec)
        if stage == 5:
            if not rec["actions"]:
                services.complaint_no_action(complaint=c, by=a.manager, reason=NO_ACTION)
            step(c, "close", a.manager, complainant_acceptance="", closed_on=day)
            rec["status"] = "closed"
        return rec

    @staticmethod
    def _reply(c, a, *, accepts, rating, rec):
        c.refresh_from_db()
        services.complaint_reply(complaint=c, by=a.contact.user, accepts=accepts,
                                 handling_rating=rating, comment="" if accepts else "不接受",
                                 fingerprint=answer_fingerprint(c))
        rec["replies"].append((accepts, rating))

    def expected(self, today):
        recs = self.records
        ack_due = {id(r): calendar.add_working_days(r["received"], 1) for r in recs}
        answer_due = {id(r): calendar.add_working_days(r["received"], 15) for r in recs}
        acked = [r for r in recs if r["ack"]]
        answered = [r for r in recs if r["answer"]]
        latest = [r["replies"][-1] for r in recs if r["replies"]]
        actions = [x for r in recs for x in r["actions"]]
        by_cause = {}
        for r in recs:
            by_cause[r["cause"] or "none"] = by_cause.get(r["cause"] or "none", 0) + 1
        by_severity = {}
        for r in recs:
            by_severity[r["severity"]] = by_severity.get(r["severity"], 0) + 1
        open_ = [r for r in recs if r["status"] not in ("closed", "escalated")]
        return {
            "total": len(recs),
            "safety": sum(r["safety"] for r in recs),
            "closed": sum(r["status"] == "closed" for r in recs),
            "escalated": sum(r["escalated"] for r in recs),
            "overdue_now": len(open_),  # every open one is long past its limits
            "ack_taken": len(acked),
            "ack_on_time": sum(r["ack"] <= ack_due[id(r)] for r in acked),
            "ack_mean": round(sum(calendar.working_days_between(r["received"], r["ack"])
                                  for r in acked) / len(acked), 1),
            "answer_taken": len(answered),
            "answer_on_time": sum(r["answer"] <= answer_due[id(r)] for r in answered),
            "answer_mean": round(sum(calendar.working_days_between(r["received"], r["answer"])
                                     for r in answered) / len(answered), 1),
            "actions": len(actions),
            "actions_done": sum(x["done"] is not None for x in actions),
            "actions_verified": sum(x["verified"] is not None for x in actions),
            "actions_overdue": sum(x["done"] is None and today > x["due"] for x in actions),
            "replies": len(latest),
            "accepted": sum(accepts for accepts, _ in latest),
            "mean_rating": round(sum(r for _, r in latest) / len(latest), 2),
            "by_cause": by_cause,
            "by_severity": by_severity,
        }


@pytest.fixture
def world(a, b):
    return World(a, b)


def _check(analysis, expected):
    assert analysis.total == expected["total"]
    assert analysis.safety == expected["safety"]
    assert analysis.closed == expected["closed"]
    assert analysis.escalated == expected["escalated"]
    assert analysis.overdue_now == expected["overdue_now"]
    assert (analysis.acknowledge.taken, analysis.acknowledge.on_time,
            analysis.acknowledge.mean_days) == (expected["ack_taken"], expected["ack_on_time"],
                                                expected["ack_mean"])
    assert (analysis.answer.taken, analysis.answer.on_time, analysis.answer.mean_days) == (
        expected["answer_taken"], expected["answer_on_time"], expected["answer_mean"])
    assert (analysis.actions, analysis.actions_done, analysis.actions_verified,
            analysis.actions_overdue) == (expected["actions"], expected["actions_done"],
                                          expected["actions_verified"],
                                          expected["actions_overdue"])
    assert (analysis.replies, analysis.accepted, analysis.mean_rating) == (
        expected["replies"], expected["accepted"], expected["mean_rating"])
    assert {g.key: g.count for g in analysis.causes if g.count} == expected["by_cause"]
    assert {g.key: g.count for g in analysis.severities if g.count} == expected["by_severity"]


def test_the_figures_match_what_was_made(client, a, world):
    response = login(client, a.manager).get(PAGE, PERIOD)
    assert response.status_code == 200
    analysis = response.context["analysis"]
    expected = world.expected(timezone.localdate())
    _check(analysis, expected)
    # the world has each kind of figure to check
    assert expected["escalated"] and expected["actions_verified"] and expected["replies"]
    assert 0 < expected["ack_on_time"] < expected["ack_taken"]
    assert 0 < expected["answer_on_time"] < expected["answer_taken"]
    assert sum(p.count for p in analysis.periods) == expected["total"]
    assert len(analysis.periods) == 6
    page = response.content.decode()
    assert f'id="total">{expected["total"]}<' in page
    assert f'id="mean-rating">{expected["mean_rating"]}<' in page
    for chart in ("periods", "causes", "severities", "timing", "ratings"):
        assert f'id="chart-{chart}"><svg' in page


def test_by_quarter(client, a, world):
    response = login(client, a.manager).get(PAGE, {**PERIOD, "group_by": "quarter"})
    periods = response.context["analysis"].periods
    assert [p.label for p in periods] == ["2026 Q1", "2026 Q2"]
    assert sum(p.count for p in periods) == len(world.records)


def test_firm_b_is_never_counted(client, a, b, world):
    analysis = login(client, b.manager).get(PAGE, PERIOD).context["analysis"]
    assert (analysis.total, analysis.safety, analysis.acknowledge.taken,
            analysis.acknowledge.on_time) == (3, 3, 3, 0)
    assert analysis.replies == 0 and analysis.actions == 0
    rows = login(client, a.manager).get(CSV, PERIOD).content.decode("utf-8-sig")
    assert "B 公司投诉人" not in rows and "期外投诉" not in rows
    with scopes_disabled():
        assert complaint_analysis.compute(a.firm, FROM, TO).total == len(world.records)


def test_the_csv(client, a, world):
    response = login(client, a.manager).get(CSV, PERIOD)
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert response.content.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    header, rows = rows[0], rows[1:]
    expected = world.expected(timezone.localdate())
    assert len(rows) == expected["total"] and len(header) == 28
    assert sum(int(r[23]) for r in rows) == expected["actions"]
    assert sum(int(r[24]) for r in rows) == expected["actions_done"]
    ratings = [int(r[27]) for r in rows if r[27]]
    assert round(sum(ratings) / len(ratings), 2) == expected["mean_rating"]


def test_the_csv_does_not_carry_formulas(client, a):
    with scopes_disabled():
        _receive(a, D(2026, 3, 2), name='=HYPERLINK("http://evil.example","点我")')
    response = login(client, a.manager).get(CSV, PERIOD)
    (row,) = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))[1:]
    assert row[5] == "'=HYPERLINK(\"http://evil.example\",\"点我\")"


def test_the_pdf_context_and_render(client, a, b, world):
    login(client, a.manager)
    with on_commit():
        response = client.post(reverse("feedback:complaint_analysis_pdf"), PERIOD,
                               HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    with scopes_disabled():
        report = ComplaintReport.objects.get(firm=a.firm)
        assert (report.period_from, report.period_to) == (FROM, TO)
        document = GeneratedDocument.objects.get(pk=report.document_id)
        assert document.status == "ready", document.error
        assert document.pages >= 2
        spec = complaint_analysis.analysis_pdf_spec(report)
    _check(spec.context["analysis"], world.expected(timezone.localdate()))
    status = client.get(reverse("feedback:complaint_analysis_report", args=[report.pk]))
    assert status.status_code == 200 and "download" in status.content.decode()
    download = client.get(reverse("documents:download", args=[document.pk]))
    assert b"".join(download.streaming_content).startswith(b"%PDF")
    # firm b's manager: the report and its PDF are a 404
    login(client, b.manager)
    assert client.get(reverse("feedback:complaint_analysis_report",
                              args=[report.pk])).status_code == 404
    assert client.get(reverse("documents:download", args=[document.pk])).status_code == 404


def test_managers_only(client, a):
    urls = [PAGE, CSV]
    for user in (a.consultant, a.contact.user):
        login(client, user)
        for url in urls:
            assert client.get(url).status_code == 404
        assert client.post(reverse("feedback:complaint_analysis_pdf"), PERIOD).status_code == 404
    with scopes_disabled():
        assert not ComplaintReport.objects.exists()
    register = login(client, a.manager).get(reverse("feedback:complaint_register")).text
    assert 'id="complaint-analysis"' in register
    register = login(client, a.consultant).get(reverse("feedback:complaint_register")).text
    assert 'id="complaint-analysis"' not in register


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_page_renders_without_complaints(client, a, language):
    login(client, a.manager)
    client.cookies["django_language"] = language
    response = client.get(PAGE)
    assert response.status_code == 200
    analysis = response.context["analysis"]
    assert analysis.total == 0 and analysis.mean_rating is None
    assert len(analysis.periods) == 12 and 'id="no-complaints"' in response.text


def _queries(client, a, n):
    with scopes_disabled():
        causes = services.causes_for(a.firm)
        for i in range(n):
            c = _receive(a, FROM + datetime.timedelta(days=i * 3 % 170), name=f"客户{i}",
                         safety=i % 2 == 0, contact=a.contact)
            step(c, "acknowledge", a.manager, acknowledged_on=c.received_on)
            step(c, "assess", a.manager, assessed_on=c.received_on, cause=causes[i % 7])
    with CaptureQueriesContext(connection) as page:
        assert client.get(PAGE, PERIOD).status_code == 200
    with CaptureQueriesContext(connection) as csv_:
        assert client.get(CSV, PERIOD).status_code == 200
    return len(page.captured_queries), len(csv_.captured_queries)


def test_query_count_does_not_grow_with_the_complaints(client, a):
    login(client, a.manager)
    few = _queries(client, a, 5)
    many = _queries(client, a, 45)  # 50 complaints in all
    with scopes_disabled():
        assert complaint_analysis.compute(a.firm, FROM, TO).total == 50
    assert few == many
    assert few[0] <= 12
