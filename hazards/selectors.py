"""Read queries of hidden dangers: the ledger (with its filters), the statistics, the
open items of the day. Each is a fixed number of queries, whatever the number of rows."""

from django.db.models import Count, Prefetch, Q
from django.utils import timezone

from .models import (
    AWAITING_CLIENT,
    CLIENT_VISIBLE,
    OPEN,
    Category,
    Grade,
    HiddenDanger,
    HiddenDangerPhoto,
    State,
)

FILTERS = ("state", "grade", "category", "overdue", "unit", "location")


def ledger(engagement, filters=None):
    """The engagement's hidden dangers (the ledger 隐患台账), newest first, with their
    criterion, recorder and photos; ``filters``: state, grade, category, overdue ("1"),
    unit (the pk of one of the register's units), location (a part of the place's text)."""
    filters = filters or {}
    qs = (HiddenDanger.objects.filter(engagement=engagement)
          .select_related("unit", "criterion", "created_by", "verified_by", "acknowledged_by",
                          "submitted_by")
          .prefetch_related(Prefetch("photos", queryset=HiddenDangerPhoto.objects.order_by("pk")))
          .order_by("-seq"))
    return apply_filters(qs, filters)


def apply_filters(qs, filters):
    state = filters.get("state")
    if state in State.values:
        qs = qs.filter(state=state)
    elif state == "open":
        qs = qs.filter(state__in=OPEN)
    if filters.get("grade") in Grade.values:
        qs = qs.filter(grade=filters["grade"])
    if filters.get("category") in Category.values:
        qs = qs.filter(category=filters["category"])
    if filters.get("overdue") == "1":
        qs = qs.filter(state__in=AWAITING_CLIENT, deadline__lt=timezone.localdate())
    unit = str(filters.get("unit") or "")
    if unit.isdigit():
        qs = qs.filter(unit_id=int(unit))
    location = (filters.get("location") or "").strip()[:100]
    if location:
        qs = qs.filter(Q(location__icontains=location) | Q(unit__name__icontains=location))
    return qs


def client_ledger(engagement):
    """What the client sees in the portal: the hidden dangers notified to them."""
    return (HiddenDanger.objects.filter(engagement=engagement, state__in=CLIENT_VISIBLE)
            .select_related("criterion", "unit")
            .prefetch_related(Prefetch("photos", queryset=HiddenDangerPhoto.objects.order_by("pk")))
            .order_by("-seq"))


def stats(engagement) -> dict:
    """Found, closed, open, overdue by grade and category, and the rectification rate
    (closed out of those found, refused ones counted as found and not rectified). One
    query."""
    today = timezone.localdate()
    overdue = Q(state__in=AWAITING_CLIENT, deadline__lt=today)
    rows = (HiddenDanger.objects.filter(engagement=engagement)
            .values("grade", "category")
            .annotate(found=Count("pk"), closed=Count("pk", filter=Q(state=State.CLOSED)),
                      open=Count("pk", filter=Q(state__in=OPEN)),
                      refused=Count("pk", filter=Q(state=State.REFUSED)),
                      overdue=Count("pk", filter=overdue)))
    zero = {"found": 0, "closed": 0, "open": 0, "refused": 0, "overdue": 0}
    by_grade = {g: dict(zero) for g in Grade.values}
    by_category = {c: dict(zero) for c in Category.values}
    total = dict(zero)
    for row in rows:
        for key in zero:
            by_grade[row["grade"]][key] += row[key]
            by_category[row["category"]][key] += row[key]
            total[key] += row[key]
    return {
        "total": total,
        "by_grade": [{"value": g, "label": Grade(g).label, **by_grade[g]} for g in Grade.values],
        "by_category": [{"value": c, "label": Category(c).label, **by_category[c]}
                        for c in Category.values],
        "rate": rate(total["closed"], total["found"]),
        "major_open": by_grade[Grade.MAJOR]["open"],
    }


def rate(closed, found):
    """The rectification rate in percent (None when nothing was found)."""
    if not found:
        return None
    return round(100 * closed / found, 1)


def todays_open(user, day=None):
    """The open hidden dangers of the engagements this staff member sees, per site (the
    client), for the day on site: overdue and major ones first."""
    from engagements.selectors import engagements_visible_to

    day = day or timezone.localdate()
    return (HiddenDanger.objects
            .filter(engagement__in=engagements_visible_to(user), state__in=OPEN)
            .select_related("engagement", "engagement__client", "unit")
            .order_by("engagement__client__name", "-grade", "deadline", "pk"))


def client_hazards(user, client, limit=20) -> dict:
    """The hidden dangers of a client across the engagements ``user`` sees: the counts,
    the rectification rate and the open ones (overdue and major first). Three queries."""
    from engagements.selectors import engagements_visible_to

    today = timezone.localdate()
    qs = HiddenDanger.objects.filter(engagement__in=engagements_visible_to(user)
                                     .filter(client=client))
    counts = qs.aggregate(
        found=Count("pk"), closed=Count("pk", filter=Q(state=State.CLOSED)),
        open=Count("pk", filter=Q(state__in=OPEN)),
        major_open=Count("pk", filter=Q(state__in=OPEN, grade=Grade.MAJOR)),
        overdue=Count("pk", filter=Q(state__in=AWAITING_CLIENT, deadline__lt=today)))
    open_ones = list(qs.filter(state__in=OPEN).select_related("engagement", "unit")
                     .order_by("-grade", "deadline", "pk")[:limit])
    return {"counts": counts, "rate": rate(counts["closed"], counts["found"]),
            "open": open_ones, "today": today}
