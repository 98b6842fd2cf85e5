from django.db.models import QuerySet

from .models import Qualification, User


def firm_staff(*, firm) -> QuerySet[User]:
    """The firm's managers and consultants, active ones only."""
    return User.objects.filter(
        firm=firm, is_active=True, role__in=[User.Role.MANAGER, User.Role.CONSULTANT]
    ).order_by("full_name")


def qualifications_valid_on(*, firm, date, kind=None) -> QuerySet[Qualification]:
    qs = Qualification.objects.filter(firm=firm, valid_from__lte=date, valid_until__gte=date)
    if kind:
        qs = qs.filter(kind=kind)
    return qs


def own_certificates_due(*, user, today, days=60) -> list[Qualification]:
    """The user's certificates that have expired or expire within ``days`` days, each the
    newest of its kind and specialty (a renewed certificate retires the old one's warning),
    with ``days_left`` set (negative: expired). One query."""
    newest = {}
    for q in Qualification.objects.filter(firm_id=user.firm_id, holder=user).order_by(
            "kind", "specialty", "-valid_until", "-pk"):
        newest.setdefault((q.kind, q.specialty), q)
    due = []
    for q in newest.values():
        q.days_left = (q.valid_until - today).days
        if q.days_left <= days:
            due.append(q)
    return sorted(due, key=lambda q: q.valid_until)
