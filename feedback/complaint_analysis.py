"""The analysis of complaints for continual improvement (9.4; GB/T 17242-2025 《投诉处理
规范》, like ISO 10002, asks the provider to analyse and evaluate its complaints, find
recurring causes and check that the handling keeps its promises).

Pure reads, for a period: the complaints **received** in it (local dates, both days
included), counted by period (month or quarter), cause, severity and channel, the
safety-related ones, the time taken to acknowledge and to answer in writing against the
limits each complaint is held to (working days by China's calendar when its limits count
working days), the ones overdue now or handled late, the escalated ones, their corrective
and preventive actions (open, done, verified, overdue), and the complainants' rating of
the handling (their latest reply in the portal).

Five queries whatever the number of complaints: the complaints with their cause and
engagement, their actions, their replies, the firm's causes, the calendar (read a year at
a time and kept). The same figures feed the page, the CSV and the PDF
(:func:`analysis_pdf_spec`); the charts are SVG from :mod:`consultancy.documents.charts`.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from consultancy.documents import charts
from consultancy.documents.registry import PdfSpec
from consultancy.workdays.calendar import working_days_between

from .models import Complaint, ComplaintAction, ComplaintCause, ComplaintReply, ComplaintReport
from .statistics import QUARTER, period_label, period_short, period_start, period_starts

NO_CAUSE = "none"
SEVERITY_COLOURS = {"critical": "#dc3545", "high": "#fd7e14", "medium": "#ffc107",
                    "low": "#0d6efd", "": "#adb5bd"}


@dataclass
class Group:
    """The complaints of one period, cause, severity or channel."""

    key: object
    label: str
    count: int = 0
    safety: int = 0
    open: int = 0
    late: int = 0


@dataclass
class Row:
    """One complaint as the analysis sees it."""

    complaint: Complaint
    acknowledge_days: int | None = None  # taken, from the receipt
    answer_days: int | None = None
    acknowledged_in_time: bool | None = None
    answered_in_time: bool | None = None
    overdue_now: bool = False
    late: bool = False  # a step taken after its limit, or one overdue now
    actions: int = 0
    actions_done: int = 0
    actions_verified: int = 0
    actions_overdue: int = 0
    accepted: bool | None = None
    rating: int | None = None

    @property
    def escalated(self) -> bool:
        return self.complaint.escalated_on is not None or (
            self.complaint.status == Complaint.Status.ESCALATED)


@dataclass
class Timing:
    """Time taken by one step against its limits."""

    taken: int = 0  # complaints that took the step
    on_time: int = 0
    days_sum: int = 0
    limit_sum: int = 0
    pending_overdue: int = 0  # not taken yet, and past its due date today

    @property
    def late(self) -> int:
        return self.taken - self.on_time

    @property
    def on_time_rate(self) -> float | None:
        return round(100 * self.on_time / self.taken, 1) if self.taken else None

    @property
    def mean_days(self) -> float | None:
        return round(self.days_sum / self.taken, 1) if self.taken else None

    @property
    def mean_limit(self) -> float | None:
        return round(self.limit_sum / self.taken, 1) if self.taken else None


@dataclass
class Analysis:
    date_from: datetime.date
    date_to: datetime.date
    group_by: str
    today: datetime.date
    rows: list[Row]
    periods: list[Group]
    causes: list[Group]
    severities: list[Group]
    channels: list[Group]
    acknowledge: Timing
    answer: Timing
    ratings: list[int] = field(default_factory=lambda: [0] * 5)
    replies: int = 0
    accepted: int = 0

    @property
    def total(self) -> int:
        return len(self.rows)

    @property
    def safety(self) -> int:
        return sum(r.complaint.safety_related for r in self.rows)

    @property
    def open(self) -> int:
        return sum(r.complaint.is_open for r in self.rows)

    @property
    def closed(self) -> int:
        return self.total - self.open

    @property
    def escalated(self) -> int:
        return sum(r.escalated for r in self.rows)

    @property
    def overdue_now(self) -> int:
        return sum(r.overdue_now for r in self.rows)

    @property
    def late(self) -> int:
        return sum(r.late for r in self.rows)

    @property
    def safety_rows(self) -> list[Row]:
        return [r for r in self.rows if r.complaint.safety_related]

    @property
    def actions(self) -> int:
        return sum(r.actions for r in self.rows)

    @property
    def actions_done(self) -> int:
        return sum(r.actions_done for r in self.rows)

    @property
    def actions_open(self) -> int:
        return self.actions - self.actions_done

    @property
    def actions_verified(self) -> int:
        return sum(r.actions_verified for r in self.rows)

    @property
    def actions_overdue(self) -> int:
        return sum(r.actions_overdue for r in self.rows)

    @property
    def rated(self) -> int:
        return sum(self.ratings)

    @property
    def mean_rating(self) -> float | None:
        if not self.rated:
            return None
        return round(sum((i + 1) * n for i, n in enumerate(self.ratings)) / self.rated, 2)

    @property
    def acceptance_rate(self) -> float | None:
        return round(100 * self.accepted / self.replies, 1) if self.replies else None


def complaints_in(firm, date_from, date_to):
    """The firm's complaints received in the period, oldest first."""
    return (Complaint.objects.filter(firm=firm, received_on__gte=date_from,
                                     received_on__lte=date_to)
            .select_related("cause", "engagement__client", "contact__client", "limits_contract")
            .order_by("received_on", "pk"))


def _days(start, end, working) -> int:
    if working:
        return working_days_between(start, end)
    return (end - start).days


def _row(complaint, today) -> Row:
    row = Row(complaint=complaint)
    working = complaint.limits_working_days
    if complaint.acknowledged_on is not None:
        row.acknowledge_days = _days(complaint.received_on, complaint.acknowledged_on, working)
        row.acknowledged_in_time = complaint.acknowledged_in_time
    if complaint.first_responded_on is not None:
        row.answer_days = _days(complaint.received_on, complaint.first_responded_on, working)
        row.answered_in_time = complaint.answered_in_time
    row.overdue_now = complaint.is_overdue_on(today)
    row.late = (row.overdue_now or row.acknowledged_in_time is False
                or row.answered_in_time is False)
    return row


def _timing(rows, today, taken_field, days_attr, in_time_attr, due_field, limit_field):
    timing = Timing()
    for row in rows:
        c = row.complaint
        if getattr(c, taken_field) is not None:
            timing.taken += 1
            timing.days_sum += getattr(row, days_attr) or 0
            timing.limit_sum += getattr(c, limit_field) or 0
            timing.on_time += bool(getattr(row, in_time_attr))
        elif c.is_open and c.status != Complaint.Status.ESCALATED:
            due = getattr(c, due_field)
            if due is not None and today > due:
                timing.pending_overdue += 1
    return timing


def _group(rows, key_of, labels, keys=None) -> list[Group]:
    groups: dict = {}
    for key in keys or []:
        groups[key] = Group(key=key, label=str(labels.get(key, key)))
    for row in rows:
        key = key_of(row)
        group = groups.get(key)
        if group is None:
            group = groups[key] = Group(key=key, label=str(labels.get(key, key)))
        group.count += 1
        group.safety += row.complaint.safety_related
        group.open += row.complaint.is_open
        group.late += row.late
    return list(groups.values())


def compute(firm, date_from, date_to, group_by="month", today=None) -> Analysis:
    """Every figure of the analysis for ``firm`` and the period."""
    today = today or timezone.localdate()
    complaints = list(complaints_in(firm, date_from, date_to))
    rows = [_row(c, today) for c in complaints]
    by_pk = {r.complaint.pk: r for r in rows}
    # the actions (one query)
    for action in (ComplaintAction.objects
                   .filter(firm=firm, complaint__received_on__gte=date_from,
                           complaint__received_on__lte=date_to)
                   .values("complaint_id", "due_on", "done_on", "verified_on")):
        row = by_pk.get(action["complaint_id"])
        if row is None:
            continue
        row.actions += 1
        row.actions_done += action["done_on"] is not None
        row.actions_verified += action["verified_on"] is not None
        row.actions_overdue += action["done_on"] is None and today > action["due_on"]
    # the complainants' replies: the latest one of each complaint counts (one query)
    latest = {}
    for reply in (ComplaintReply.objects
                  .filter(firm=firm, complaint__received_on__gte=date_from,
                          complaint__received_on__lte=date_to)
                  .order_by("complaint_id", "at", "pk")
                  .values("complaint_id", "accepts", "handling_rating")):
        latest[reply["complaint_id"]] = reply
    analysis_ratings, replies, accepted = [0] * 5, 0, 0
    for complaint_id, reply in latest.items():
        row = by_pk.get(complaint_id)
        if row is None:
            continue
        row.accepted, row.rating = reply["accepts"], reply["handling_rating"]
        replies += 1
        accepted += bool(reply["accepts"])
        analysis_ratings[reply["handling_rating"] - 1] += 1
    # the groups
    starts = period_starts(date_from, date_to, group_by)
    periods = _group(rows, lambda r: period_start(r.complaint.received_on, group_by),
                     {s: period_label(s, group_by) for s in starts}, keys=starts)
    causes_all = list(ComplaintCause.objects.filter(firm=firm).order_by("order", "pk"))
    cause_labels = {c.pk: c.label for c in causes_all}
    cause_labels[NO_CAUSE] = _("Not assessed yet")
    causes = _group(rows, lambda r: r.complaint.cause_id or NO_CAUSE, cause_labels,
                    keys=[c.pk for c in causes_all if c.is_active])
    severity_labels = {**dict(Complaint.Severity.choices), "": _("Not assessed yet")}
    severities = _group(rows, lambda r: r.complaint.severity, severity_labels,
                        keys=[value for value, _label in reversed(Complaint.Severity.choices)])
    channels = _group(rows, lambda r: r.complaint.channel, dict(Complaint.Channel.choices))
    channels.sort(key=lambda g: -g.count)
    return Analysis(
        date_from=date_from, date_to=date_to, group_by=group_by, today=today, rows=rows,
        periods=periods, causes=causes, severities=severities, channels=channels,
        acknowledge=_timing(rows, today, "acknowledged_on", "acknowledge_days",
                            "acknowledged_in_time", "acknowledge_due_on",
                            "acknowledge_limit_days"),
        answer=_timing(rows, today, "first_responded_on", "answer_days", "answered_in_time",
                       "respond_due_on", "respond_limit_days"),
        ratings=analysis_ratings, replies=replies, accepted=accepted,
    )


# -- charts ---------------------------------------------------------------------------


def chart_titles():
    """The chart titles in the current language (the page)."""
    return {
        "periods": _("Complaints received per period"),
        "causes": _("Complaints by cause"),
        "severities": _("Complaints by severity"),
        "timing": _("Days taken against the limits (mean)"),
        "ratings": _("Rating of the handling (1–5)"),
        "empty": _("No complaints in this period"),
        "acknowledge_taken": _("Acknowledged: days taken"),
        "acknowledge_limit": _("Acknowledged: limit"),
        "answer_taken": _("Answered: days taken"),
        "answer_limit": _("Answered: limit"),
    }


PDF_TITLES = {
    "periods": "各期收到的投诉数",
    "causes": "按原因分类的投诉数",
    "severities": "按严重程度的投诉数",
    "timing": "确认受理与书面答复的平均用时（与时限对比）",
    "ratings": "投诉处理评价（1–5 分）",
    "empty": "本期无投诉",
    "acknowledge_taken": "确认受理：实际用时",
    "acknowledge_limit": "确认受理：时限",
    "answer_taken": "书面答复：实际用时",
    "answer_limit": "书面答复：时限",
}


def build_charts(analysis: Analysis, titles=None, width=560) -> dict:
    """The SVG charts (safe strings) of the analysis."""
    t = titles or chart_titles()
    empty = t["empty"]
    has_rows = bool(analysis.rows)
    periods = [charts.Bar(label=period_short(p.key, analysis.group_by), value=p.count)
               for p in analysis.periods] if has_rows else []
    timing = [
        charts.Bar(t["acknowledge_taken"], analysis.acknowledge.mean_days, "#0d6efd"),
        charts.Bar(t["acknowledge_limit"], analysis.acknowledge.mean_limit, "#adb5bd"),
        charts.Bar(t["answer_taken"], analysis.answer.mean_days, "#198754"),
        charts.Bar(t["answer_limit"], analysis.answer.mean_limit, "#adb5bd"),
    ] if analysis.acknowledge.taken or analysis.answer.taken else []
    return {
        "periods": mark_safe(charts.bar_chart(
            periods, title=t["periods"], width=max(width, 40 * len(periods)),
            empty_text=empty)),
        "causes": mark_safe(charts.hbar_chart(
            [charts.Bar(g.label, g.count, note=f"({g.safety})" if g.safety else "")
             for g in analysis.causes if g.count], title=t["causes"], width=width,
            empty_text=empty)),
        "severities": mark_safe(charts.bar_chart(
            [charts.Bar(g.label, g.count, SEVERITY_COLOURS.get(g.key))
             for g in analysis.severities] if has_rows else [],
            title=t["severities"], width=width, empty_text=empty)),
        "timing": mark_safe(charts.hbar_chart(timing, title=t["timing"], width=width,
                                              label_width=190, empty_text=empty)),
        "ratings": mark_safe(charts.bar_chart(
            [charts.Bar(str(i + 1), n) for i, n in enumerate(analysis.ratings)]
            if analysis.rated else [], title=t["ratings"], width=width, empty_text=empty)),
    }


# -- the CSV rows ---------------------------------------------------------------------


def csv_header() -> list[str]:
    return [
        _("Number"), _("Received on"), _("Received through"), _("Engagement"), _("Client"),
        _("Complainant"), _("Safety-related"), _("Severity"), _("Cause"), _("Status"),
        _("Limits promised by"), _("Working days"), _("Acknowledge within"),
        _("Acknowledged on"), _("Days to acknowledge"), _("Acknowledged in time"),
        _("Answer within"), _("First written answer on"), _("Days to answer"),
        _("Answered in time"), _("Overdue now"), _("Escalated"), _("Closed on"),
        _("Actions"), _("Actions done"), _("Actions verified"), _("Accepts the answer"),
        _("Rating of the handling"),
    ]


def _yes_no(value):
    if value is None:
        return ""
    return _("yes") if value else _("no")


def csv_values(row: Row) -> list:
    c = row.complaint
    client = (c.engagement.client.name if c.engagement_id else
              (c.contact.client.name if c.contact_id else ""))
    return [
        c.number, c.received_on.isoformat(), c.get_channel_display(),
        c.engagement.number if c.engagement_id else "", client, c.complainant_name,
        _yes_no(c.safety_related), c.get_severity_display(), c.cause.label if c.cause_id else "",
        c.get_status_display(),
        c.limits_contract.number if c.limits_contract_id else _("firm settings"),
        _yes_no(c.limits_working_days), c.acknowledge_limit_days or "",
        c.acknowledged_on.isoformat() if c.acknowledged_on else "",
        "" if row.acknowledge_days is None else row.acknowledge_days,
        _yes_no(row.acknowledged_in_time), c.respond_limit_days or "",
        c.first_responded_on.isoformat() if c.first_responded_on else "",
        "" if row.answer_days is None else row.answer_days, _yes_no(row.answered_in_time),
        _yes_no(row.overdue_now), _yes_no(row.escalated),
        c.closed_on.isoformat() if c.closed_on else "", row.actions, row.actions_done,
        row.actions_verified, _yes_no(row.accepted), row.rating or "",
    ]


# -- the PDF --------------------------------------------------------------------------

PDF_TITLE = "投诉分析报告"


def analysis_pdf_spec(report: ComplaintReport) -> PdfSpec:
    """The builder of the ``complaint_analysis`` PDF: the figures of the report's period
    as they are when it renders, with every complaint of the period."""
    analysis = compute(report.firm, report.period_from, report.period_to, report.group_by)
    return PdfSpec(
        template_name="pdf/complaint_analysis.html",
        context={
            "report": report,
            "analysis": analysis,
            "charts": build_charts(analysis, PDF_TITLES, width=560),
            "titles": PDF_TITLES,
            "title": PDF_TITLE,
            "by_quarter": report.group_by == QUARTER,
            "doc_number": f"TSFX-{report.period_from:%Y%m%d}-{report.period_to:%Y%m%d}",
            "generated_on": timezone.localdate(),
        },
        filename=f"投诉分析-{report.period_from:%Y%m%d}-{report.period_to:%Y%m%d}.pdf",
    )


def report_access(user, report) -> bool:
    """Only the managers of the report's firm see the complaint analysis PDF."""
    return bool(getattr(user, "is_authenticated", False) and user.is_manager
                and user.firm_id == report.firm_id)

