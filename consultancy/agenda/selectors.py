"""What falls on which day: the calendar's items for a user (their engagements) or, for a
manager, the firm, between two dates. A fixed number of queries whatever the number of
engagements or items (one per kind of source)."""

import datetime
import hashlib
from dataclasses import dataclass

from django.db.models import CharField, F, Q, Value
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from consultancy.tenancy.rls import FirmLookup
from contracts.models import Contract, Deliverable, PaymentInstallment
from delivery.models import ConsultingPlan, PlanMilestone
from engagements.models import Engagement
from engagements.selectors import engagements_worked_on
from engagements.stages import Stage
from feedback.models import Complaint
from feedback.selectors import follow_up_summaries
from feedback.services import STEP_LABELS

from .models import CalendarFeed

#: The kinds of item, in the order a day lists them, with their legend.
KINDS = {
    "complaint": gettext_lazy("Complaint deadline"),
    "visit": gettext_lazy("Follow-up visit due"),
    "guidance": gettext_lazy("Guidance period ends"),
    "milestone": gettext_lazy("Plan milestone"),
    "deliverable": gettext_lazy("Deliverable due"),
    "installment": gettext_lazy("Payment due"),
    "contract": gettext_lazy("Contract date"),
}
ORDER = {kind: i for i, kind in enumerate(KINDS)}


@dataclass(frozen=True)
class Item:
    day: datetime.date
    kind: str
    title: str  # in the active language
    url: str
    key: str  # stable: the feed's UID

    @property
    def kind_label(self):
        return KINDS[self.kind]


def engagements_for(user, firm_wide=False):
    """A manager's firm-wide calendar: every engagement of the firm; anyone's own: the
    engagements they work on."""
    if firm_wide and user.is_manager:
        return Engagement.objects.filter(firm_id=user.firm_id)
    return engagements_worked_on(user)


def _label(e):
    return f"{e.number} {e.title}"


def items(user, start: datetime.date, end: datetime.date, *, firm_wide=False) -> list[Item]:
    """The items from ``start`` to ``end`` (both included), by day and kind."""
    firm_wide = firm_wide and user.is_manager
    engagements = engagements_for(user, firm_wide)
    found: list[Item] = []
    found += _follow_up(engagements, start, end)
    found += _complaints(user, engagements, start, end, firm_wide)
    found += _milestones(engagements, start, end)
    found += _contracts(engagements, start, end)
    found.sort(key=lambda i: (i.day, ORDER[i.kind], i.title))
    return found


def _follow_up(engagements, start, end):
    active = list(engagements.filter(stage__in=[Stage.EVALUATION, Stage.FOLLOW_UP]))
    summaries = follow_up_summaries(active)
    for e in active:
        s = summaries[e.pk]
        url = reverse("feedback:follow_up", args=[e.pk])
        for n, due in enumerate(s.visit_due_dates, start=1):
            if n > s.visits_done and start <= due <= end:
                yield Item(due, "visit", _("Follow-up visit %(n)s of %(of)s: %(engagement)s")
                           % {"n": n, "of": s.visits_contracted, "engagement": _label(e)},
                           url, f"visit-{e.pk}-{n}")
        ends = s.guidance_ends_on
        if ends is not None and start <= ends <= end:
            yield Item(ends, "guidance", _("Guidance period ends: %(engagement)s")
                       % {"engagement": _label(e)}, url, f"guidance-{e.pk}")


def _complaints(user, engagements, start, end, firm_wide):
    qs = Complaint.objects.filter(firm_id=user.firm_id, status__in=list(Complaint.NEXT_STEP),
                                  due_on__range=(start, end))
    if not firm_wide:
        qs = qs.filter(engagement__in=engagements)
    for c in qs:
        yield Item(c.due_on, "complaint", _("Complaint %(number)s: “%(step)s” due")
                   % {"number": c.number, "step": STEP_LABELS[c.next_step]},
                   reverse("feedback:complaint_detail", args=[c.pk]),
                   f"complaint-{c.pk}-{c.status}")


def _signed_contracts(engagements):
    return (Contract.objects.filter(engagement__in=engagements, status=Contract.Status.SIGNED)
            .newest())


def _milestones(engagements, start, end):
    plans = ConsultingPlan.objects.filter(engagement__in=engagements).newest()
    for m in (PlanMilestone.objects.filter(plan__in=plans, due_date__range=(start, end))
              .select_related("plan__engagement")):
        e = m.plan.engagement
        yield Item(m.due_date, "milestone", _("%(milestone)s: %(engagement)s")
                   % {"milestone": m.title, "engagement": _label(e)},
                   reverse("delivery:plan", args=[e.pk]), f"milestone-{m.pk}")


def _contracts(engagements, start, end):
    signed = _signed_contracts(engagements)
    for c in (signed.filter(Q(start_date__range=(start, end)) | Q(end_date__range=(start, end)))
              .select_related("engagement")):
        e, url = c.engagement, reverse("contracts:contract", args=[c.engagement_id])
        if c.start_date and start <= c.start_date <= end:
            yield Item(c.start_date, "contract", _("Contract starts: %(engagement)s")
                       % {"engagement": _label(e)}, url, f"contract-start-{e.pk}")
        if c.end_date and start <= c.end_date <= end:
            yield Item(c.end_date, "contract", _("Contract ends: %(engagement)s")
                       % {"engagement": _label(e)}, url, f"contract-end-{e.pk}")
    # the deliverables and the payments of the contracts in force: one query for both
    signed_ids = signed.values("pk")
    fields = ("due_date", "pk", "contract__engagement_id", "contract__engagement__number",
              "contract__engagement__title")
    deliverables = (Deliverable.objects.filter(contract__in=signed_ids,
                                               due_date__range=(start, end))
                    .order_by().annotate(kind=Value("deliverable", output_field=CharField()), what=F("title"))
                    .values_list(*fields, "kind", "what"))
    payments = (PaymentInstallment.objects.filter(contract__in=signed_ids,
                                                  due_date__range=(start, end))
                .order_by().annotate(kind=Value("installment", output_field=CharField()), what=F("description"))
                .values_list(*fields, "kind", "what"))
    for day, pk, engagement_id, number, title, kind, what in deliverables.union(payments,
                                                                               all=True):
        engagement = f"{number} {title}"
        if kind == "deliverable":
            yield Item(day, kind, _("%(deliverable)s due: %(engagement)s")
                       % {"deliverable": what, "engagement": engagement},
                       reverse("delivery:documents", args=[engagement_id]), f"deliverable-{pk}")
        else:
            yield Item(day, kind, _("Payment due (%(what)s): %(engagement)s")
                       % {"what": what, "engagement": engagement},
                       reverse("contracts:contract", args=[engagement_id]), f"installment-{pk}")


# -- the private feed ---------------------------------------------------------------------


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


#: The feed is read without a log-in, before the firm is known: the narrow ``SECURITY
#: DEFINER`` function of this app's migration 0002 gives the firm and id of the one feed
#: with the token's hash (row-level security, ``consultancy.tenancy.rls``).
FEED_BY_TOKEN = FirmLookup("agenda_calendar_feed_by_token", "agenda", "calendarfeed",
                           "token_hash")


def find_feed(token) -> tuple[int, int] | None:
    """``(firm_id, feed_id)`` of the feed with this token, or ``None``."""
    if not isinstance(token, str) or not 20 <= len(token) <= 100:
        return None
    return FEED_BY_TOKEN.first(token_hash(token))


def active_feed(user):
    return CalendarFeed.objects.filter(firm_id=user.firm_id, user=user,
                                       revoked_at__isnull=True).first()
