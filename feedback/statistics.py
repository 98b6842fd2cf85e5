"""The satisfaction statistics archive (clause 9.5: "建立满意度调查统计档案").

Pure reads. For a period (``date_from`` to ``date_to``, both included, in local dates):

* the answers of the responses **submitted** in the period, aggregated by the database:
  overall, per question, per month or quarter, per lead consultant of the engagement,
  per service type and per client industry (one aggregate query each);
* the response rate: of the invitations **sent** in the period (the survey's ``sent_at``),
  the share answered (at any time since), in one aggregate query for every breakdown;
* the free-text comments of the period.

The number of queries does not depend on the number of answers (about ten in all).

Scores: the mean of the 1–5 ratings (all rating questions pooled, and per question); the
recommend score of the 0–10 question, NPS style: % promoters (9–10) minus % detractors
(0–6), from −100 to 100, and its mean.

The same figures feed the page, the CSV and the PDF (:func:`statistics_pdf_spec`); the
charts are SVG from :mod:`consultancy.documents.charts`, so the page and the PDF draw
the same pictures.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db.models import Count, F, Q, Sum, Window
from django.db.models.functions import TruncMonth, TruncQuarter
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from consultancy.clients.models import Client
from consultancy.documents import charts
from consultancy.documents.registry import PdfSpec
from engagements.models import ServiceType

from .models import SatisfactionReport, SurveyAnswer, SurveyInvitation, SurveyQuestion

SCALE = SurveyQuestion.Kind.SCALE_1_5
NPS = SurveyQuestion.Kind.NPS_0_10
TEXT = SurveyQuestion.Kind.TEXT
MONTH = SatisfactionReport.GroupBy.MONTH
QUARTER = SatisfactionReport.GroupBy.QUARTER

COMMENTS_SHOWN = 50  # on the page; the CSV and the PDF have them all

# -- periods --------------------------------------------------------------------------


def quarter_of(day: datetime.date) -> int:
    return (day.month - 1) // 3 + 1


def quarter_range(year: int, quarter: int) -> tuple[datetime.date, datetime.date]:
    start = datetime.date(year, 3 * quarter - 2, 1)
    return start, _month_end(datetime.date(year, 3 * quarter, 1))


def _month_end(day: datetime.date) -> datetime.date:
    first_next = (day.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
    return first_next - datetime.timedelta(days=1)


def _add_months(day: datetime.date, months: int) -> datetime.date:
    index = day.year * 12 + day.month - 1 + months
    return datetime.date(index // 12, index % 12 + 1, 1)


def presets(today: datetime.date) -> list[tuple[str, str, datetime.date, datetime.date]]:
    """``(key, label, from, to)``: this year, last year, the last 12 months, and every
    quarter of this year and last year, latest first."""
    year = today.year
    last12_from = _add_months(today.replace(day=1), -11)
    rows = [
        ("this_year", _("This year (%(year)s)") % {"year": year},
         datetime.date(year, 1, 1), datetime.date(year, 12, 31)),
        ("last_year", _("Last year (%(year)s)") % {"year": year - 1},
         datetime.date(year - 1, 1, 1), datetime.date(year - 1, 12, 31)),
        ("last_12_months", _("The last 12 months"), last12_from, _month_end(today)),
    ]
    for y in (year, year - 1):
        for q in (4, 3, 2, 1):
            if y == year and q > quarter_of(today):
                continue
            start, end = quarter_range(y, q)
            rows.append((f"{y}q{q}", f"{y} Q{q}", start, end))
    return rows


def preset_range(key: str, today: datetime.date):
    for k, _label, start, end in presets(today):
        if k == key:
            return start, end
    return None


def period_start(day: datetime.date, group_by: str) -> datetime.date:
    if group_by == QUARTER:
        return datetime.date(day.year, 3 * quarter_of(day) - 2, 1)
    return day.replace(day=1)


def period_label(start: datetime.date, group_by: str) -> str:
    if group_by == QUARTER:
        return f"{start.year} Q{quarter_of(start)}"
    return f"{start:%Y-%m}"


def period_short(start: datetime.date, group_by: str) -> str:
    """The label under a chart's bar: short enough for 12 to 24 of them."""
    if group_by == QUARTER:
        return f"{start:%y}Q{quarter_of(start)}"
    return f"{start:%y}-{start:%m}"


def period_starts(date_from, date_to, group_by) -> list[datetime.date]:
    step = 3 if group_by == QUARTER else 1
    day, last, result = period_start(date_from, group_by), period_start(date_to, group_by), []
    while day <= last:
        result.append(day)
        day = _add_months(day, step)
    return result


def bounds(date_from: datetime.date, date_to: datetime.date):
    """The aware datetimes ``[start, end)`` of the local dates ``date_from`` to
    ``date_to``, both days included."""
    tz = timezone.get_current_timezone()
    start = datetime.datetime.combine(date_from, datetime.time.min, tzinfo=tz)
    end = datetime.datetime.combine(date_to + datetime.timedelta(days=1), datetime.time.min,
                                    tzinfo=tz)
    return start, end


# -- the figures ----------------------------------------------------------------------


@dataclass
class Score:
    """The figures of one group (or of all answers)."""

    key: object = None
    label: str = ""
    responses: int = 0
    scale_n: int = 0
    scale_sum: int = 0
    nps_n: int = 0
    promoters: int = 0
    detractors: int = 0
    nps_sum: int = 0
    sent: int = 0
    answered: int = 0

    @property
    def mean(self) -> float | None:
        """The mean of the 1–5 ratings, two decimals."""
        return round(self.scale_sum / self.scale_n, 2) if self.scale_n else None

    @property
    def recommend_score(self) -> float | None:
        """% promoters (9–10) minus % detractors (0–6), one decimal."""
        if not self.nps_n:
            return None
        return round(100 * (self.promoters - self.detractors) / self.nps_n, 1)

    @property
    def recommend_mean(self) -> float | None:
        return round(self.nps_sum / self.nps_n, 2) if self.nps_n else None

    @property
    def response_rate(self) -> float | None:
        """Answered of the invitations sent, in %, one decimal."""
        return round(100 * self.answered / self.sent, 1) if self.sent else None

    @property
    def passives(self) -> int:
        return self.nps_n - self.promoters - self.detractors


@dataclass
class QuestionRow:
    question: SurveyQuestion
    answers: int = 0
    score_sum: int = 0

    @property
    def mean(self) -> float | None:
        if self.question.kind == TEXT or not self.answers:
            return None
        return round(self.score_sum / self.answers, 2)


@dataclass
class Statistics:
    date_from: datetime.date
    date_to: datetime.date
    group_by: str
    total: Score
    questions: list[QuestionRow]
    periods: list[Score]
    consultants: list[Score]
    service_types: list[Score]
    industries: list[Score]
    comments: list = field(default_factory=list)
    comments_count: int = 0
    answers_count: int = 0

    @property
    def breakdowns(self):
        return [
            ("consultants", _("By lead consultant"), self.consultants),
            ("service_types", _("By service type"), self.service_types),
            ("industries", _("By client industry"), self.industries),
        ]


AGGREGATES = {
    "responses": Count("response", distinct=True),
    "scale_n": Count("pk", filter=Q(question__kind=SCALE, score__isnull=False)),
    "scale_sum": Sum("score", filter=Q(question__kind=SCALE, score__isnull=False)),
    "nps_n": Count("pk", filter=Q(question__kind=NPS, score__isnull=False)),
    "promoters": Count("pk", filter=Q(question__kind=NPS, score__gte=9)),
    "detractors": Count("pk", filter=Q(question__kind=NPS, score__lte=6)),
    "nps_sum": Sum("score", filter=Q(question__kind=NPS, score__isnull=False)),
}

LEAD = "response__engagement__lead_consultant"
SERVICE = "response__engagement__service_type"
INDUSTRY = "response__engagement__client__industry"


def answers_in(firm, date_from, date_to):
    """The answers of the firm's responses submitted in the period."""
    start, end = bounds(date_from, date_to)
    return SurveyAnswer.objects.filter(firm=firm, response__submitted_at__gte=start,
                                       response__submitted_at__lt=end)


def _score(row: dict, key=None, label="") -> Score:
    return Score(key=key, label=label, **{k: row.get(k) or 0 for k in AGGREGATES})


def _trunc(field_name, group_by):
    tz = timezone.get_current_timezone()
    return (TruncQuarter if group_by == QUARTER else TruncMonth)(field_name, tzinfo=tz)


def _as_date(value) -> datetime.date:
    if isinstance(value, datetime.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return value.date()
    return value


def compute(firm, date_from, date_to, group_by=MONTH) -> Statistics:
    """Every figure of the archive for ``firm`` and the period."""
    answers = answers_in(firm, date_from, date_to)
    # the figures of all answers: the sums of the periods' (every answer of the period
    # falls in one of them, a response in one only), so no query of their own
    total = Score()

    # the response rate: invitations sent in the period, answered since (one query)
    start, end = bounds(date_from, date_to)
    sent_rows = (SurveyInvitation.objects
                 .filter(firm=firm, survey__sent_at__gte=start, survey__sent_at__lt=end)
                 .annotate(period=_trunc("survey__sent_at", group_by))
                 .values("period", lead=F("survey__engagement__lead_consultant"),
                         lead_name=F("survey__engagement__lead_consultant__full_name"),
                         service=F("survey__engagement__service_type"),
                         industry=F("survey__engagement__client__industry"))
                 .annotate(sent=Count("pk"),
                           answered=Count("pk", filter=Q(used_at__isnull=False))))
    rates = {"period": {}, "lead": {}, "service": {}, "industry": {}}
    lead_names = {}  # the lead consultants' names, read with the figures
    for row in sent_rows:
        lead_names[row["lead"]] = row["lead_name"]
        total.sent += row["sent"]
        total.answered += row["answered"]
        for dim in rates:
            key = _as_date(row[dim]) if dim == "period" else row[dim]
            sent, answered = rates[dim].get(key, (0, 0))
            rates[dim][key] = (sent + row["sent"], answered + row["answered"])

    def grouped(group_field, dim, labels, keys=None, extra=None):
        """One aggregate query grouped by ``group_field``; ``labels(keys) -> {key: label}``;
        ``extra``: more values read with each group (``{name: expression}``)."""
        found = {}
        for row in (answers.values(key=group_field, **(extra or {})).annotate(**AGGREGATES)
                    .order_by()):
            key = _as_date(row["key"]) if dim == "period" else row["key"]
            found[key] = row
            if dim == "period":
                for name in AGGREGATES:
                    setattr(total, name, getattr(total, name) + (row[name] or 0))
            if dim == "lead":
                lead_names[key] = row["name"]
        names = labels({*found, *rates[dim]} if keys is None else keys)
        if keys is None:
            keys = sorted({*found, *rates[dim]}, key=lambda k: str(names.get(k, k)))
        result = []
        for key in keys:
            score = _score(found.get(key, {}), key=key, label=str(names.get(key, key)))
            score.sent, score.answered = rates[dim].get(key, (0, 0))
            result.append(score)
        return result

    starts = period_starts(date_from, date_to, group_by)
    periods = grouped(_trunc("response__submitted_at", group_by), "period",
                      lambda keys: {k: period_label(k, group_by) for k in keys}, keys=starts)
    # by the firm's own list of service types, each in the reader's language
    service_types = grouped(F(SERVICE), "service", lambda keys: {
        t.pk: t.label for t in ServiceType.objects.filter(firm=firm, pk__in=keys)})
    industry_rows = grouped(F(INDUSTRY), "industry", lambda keys: dict(Client.Industry.choices))
    consultants = grouped(F(LEAD), "lead", lambda keys: lead_names,
                          extra={"name": F(f"{LEAD}__full_name")})

    # per question (inactive questions too, when they were answered in the period)
    per_question = {row["question"]: row for row in answers.filter(
        Q(score__isnull=False) | ~Q(text="")).values("question")
        .annotate(n=Count("pk"), s=Sum("score")).order_by()}
    questions = []
    for q in SurveyQuestion.objects.filter(firm=firm).order_by("order", "pk"):
        row = per_question.get(q.pk)
        if row is None and not q.is_active:
            continue
        questions.append(QuestionRow(question=q, answers=row["n"] if row else 0,
                                     score_sum=(row["s"] or 0) if row else 0))

    # the comments shown and their number, in one query (a window count)
    comments = list(comments_in(firm, date_from, date_to)
                    .annotate(comments_total=Window(Count("pk")))[:COMMENTS_SHOWN])
    comments_count = comments[0].comments_total if comments else 0
    stats = Statistics(
        date_from=date_from, date_to=date_to, group_by=group_by, total=total,
        questions=questions, periods=periods, consultants=consultants,
        service_types=service_types, industries=industry_rows,
        comments=comments, comments_count=comments_count,
        answers_count=sum(r.answers for r in questions),
    )
    return stats


def comments_in(firm, date_from, date_to):
    """The free-text answers of the period, latest first, with what they are about."""
    return (answers_in(firm, date_from, date_to).filter(question__kind=TEXT).exclude(text="")
            .select_related("question", "response__contact", "response__engagement__client",
                            "response__engagement__lead_consultant")
            .order_by("-response__submitted_at", "-pk"))


def answers_for_export(firm, date_from, date_to):
    """Every answer of the period, one row each, for the CSV (one query, streamed)."""
    return (answers_in(firm, date_from, date_to)
            .select_related("question", "response__contact", "response__engagement__client",
                            "response__engagement__lead_consultant",
                            "response__engagement__service_type")
            .order_by("response__submitted_at", "response_id", "question__order", "pk"))


# -- charts ---------------------------------------------------------------------------


def chart_titles():
    """The chart titles in the current language (the page)."""
    return {
        "responses": _("Responses per period"),
        "mean": _("Average rating (1–5) per period"),
        "questions": _("Average per question (1–5)"),
        "consultants": _("Average rating by lead consultant"),
        "service_types": _("Average rating by service type"),
        "industries": _("Average rating by client industry"),
        "empty": _("No answers in this period"),
    }


PDF_TITLES = {
    "responses": "各期回复数",
    "mean": "各期平均评分（1–5 分）",
    "questions": "各题平均分（1–5 分）",
    "consultants": "按项目负责人统计的平均评分",
    "service_types": "按服务类型统计的平均评分",
    "industries": "按客户行业统计的平均评分",
    "empty": "本期无数据",
}


def _bars(rows):
    return [charts.Bar(label=r.label, value=r.mean, note=f"({r.responses})")
            for r in rows if r.scale_n]


def build_charts(stats: Statistics, titles=None, width=560) -> dict:
    """The SVG charts (safe strings) of the statistics."""
    t = titles or chart_titles()
    empty = t["empty"]
    labels = [period_short(p.key, stats.group_by) for p in stats.periods]
    rated = [r for r in stats.questions if r.question.kind == SCALE and r.answers]
    return {
        "responses": mark_safe(charts.bar_chart(
            [charts.Bar(label=label, value=p.responses)
             for label, p in zip(labels, stats.periods, strict=True)]
            if stats.total.responses else [],
            title=t["responses"], width=max(width, 40 * len(labels)), empty_text=empty)),
        "mean": mark_safe(charts.line_chart(
            labels, [charts.Series(name=t["mean"], values=[p.mean for p in stats.periods])],
            title=t["mean"], minimum=1, maximum=5, width=width, empty_text=empty)),
        "questions": mark_safe(charts.hbar_chart(
            [charts.Bar(label=r.question.label, value=r.mean, note=f"({r.answers})")
             for r in rated], title=t["questions"], maximum=5, width=width,
            label_width=200, empty_text=empty)),
        "consultants": mark_safe(charts.hbar_chart(
            _bars(stats.consultants), title=t["consultants"], maximum=5, width=width,
            empty_text=empty)),
        "service_types": mark_safe(charts.hbar_chart(
            _bars(stats.service_types), title=t["service_types"], maximum=5, width=width,
            empty_text=empty)),
        "industries": mark_safe(charts.hbar_chart(
            _bars(stats.industries), title=t["industries"], maximum=5, width=width,
            empty_text=empty)),
    }


# -- the PDF --------------------------------------------------------------------------

PDF_TITLE = "客户满意度调查统计报告"


def statistics_pdf_spec(report: SatisfactionReport) -> PdfSpec:
    """The builder of the ``satisfaction_statistics`` PDF: the figures of the report's
    period as they are when it renders, with all comments."""
    stats = compute(report.firm, report.period_from, report.period_to, report.group_by)
    comments = list(comments_in(report.firm, report.period_from, report.period_to))
    drawn = build_charts(stats, PDF_TITLES, width=560)
    sections = [
        ("按期间（" + ("季度" if report.group_by == QUARTER else "月") + "）", stats.periods, None),
        ("按项目负责人", stats.consultants, drawn["consultants"]),
        ("按服务类型", stats.service_types, drawn["service_types"]),
        ("按客户行业", stats.industries, drawn["industries"]),
    ]
    return PdfSpec(
        template_name="pdf/satisfaction_statistics.html",
        context={
            "report": report,
            "stats": stats,
            "comments": comments,
            "charts": drawn,
            "titles": PDF_TITLES,
            "sections": sections,
            "title": PDF_TITLE,
            "doc_number": f"MYD-{report.period_from:%Y%m%d}-{report.period_to:%Y%m%d}",
            "generated_on": timezone.localdate(),
        },
        filename=f"满意度调查统计-{report.period_from:%Y%m%d}-{report.period_to:%Y%m%d}.pdf",
    )


def report_access(user, report) -> bool:
    """Only the managers of the report's firm see the statistics PDF."""
    return bool(getattr(user, "is_authenticated", False) and user.is_manager
                and user.firm_id == report.firm_id)
