"""The dashboard's reads: each one a fixed number of queries, however many engagements,
complaints or certificates the firm has (tests compare 5 and 50 rows)."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import (
    Avg,
    Count,
    DecimalField,
    F,
    Max,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Window,
)
from django.db.models.functions import Coalesce, TruncQuarter
from django.utils import timezone

from consultancy.tenancy.models import Qualification
from contracts.models import Contract
from delivery.models import ProgressReport
from engagements import gates
from engagements.models import Engagement, StageTransition
from engagements.stages import ACTIVE, FORWARD, PROCESS, Stage
from feedback.models import Complaint, FollowUpVisit, SurveyAnswer
from feedback.selectors import FollowUpSummary, overdue_complaints, visit_schedule

# Clause 8.4 asks for progress to be reported to the client on the provider's initiative
# but sets no interval, and delivery keeps none. The dashboard's rule: an engagement in
# the service stage is overdue when no progress report was shared with the client in the
# last PROGRESS_REPORT_DAYS days (counted from the start of the service stage when none
# was ever shared).
PROGRESS_REPORT_DAYS = 30
# Certificates listed as "expiring" this many days ahead.
QUALIFICATION_WARNING_DAYS = 60
STUCK_ROWS = 10
# Rows per page of the dashboard's lists that grow with the firm (overdue items,
# certificates): each shows one page and links to the next (issue 19).
SECTION_ROWS = 10
TREND_QUARTERS = 8
OVERALL_QUESTION = "overall"  # the code of the overall satisfaction question (9.5)

ZERO = Decimal("0")


def contract_fee_subquery():
    """The fee of the engagement's latest contract version that is not terminated (the
    signed one in force, or the draft being negotiated): the engagement's value in CNY."""
    return Contract.objects.exclude(status=Contract.Status.TERMINATED).current_value(
        "fee", output_field=DecimalField(max_digits=14, decimal_places=2))


def contract_number_subquery():
    return Contract.objects.exclude(status=Contract.Status.TERMINATED).current_value("number")


# -- a page of a section ----------------------------------------------------------------


@dataclass
class Section:
    """One page of a dashboard list: its ``rows``, how many there are in all (``total``)
    and the page shown (1-based)."""
    rows: list
    total: int
    page: int
    size: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.size))

    @property
    def has_previous(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


def page_number(value) -> int:
    """A section's page from its query parameter: a positive integer, else 1."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        return 1
    return number if number >= 1 else 1


def _windowed(qs, page, size):
    """``(rows, total)`` of page ``page`` of ``qs`` in one query: the total is counted over
    the whole list by a window (``COUNT(*) OVER ()``) on each row of the page."""
    rows = list(qs.annotate(section_total=Window(Count("pk")))[(page - 1) * size:page * size])
    return rows, (rows[0].section_total if rows else 0)


def section_of(qs, page=1, size=None) -> Section:
    """Page ``page`` of ``qs`` with the list's total, in one query (a page past the end
    shows the first one: a second query, only then)."""
    size = size or SECTION_ROWS
    rows, total = _windowed(qs, page, size)
    if not rows and page > 1:
        return section_of(qs, 1, size)
    return Section(rows, total, page, size)


def section_of_list(items, page=1, size=None) -> Section:
    """The same over a list already in memory."""
    size = size or SECTION_ROWS
    pages = max(1, -(-len(items) // size))
    page = page if page <= pages else 1
    return Section(items[(page - 1) * size:page * size], len(items), page, size)


# -- the pipeline ------------------------------------------------------------------------


@dataclass
class PipelineRow:
    stage: str
    label: str
    clause: str
    count: int
    value: Decimal
    without_contract: int


def pipeline(firm) -> list[PipelineRow]:
    """Engagements by stage (Figure 1's order, then the ended ones): how many, and their
    contract value in CNY. One query."""
    rows = {
        r["stage"]: r for r in
        Engagement.objects.filter(firm=firm).annotate(fee=contract_fee_subquery())
        .values("stage").order_by("stage")
        .annotate(n=Count("pk"), value=Coalesce(Sum("fee"), ZERO,
                                                output_field=DecimalField()),
                  without=Count("pk", filter=Q(fee__isnull=True)))
    }
    clauses = dict(PROCESS)
    out = []
    for stage in [*ACTIVE, Stage.CLOSED, Stage.DECLINED, Stage.TERMINATED]:
        r = rows.get(stage, {})
        out.append(PipelineRow(stage=stage, label=str(Stage(stage).label),
                               clause=clauses.get(stage, ""), count=r.get("n", 0),
                               value=r.get("value") or ZERO, without_contract=r.get("without", 0)))
    return out


# -- engagements stuck longest in their stage -------------------------------------------


@dataclass
class StuckRow:
    engagement: Engagement
    days: int
    missing: list


def stuck(firm, *, today=None, limit=STUCK_ROWS) -> list[StuckRow]:
    """The active engagements that have been longest in their stage, with the
    requirements of that stage still unmet (one query per requirement, for all rows)."""
    today = today or timezone.localdate()
    engagements = list(
        Engagement.objects.filter(firm=firm, stage__in=list(FORWARD))
        .select_related("client", "lead_consultant").order_by("stage_entered_at", "pk")[:limit]
    )
    statuses = gates.statuses_for_many(engagements)
    return [
        StuckRow(engagement=e,
                 days=(today - timezone.localdate(e.stage_entered_at)).days,
                 missing=[r for r in statuses[e.pk] if not r.met])
        for e in engagements
    ]


# -- overdue items -------------------------------------------------------------------------


@dataclass
class OverdueVisit:
    engagement: Engagement
    number: int
    due: datetime.date
    days_late: int


def overdue_visits(firm, *, today=None, page=None) -> list[OverdueVisit] | Section:
    """9.2: engagements in follow-up whose next contracted visit is past its due date
    (with ``page``: that page of them, a :class:`Section`)."""
    today = today or timezone.localdate()
    # One query: what ``follow_up_summaries`` reads in four (the contract in force — the
    # latest signed version —, the hand-over day, the visits done), as columns of the rows.
    signed = Contract.objects.filter(status=Contract.Status.SIGNED)
    handed_over = (StageTransition.objects.filter(engagement_id=OuterRef("pk"),
                                                  to_stage=Stage.EVALUATION)
                   .order_by("-at").values("at")[:1])
    done = (FollowUpVisit.objects.filter(engagement_id=OuterRef("pk"),
                                         plan_needs_adjusting__isnull=False)
            .order_by().values("engagement_id").annotate(n=Count("pk")).values("n"))
    engagements = list(
        Engagement.objects.filter(firm=firm, stage=Stage.FOLLOW_UP)
        .annotate(guidance_days=signed.current_value("guidance_period_days"),
                  visits_contracted=signed.current_value("follow_up_visits"),
                  handed_over_at=Subquery(handed_over),
                  visits_done=Coalesce(Subquery(done), 0))
        .select_related("client").order_by("pk"))
    out = []
    for e in engagements:
        start = timezone.localdate(e.handed_over_at) if e.handed_over_at else None
        s = FollowUpSummary(handed_over_on=start, guidance_days=e.guidance_days,
                            visits_contracted=e.visits_contracted, visits_done=e.visits_done,
                            visit_due_dates=visit_schedule(start, e.guidance_days,
                                                           e.visits_contracted or 0))
        due = s.next_visit_due
        if due is not None and due < today:
            out.append(OverdueVisit(e, s.next_visit_number, due, (today - due).days))
    out.sort(key=lambda r: r.due)
    return out if page is None else section_of_list(out, page)


def overdue_complaint_steps(firm, *, today=None, page=None) -> list[Complaint] | Section:
    """9.4: open complaints whose current step is past its time limit (with ``page``: that
    page of them and their number, in one query)."""
    qs = overdue_complaints(firm, today).select_related("engagement").order_by("due_on", "pk")
    return list(qs) if page is None else section_of(qs, page)


@dataclass
class OverdueProgress:
    engagement: Engagement
    last_shared: datetime.datetime | None
    days: int


def overdue_progress_reports(firm, *, today=None, days=PROGRESS_REPORT_DAYS,
                             page=None) -> list[OverdueProgress] | Section:
    """8.4: engagements in the service stage with no progress report shared in the last
    ``days`` days (see PROGRESS_REPORT_DAYS), the longest silent first. One query (with
    ``page``: that page of them and their number)."""
    today = today or timezone.localdate()
    last = Subquery(ProgressReport.objects.filter(engagement_id=OuterRef("pk"),
                                                  shared_at__isnull=False)
                    .order_by("-shared_at").values("shared_at")[:1])
    # silent more than ``days`` days: the last sharing (or the stage's start) fell on a
    # day before ``today - days``, i.e. before that day's start in the firm's time zone
    cutoff = timezone.make_aware(datetime.datetime.combine(
        today - datetime.timedelta(days=days), datetime.time.min))
    qs = (Engagement.objects.filter(firm=firm, stage=Stage.DELIVERY)
          .annotate(last_shared=last, silent_since=Coalesce(F("last_shared"),
                                                            F("stage_entered_at")))
          .filter(silent_since__lt=cutoff).select_related("client")
          .order_by("silent_since", "pk"))

    def row(e):
        since = e.last_shared or e.stage_entered_at
        return OverdueProgress(e, e.last_shared, (today - timezone.localdate(since)).days)

    if page is None:
        return [row(e) for e in qs]
    section = section_of(qs, page)
    section.rows = [row(e) for e in section.rows]
    return section


# -- satisfaction trend --------------------------------------------------------------------


def quarter_start(day: datetime.date) -> datetime.date:
    return datetime.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def previous_quarter(start: datetime.date) -> datetime.date:
    return quarter_start(start - datetime.timedelta(days=1))


def last_quarters(today, n=TREND_QUARTERS) -> list[datetime.date]:
    starts = [quarter_start(today)]
    while len(starts) < n:
        starts.append(previous_quarter(starts[-1]))
    return starts[::-1]


def quarter_label(start: datetime.date) -> str:
    return f"{start.year} Q{(start.month - 1) // 3 + 1}"


@dataclass
class QuarterScore:
    start: datetime.date
    label: str
    average: Decimal | None
    answers: int


def satisfaction_trend(firm, *, today=None, quarters=TREND_QUARTERS) -> list[QuarterScore]:
    """9.5: the average answer to the overall satisfaction question (1–5) in each of the
    last ``quarters`` quarters, by the day the response was submitted. One query."""
    today = today or timezone.localdate()
    starts = last_quarters(today, quarters)
    rows = (SurveyAnswer.objects.filter(
        firm=firm, question__code=OVERALL_QUESTION, score__isnull=False,
        response__submitted_at__date__gte=starts[0])
        .annotate(quarter=TruncQuarter("response__submitted_at"))
        .values("quarter").order_by("quarter")
        .annotate(avg=Avg("score"), n=Count("pk")))
    by_quarter = {}
    for r in rows:
        q = r["quarter"]
        day = timezone.localdate(q) if isinstance(q, datetime.datetime) else q
        by_quarter[quarter_start(day)] = r
    out = []
    for start in starts:
        r = by_quarter.get(start)
        avg = Decimal(str(round(r["avg"], 2))) if r else None
        out.append(QuarterScore(start, quarter_label(start), avg, r["n"] if r else 0))
    return out


# -- complaints by state -------------------------------------------------------------------


def complaints_by_status(firm) -> list[tuple[str, str, int]]:
    """``[(status, label, count)]`` in the order of the handling process. One query."""
    counts = dict(Complaint.objects.filter(firm=firm).values("status").order_by("status")
                  .annotate(n=Count("pk")).values_list("status", "n"))
    return [(value, str(label), counts.get(value, 0)) for value, label in
            Complaint.Status.choices]


# -- qualifications --------------------------------------------------------------------------


def qualifications_due(firm, *, today=None, days=QUALIFICATION_WARNING_DAYS,
                       page=None) -> dict:
    """Certificates of active staff that expired, or expire within ``days`` days: the
    gates of 8.1.1 and 8.2.2 rely on them. ``{"expired": [...], "expiring": [...]}``
    (with ``page``: of that page, the expired first, and ``"section"``, the page; one
    query)."""
    today = today or timezone.localdate()
    qs = (Qualification.objects.filter(firm=firm, holder__is_active=True,
                                       valid_until__lte=today + datetime.timedelta(days=days))
          .select_related("holder").order_by("valid_until", "pk"))
    section = None
    if page is not None:
        section = section_of(qs, page)
        qs = section.rows
    out = {"expired": [], "expiring": []}
    for q in qs:
        q.days_left = (q.valid_until - today).days
        out["expired" if q.valid_until < today else "expiring"].append(q)
    if section is not None:
        out["section"] = section
    return out


def engagements_total(firm) -> dict:
    return Engagement.objects.filter(firm=firm).aggregate(
        total=Count("pk"), active=Count("pk", filter=Q(stage__in=ACTIVE)),
        last=Max("created_at"))
