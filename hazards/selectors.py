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


# -- statistics by period and by consultant ------------------------------------------

GRANULARITIES = ("month", "quarter")


def period_key(day, granularity) -> str:
    """The period a day falls in: ``2026-11`` (a month) or ``2026-Q4`` (a quarter)."""
    if granularity == "quarter":
        return f"{day.year}-Q{(day.month - 1) // 3 + 1}"
    return f"{day.year}-{day.month:02d}"


def period_bounds(key: str):
    """The first day and the day after the last of a period key (None if not one)."""
    import datetime

    try:
        year, rest = key.split("-", 1)
        year = int(year)
        if rest.startswith("Q"):
            quarter = int(rest[1:])
            if not 1 <= quarter <= 4:
                return None
            start = datetime.date(year, 3 * quarter - 2, 1)
            months = 3
        else:
            start = datetime.date(year, int(rest), 1)
            months = 1
    except (ValueError, TypeError):
        return None
    month = start.month - 1 + months
    return start, datetime.date(start.year + month // 12, month % 12 + 1, 1)


def median(values):
    values = sorted(values)
    if not values:
        return None
    middle = len(values) // 2
    if len(values) % 2:
        return values[middle]
    return (values[middle - 1] + values[middle]) / 2


def statistics(qs, *, granularity="month", period="", by_consultant=True, today=None) -> dict:
    """The figures of the hidden dangers in ``qs``: found, rectified (verified and
    closed), open, overdue by grade and by category, the rectification rate, the median
    days from found to rectified; then the same per period found (month or quarter) and
    per consultant who found them. ``period`` (``2026-11`` / ``2026-Q4``) keeps only the
    ones found in it. Two queries (three with the consultants' names), whatever the
    number of rows."""
    from django.db.models.functions import TruncMonth, TruncQuarter

    from consultancy.tenancy.models import User

    today = today or timezone.localdate()
    granularity = granularity if granularity in GRANULARITIES else "month"
    bounds = period_bounds(period) if period else None
    if bounds:
        qs = qs.filter(found_on__gte=bounds[0], found_on__lt=bounds[1])
    else:
        period = ""
    overdue = Q(state__in=AWAITING_CLIENT, deadline__lt=today)
    counts = {"found": Count("pk"), "closed": Count("pk", filter=Q(state=State.CLOSED)),
              "open": Count("pk", filter=Q(state__in=OPEN)),
              "refused": Count("pk", filter=Q(state=State.REFUSED)),
              "overdue": Count("pk", filter=overdue),
              "major": Count("pk", filter=Q(grade=Grade.MAJOR))}
    zero = dict.fromkeys(counts, 0)
    trunc = TruncQuarter if granularity == "quarter" else TruncMonth
    by_grade = {g: dict(zero) for g in Grade.values}
    by_category = {c: dict(zero) for c in Category.values}
    total = dict(zero)
    # 1. one grouped query: grade × category × period found × consultant
    periods, people = {}, {}
    for row in (qs.order_by().annotate(p=trunc("found_on"))
                .values("grade", "category", "p", "created_by_id").annotate(**counts)):
        key = period_key(row["p"], granularity)
        periods.setdefault(key, {**zero, "days": []})
        people.setdefault(row["created_by_id"], {**zero, "days": []})
        for slot in (by_grade[row["grade"]], by_category[row["category"]], total,
                     periods[key], people[row["created_by_id"]]):
            for k in zero:
                slot[k] += row[k]
    # 2. the days to rectify, of the closed ones
    all_days = []
    closed = (qs.filter(state=State.CLOSED, rectified_on__isnull=False).order_by()
              .values_list("found_on", "rectified_on", "created_by_id")
              if total["closed"] else [])
    for found_on, rectified_on, by_id in closed:
        days = max((rectified_on - found_on).days, 0)
        all_days.append(days)
        periods[period_key(found_on, granularity)]["days"].append(days)
        people[by_id]["days"].append(days)

    def finish(slot):
        days = slot.pop("days")
        return {**slot, "rate": rate(slot["closed"], slot["found"]), "median_days": median(days)}

    consultants = []
    if by_consultant and people:
        # 3. the consultants' names
        names = {u.pk: u for u in User.objects.filter(pk__in=list(people))}
        consultants = sorted(
            ({"user": names.get(pk), "user_id": pk, **finish(slot)}
             for pk, slot in people.items()),
            key=lambda row: (-row["found"], str(row["user"] or "")))
    return {
        "total": total,
        "by_grade": [{"value": g, "label": Grade(g).label, **by_grade[g]} for g in Grade.values],
        "by_category": [{"value": c, "label": Category(c).label, **by_category[c]}
                        for c in Category.values],
        "rate": rate(total["closed"], total["found"]),
        "median_days": median(all_days),
        "major_open": by_grade[Grade.MAJOR]["open"],
        "granularity": granularity,
        "period": period,
        "periods": [{"key": key, **finish(periods[key])} for key in sorted(periods, reverse=True)],
        "consultants": consultants,
    }


def engagement_statistics(engagement, **options) -> dict:
    """The engagement's figures (its page and its ledger)."""
    return statistics(HiddenDanger.objects.filter(engagement=engagement), **options)


def client_statistics(engagements, **options) -> dict:
    """What the client's portal home shows: the hidden dangers notified to the client, on
    the engagements its contact follows (without the consultants' breakdown)."""
    options.setdefault("by_consultant", False)
    return statistics(HiddenDanger.objects.filter(engagement__in=engagements,
                                                  state__in=CLIENT_VISIBLE), **options)


def statistics_options(request) -> dict:
    """The period filter of the figures, from the query string (``hazard_by``: month or
    quarter; ``hazard_period``: one of them, e.g. ``2026-11`` or ``2026-Q4``)."""
    return {"granularity": request.GET.get("hazard_by", "month")[:10],
            "period": request.GET.get("hazard_period", "")[:10]}


def firm_statistics(user, **options) -> dict:
    """The manager's dashboard: the hidden dangers of the engagements ``user`` sees."""
    from engagements.selectors import engagements_visible_to

    return statistics(HiddenDanger.objects.filter(engagement__in=engagements_visible_to(user)),
                      **options)
