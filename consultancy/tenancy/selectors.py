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
