"""The satisfaction statistics archive (clause 9.5 "建立满意度调查统计档案"): the numbers on
the page, in the CSV and in the PDF's context, checked against figures computed here in
Python from the rows the test made (not with the module's own queries); the period's
boundaries; firm isolation; managers only; a query count independent of the answers."""

import csv
import datetime
import io
import random
import re
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from consultancy.clients.models import Client
from consultancy.documents.models import GeneratedDocument
from engagements.models import ServiceType
from feedback import statistics
from feedback.forms_statistics import StatisticsPeriodForm
from feedback.models import SatisfactionReport
from tests import factories as f
from tests.conftest import login
from tests.feedback.helpers import on_commit
from tests.scoping import scopes_disabled

TZ = ZoneInfo("Asia/Shanghai")
SCALES = ["competence", "timeliness", "communication", "deliverables", "on_site", "overall"]
FROM, TO = datetime.date(2026, 1, 1), datetime.date(2026, 6, 30)
PERIOD = {"preset": "custom", "date_from": "2026-01-01", "date_to": "2026-06-30",
          "group_by": "month"}

pytestmark = pytest.mark.django_db


def at(y, m, d, hh=10, mm=0):
    return datetime.datetime(y, m, d, hh, mm, tzinfo=TZ)


class World:
    """Answers of firm ``a`` (two consultants, three service types, two industries), with
    rows just outside the period, unanswered invitations, and firm ``b``'s answers in the
    same period. ``records`` keeps what was made, for the expected figures."""

    def __init__(self, a, b, n=24, seed=7):
        rng = random.Random(seed)
        self.records = []
        with scopes_disabled():
            second = f.ConsultantFactory(firm=a.firm, full_name="第二顾问")
            steel = f.ClientFactory(firm=a.firm, industry=Client.Industry.METALLURGY,
                                    name="钢铁客户")
            leads = [a.consultant, second]
            clients = [a.client, steel]
            # three of the firm's own service types
            services = list(ServiceType.objects.filter(
                firm=a.firm, code__in=["standardization", "ledgers", "risk_grading"]))
            # inside the period, and on both sides of its edges
            moments = [at(2026, 1, 1, 0, 0), at(2026, 6, 30, 23, 59), at(2025, 12, 31, 23, 59),
                       at(2026, 7, 1, 0, 0)]
            moments += [at(2026, rng.randint(1, 6), rng.randint(1, 28), rng.randint(8, 18))
                        for _ in range(n)]
            for i, moment in enumerate(moments):
                lead, client = leads[i % 2], clients[(i // 2) % 2]
                service = services[i % 3]
                e = f.EngagementFactory(client=client, lead_consultant=lead,
                                        service_type=service)
                answered = i % 5 != 4
                scores = {code: rng.randint(1, 5) for code in SCALES}
                scores["recommend"] = rng.randint(0, 10)
                if i % 7 == 3:
                    scores.pop("on_site")  # an optional answer left out
                comment = f"意见{i}：现场指导很细致" if i % 3 == 0 else ""
                sent_at = moment - datetime.timedelta(days=2)
                f.survey_answers(e, sent_at=sent_at, submitted_at=moment, scores=scores,
                                 comment=comment, answered=answered)
                self.records.append({
                    "lead": lead.pk, "lead_name": lead.full_name, "service": service.pk,
                    "industry": client.industry, "submitted": moment, "sent": sent_at,
                    "answered": answered, "scores": scores, "comment": comment,
                })
            # firm b: answers in the same period, all 1s and 0s; never counted for a
            for day in (5, 6, 7):
                eb = f.EngagementFactory(client=b.client, lead_consultant=b.consultant)
                f.survey_answers(eb, sent_at=at(2026, 3, day), submitted_at=at(2026, 3, day + 1),
                                 scores={c: 1 for c in SCALES} | {"recommend": 0},
                                 comment="B 公司的意见")

    # -- the expected figures, computed here ----------------------------------------
    def answered_in(self, start=FROM, end=TO, **match):
        return [r for r in self.records if r["answered"]
                and start <= r["submitted"].astimezone(TZ).date() <= end
                and all(r[k] == v for k, v in match.items())]

    def sent_in(self, start=FROM, end=TO, **match):
        return [r for r in self.records if start <= r["sent"].astimezone(TZ).date() <= end
                and all(r[k] == v for k, v in match.items())]

    def expected(self, start=FROM, end=TO, **match):
        rows = self.answered_in(start, end, **match)
        ratings = [s for r in rows for code, s in r["scores"].items() if code != "recommend"]
        recommend = [r["scores"]["recommend"] for r in rows]
        sent = self.sent_in(start, end, **match)
        answered = [r for r in sent if r["answered"]]
        return {
            "responses": len(rows),
            "mean": round(sum(ratings) / len(ratings), 2) if ratings else None,
            "recommend_score": round(100 * (sum(s >= 9 for s in recommend)
                                            - sum(s <= 6 for s in recommend))
                                     / len(recommend), 1) if recommend else None,
            "recommend_mean": round(sum(recommend) / len(recommend), 2) if recommend else None,
            "response_rate": round(100 * len(answered) / len(sent), 1) if sent else None,
            "sent": len(sent),
            "comments": sum(1 for r in rows if r["comment"]),
            "answers": sum(len(r["scores"]) + bool(r["comment"]) for r in rows),
        }


def _check(score, expected):
    assert score.responses == expected["responses"]
    assert score.mean == expected["mean"]
    assert score.recommend_score == expected["recommend_score"]
    assert score.recommend_mean == expected["recommend_mean"]
    assert score.response_rate == expected["response_rate"]
    assert score.sent == expected["sent"]


@pytest.fixture
def world(a, b):
    return World(a, b)


def test_the_figures_match_the_database(client, a, world):
    response = login(client, a.manager).get(reverse("feedback:statistics"), PERIOD)
    assert response.status_code == 200
    stats = response.context["stats"]
    whole = world.expected()
    assert whole["responses"] > 10 and whole["comments"] > 2  # the test has something to count
    _check(stats.total, whole)
    assert stats.answers_count == whole["answers"]
    assert stats.comments_count == whole["comments"]
    assert all("B 公司" not in c.text for c in stats.comments)

    # the edges: 1 January 00:00 and 30 June 23:59 are in, the minutes around them out
    edges = {r["submitted"] for r in world.answered_in()}
    assert at(2026, 1, 1, 0, 0) in edges and at(2026, 6, 30, 23, 59) in edges
    assert at(2025, 12, 31, 23, 59) not in edges and at(2026, 7, 1, 0, 0) not in edges

    # per question
    rows = world.answered_in()
    for row in stats.questions:
        code = row.question.code
        given = [r["scores"][code] for r in rows if code in r["scores"]]
        if code == "comments":
            assert row.answers == whole["comments"] and row.mean is None
        else:
            assert row.answers == len(given)
            assert row.mean == round(sum(given) / len(given), 2)

    # per consultant, service type and industry
    for score in stats.consultants:
        _check(score, world.expected(lead=score.key))
    assert {s.label for s in stats.consultants} == {a.consultant.full_name, "第二顾问"}
    for score in stats.service_types:
        _check(score, world.expected(service=score.key))
        with scopes_disabled():
            assert score.label == ServiceType.objects.get(pk=score.key).label
    assert len(stats.service_types) == 3
    for score in stats.industries:
        _check(score, world.expected(industry=score.key))
    assert {s.key for s in stats.industries} == {"chemical", "metallurgy"}

    # per month: every month of the period, empty ones too
    assert [p.label for p in stats.periods] == [f"2026-{m:02d}" for m in range(1, 7)]
    for p in stats.periods:
        last = (p.key.replace(day=28) + datetime.timedelta(days=4)).replace(day=1) \
            - datetime.timedelta(days=1)
        _check(p, world.expected(start=p.key, end=last))

    # what the page prints
    html = response.content.decode()
    assert f'id="total-responses">{whole["responses"]}<' in html
    assert f'id="mean-rating">{whole["mean"]}<' in html
    assert f'id="recommend-score">{whole["recommend_score"]}<' in html
    assert f'id="response-rate">{whole["response_rate"]}%<' in html
    for chart in ("responses", "mean", "questions", "consultants", "service_types",
                  "industries"):
        assert f'id="chart-{chart}"><svg' in html
    # the chart's numbers are the table's
    consultants_svg = re.search(r'id="chart-consultants">(.*?)</svg>', html, re.S).group(1)
    for score in stats.consultants:
        assert f'data-value="{score.mean:g}"' in consultants_svg


def test_by_quarter_and_the_presets(client, a, world):
    response = login(client, a.manager).get(reverse("feedback:statistics"),
                                            {**PERIOD, "group_by": "quarter"})
    stats = response.context["stats"]
    assert [p.label for p in stats.periods] == ["2026 Q1", "2026 Q2"]
    _check(stats.periods[0], world.expected(start=FROM, end=datetime.date(2026, 3, 31)))
    _check(stats.periods[1], world.expected(start=datetime.date(2026, 4, 1), end=TO))

    today = datetime.date(2026, 11, 28)
    ranges = {k: (s, e) for k, _label, s, e in statistics.presets(today)}
    assert ranges["this_year"] == (datetime.date(2026, 1, 1), datetime.date(2026, 12, 31))
    assert ranges["last_year"] == (datetime.date(2025, 1, 1), datetime.date(2025, 12, 31))
    assert ranges["last_12_months"] == (datetime.date(2025, 12, 1), datetime.date(2026, 11, 30))
    assert ranges["2026q2"] == (datetime.date(2026, 4, 1), datetime.date(2026, 6, 30))
    assert ranges["2025q4"] == (datetime.date(2025, 10, 1), datetime.date(2025, 12, 31))
    assert "2027q1" not in ranges and "2026q4" in ranges

    form = StatisticsPeriodForm({"preset": "2026q1", "date_from": "2020-01-01"}, today=today)
    assert form.is_valid()
    assert form.period() == {"date_from": datetime.date(2026, 1, 1),
                             "date_to": datetime.date(2026, 3, 31), "group_by": "month"}
    bad = StatisticsPeriodForm({"preset": "custom", "date_from": "2026-05-01",
                                "date_to": "2026-04-01"}, today=today)
    assert not bad.is_valid() and "date_to" in bad.errors
    response = client.get(reverse("feedback:statistics"), {"preset": "custom",
                                                           "date_from": "2026-05-01",
                                                           "date_to": "2026-04-01"})
    assert response.status_code == 200
    # the form says what is wrong, and the page shows the default period meanwhile
    assert "date_to" in response.context["form"].errors
    assert 'class="invalid-feedback' in response.content.decode()
    assert response.context["stats"].date_from == statistics.preset_range(
        "last_12_months", timezone.localdate())[0]


def test_the_csv(client, a, world):
    response = login(client, a.manager).get(reverse("feedback:statistics_csv"), PERIOD)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    body = response.content
    assert body.startswith("\ufeff".encode())  # the BOM, for Excel
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    header, rows = rows[0], rows[1:]
    whole = world.expected()
    assert len(rows) == whole["answers"]  # one row per answer
    assert len({r[0] for r in rows}) == whole["responses"]
    scores = [int(r[12]) for r in rows if r[9] in SCALES]
    assert round(sum(scores) / len(scores), 2) == whole["mean"]
    assert sum(1 for r in rows if r[9] == "comments") == whole["comments"]
    assert not any("B 公司" in cell for r in rows for cell in r)
    assert len(header) == 14


def test_the_csv_does_not_carry_formulas(client, a):
    with scopes_disabled():
        e = f.EngagementFactory(client=a.client, lead_consultant=a.consultant)
        f.survey_answers(e, sent_at=at(2026, 2, 1), scores={"overall": 5},
                         comment='=HYPERLINK("http://evil.example","点我")')
    response = login(client, a.manager).get(reverse("feedback:statistics_csv"), PERIOD)
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))[1:]
    comment = next(r for r in rows if r[9] == "comments")
    assert comment[13] == "'=HYPERLINK(\"http://evil.example\",\"点我\")"
    assert next(r for r in rows if r[9] == "overall")[12] == "5"


def test_the_pdf_context_and_render(client, a, world, settings):
    login(client, a.manager)
    with on_commit():
        response = client.post(reverse("feedback:statistics_pdf"), PERIOD, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    with scopes_disabled():
        report = SatisfactionReport.objects.get(firm=a.firm)
        assert (report.period_from, report.period_to) == (FROM, TO)
        document = GeneratedDocument.objects.get(pk=report.document_id)
        assert document.status == "ready", document.error
        assert document.pages >= 2
        spec = statistics.statistics_pdf_spec(report)
    stats = spec.context["stats"]
    whole = world.expected()
    _check(stats.total, whole)
    assert len(spec.context["comments"]) == whole["comments"]
    for score in stats.consultants:
        _check(score, world.expected(lead=score.key))
    # the status fragment, the report URL and the download
    assert f"document-{document.pk}" in response.content.decode()
    status = client.get(reverse("feedback:statistics_report", args=[report.pk]))
    assert status.status_code == 200 and "download" in status.content.decode()
    download = client.get(reverse("documents:download", args=[document.pk]))
    assert download.status_code == 200
    assert b"".join(download.streaming_content).startswith(b"%PDF")


def test_firm_isolation(client, a, b, world):
    # firm b's manager sees only firm b's three answers
    response = login(client, b.manager).get(reverse("feedback:statistics"), PERIOD)
    stats = response.context["stats"]
    assert stats.total.responses == 3 and stats.total.mean == 1.0
    assert stats.total.recommend_score == -100.0
    assert {c.text for c in stats.comments} == {"B 公司的意见"}
    with on_commit():
        client.post(reverse("feedback:statistics_pdf"), PERIOD)
    with scopes_disabled():
        report_b = SatisfactionReport.objects.get(firm=b.firm)
    # firm a's manager: firm b's report and its PDF answer 404
    login(client, a.manager)
    assert client.get(reverse("feedback:statistics_report", args=[report_b.pk])).status_code == 404
    assert client.get(reverse("documents:status", args=[report_b.document_id])).status_code == 404
    assert client.get(reverse("documents:download",
                              args=[report_b.document_id])).status_code == 404
    rows = client.get(reverse("feedback:statistics_csv"), PERIOD).content.decode("utf-8-sig")
    assert "B 公司" not in rows and b.client.name not in rows


def test_managers_only(client, a, world):
    with on_commit():
        login(client, a.manager).post(reverse("feedback:statistics_pdf"), PERIOD)
    with scopes_disabled():
        report = SatisfactionReport.objects.get(firm=a.firm)
    urls = [reverse("feedback:statistics"), reverse("feedback:statistics_csv"),
            reverse("feedback:statistics_report", args=[report.pk]),
            reverse("feedback:question_set")]
    client.logout()
    for url in urls:
        assert client.get(url).status_code == 302  # to the login
    for user in (a.consultant, a.contact.user):
        login(client, user)
        for url in urls:
            assert client.get(url).status_code == 404, (user, url)
        assert client.post(reverse("feedback:statistics_pdf"), PERIOD).status_code == 404
        # the PDF itself: not for consultants either
        assert client.get(reverse("documents:download",
                                  args=[report.document_id])).status_code == 404
    with scopes_disabled():
        assert SatisfactionReport.objects.filter(firm=a.firm).count() == 1
    # the nav shows the links to managers only
    assert 'id="nav-statistics"' not in login(client, a.consultant).get("/").content.decode()
    assert 'id="nav-statistics"' in login(client, a.manager).get("/").content.decode()


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_page_renders_without_answers(client, a, language):
    login(client, a.manager)
    client.cookies["django_language"] = language
    response = client.get(reverse("feedback:statistics"))
    assert response.status_code == 200
    stats = response.context["stats"]
    assert stats.total.responses == 0 and stats.total.mean is None
    assert response.context["form"].initial["preset"] == "last_12_months"
    assert len(stats.periods) == 12


def _queries(client, a, b, n):
    with scopes_disabled():
        for i in range(n):
            e = f.EngagementFactory(client=a.client, lead_consultant=a.consultant)
            f.survey_answers(e, sent_at=at(2026, 1 + i % 6, 1 + i % 27),
                             scores={c: 1 + i % 5 for c in SCALES} | {"recommend": i % 11},
                             comment=f"意见{i}")
    with CaptureQueriesContext(connection) as page:
        assert client.get(reverse("feedback:statistics"), PERIOD).status_code == 200
    with CaptureQueriesContext(connection) as csv_:
        assert client.get(reverse("feedback:statistics_csv"), PERIOD).status_code == 200
    return len(page.captured_queries), len(csv_.captured_queries)


def test_query_count_does_not_grow_with_the_answers(client, a, b):
    login(client, a.manager)
    few = _queries(client, a, b, 5)
    many = _queries(client, a, b, 45)  # 50 responses in all
    with scopes_disabled():
        assert statistics.compute(a.firm, FROM, TO).total.responses == 50
    assert few == many
    assert few[0] <= 20
