"""The demo's two years of survey history (feedback.demo_history) and the statistics PDF
rendered from it: the figures in the PDF's context and text checked against the database,
the pages written as PNG (var/screenshots/statistics-pdf-zh-<n>.png) to be looked at."""

import datetime
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.test import TestCase
from django.utils import timezone

from consultancy.demo import clients as clients_demo
from consultancy.demo import firms as tenancy_demo
from consultancy.demo import history as demo_history
from consultancy.demo.common import DemoContext
from consultancy.documents.models import GeneratedDocument
from consultancy.tenancy.scoping import firm_scope
from engagements.models import Engagement
from feedback import services, statistics
from feedback.models import Reminder, SurveyAnswer, SurveyInvitation, SurveyResponse
from feedback.reminders import run_daily_reminders
from tests.scoping import scopes_disabled

pytestmark = pytest.mark.django_db

SCREENSHOTS = Path(os.environ.get("SCREENSHOT_DIR",
                                  Path(__file__).resolve().parents[2] / "var" / "screenshots"))


@pytest.fixture
def demo():
    ctx = DemoContext()
    with scopes_disabled():
        tenancy_demo.load(ctx)
        clients_demo.load(ctx)
    return ctx


def test_two_years_of_history_for_both_firms(demo):
    with scopes_disabled():  # the demo command builds it across firms
        demo_history.load(demo)
    today = timezone.localdate()
    with scopes_disabled():
        counts = {}
        for key, data in demo.data["firms"].items():
            firm = data["firm"]
            responses = SurveyResponse.objects.filter(firm=firm)
            assert 25 <= responses.count() <= 40, key
            months = {timezone.localtime(r.submitted_at).strftime("%Y-%m") for r in responses}
            assert len(months) >= 16
            first = min(timezone.localtime(r.submitted_at).date() for r in responses)
            assert first <= today - datetime.timedelta(days=600)
            engagements = Engagement.objects.filter(firm=firm, number__contains="-H")
            assert set(engagements.values_list("stage", flat=True)) == {"closed"}
            assert engagements.values("lead_consultant").distinct().count() >= 3
            assert engagements.values("service_type").distinct().count() >= 3
            assert engagements.values("client__industry").distinct().count() >= 4
            unanswered = SurveyInvitation.objects.filter(firm=firm, used_at__isnull=True)
            assert unanswered.exists()
            # the daily reminders leave the imported history alone
            assert not unanswered.filter(reminder_sent_at__isnull=True).exists()
            comments = SurveyAnswer.objects.filter(firm=firm, question__kind="text")
            assert comments.count() >= 3
            assert all("\u4e00" <= c.text[0] <= "\u9fff" for c in comments)  # Chinese
            # every answer belongs to this firm's rows
            assert not SurveyAnswer.objects.filter(firm=firm).exclude(
                response__engagement__firm=firm).exists()
            counts[key] = (responses.count(), SurveyAnswer.objects.filter(firm=firm).count())
        # idempotent: a second run adds nothing; the daily reminders find nothing in it
        demo_history.load(demo)
        for data in demo.data["firms"].values():
            with firm_scope(data["firm"].pk):
                run_daily_reminders(data["firm"].pk, today)
        assert not Reminder.objects.filter(kind=Reminder.Kind.SURVEY_UNANSWERED).exists()
        for key, data in demo.data["firms"].items():
            firm = data["firm"]
            assert counts[key] == (SurveyResponse.objects.filter(firm=firm).count(),
                                   SurveyAnswer.objects.filter(firm=firm).count())


def test_the_pdf_from_the_demo(demo):
    with scopes_disabled():  # the demo command builds it across firms
        demo_history.load(demo)
    firm = demo.data["firms"]["antai"]["firm"]
    manager = demo.data["firms"]["antai"]["people"]["manager"]
    today = timezone.localdate()
    period_from, period_to = statistics.presets(today)[2][2:]  # the last 12 months
    with scopes_disabled(), TestCase.captureOnCommitCallbacks(execute=True):
        report = services.satisfaction_report_request(
            firm=firm, by=manager, period_from=period_from, period_to=period_to)
    with scopes_disabled():
        document = GeneratedDocument.objects.get(pk=report.document_id)
        assert document.status == "ready", document.error
        spec = statistics.statistics_pdf_spec(report)
        # the figures, computed here from the rows
        start, end = statistics.bounds(period_from, period_to)
        responses = SurveyResponse.objects.filter(firm=firm, submitted_at__gte=start,
                                                  submitted_at__lt=end)
        response_count = responses.count()
        answers = list(SurveyAnswer.objects.filter(response__in=responses)
                       .values_list("question__kind", "score", "text"))
        ratings = [s for kind, s, _t in answers if kind == "scale_1_5"]
        recommend = [s for kind, s, _t in answers if kind == "nps_0_10"]
        sent = SurveyInvitation.objects.filter(firm=firm, survey__sent_at__gte=start,
                                               survey__sent_at__lt=end)
        pdf_path = document.file.path
    stats = spec.context["stats"]
    assert stats.total.responses == response_count > 5
    assert stats.total.mean == round(sum(ratings) / len(ratings), 2)
    assert stats.total.recommend_score == round(
        100 * (sum(s >= 9 for s in recommend) - sum(s <= 6 for s in recommend))
        / len(recommend), 1)
    with scopes_disabled():
        rate = round(100 * sent.filter(used_at__isnull=False).count() / sent.count(), 1)
    assert stats.total.response_rate == rate
    assert len(spec.context["comments"]) == sum(1 for kind, _s, t in answers
                                                if kind == "text" and t)
    # what the PDF says
    text = subprocess.run(["pdftotext", "-layout", pdf_path, "-"], capture_output=True,
                          text=True, check=True).stdout
    flat = re.sub(r"\s+", "", text)  # the title is letter-spaced, lines wrap
    assert "客户满意度调查统计报告" in flat and firm.name in flat
    assert f"回复数{stats.total.responses}份" in flat
    assert str(stats.total.mean) in flat and f"{stats.total.response_rate}%" in flat
    for row in stats.consultants:
        assert row.label in flat
    # the pages as PNG, to look at
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for old in SCREENSHOTS.glob("statistics-pdf-zh-*.png"):
        old.unlink()
    if shutil.which("pdftoppm"):
        subprocess.run(["pdftoppm", "-png", "-r", "60", pdf_path,
                        str(SCREENSHOTS / "statistics-pdf-zh")], check=True)
        assert len(list(SCREENSHOTS.glob("statistics-pdf-zh-*.png"))) == document.pages
