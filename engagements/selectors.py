"""Read queries the engagement views share."""

from collections.abc import Callable

from django.db.models import Exists, OuterRef, Q, QuerySet

from .models import Engagement

# Who sees an engagement besides managers (who see all of their firm's). Later apps add
# their rules here (the working group of 8.2 widens it), without engagements importing them.
_visibility_rules: list[Callable] = []


def register_visibility(rule: Callable) -> None:
    """``rule(user) -> Q`` on Engagement: engagements this staff member may see."""
    _visibility_rules.append(rule)


def _lead_or_assigned(user) -> Q:
    assigned = Engagement.consultants.through.objects.filter(
        engagement_id=OuterRef("pk"), user_id=user.pk
    )
    return Q(lead_consultant_id=user.pk) | Q(Exists(assigned))


register_visibility(_lead_or_assigned)


def engagements_visible_to(user) -> QuerySet[Engagement]:
    """Managers: all of their firm's engagements. Consultants: those they lead or are on."""
    if not user.is_authenticated or not user.is_firm_staff:
        return Engagement.objects.none()
    qs = Engagement.objects.filter(firm_id=user.firm_id)
    if user.is_manager:
        return qs
    visible = Q()
    for rule in _visibility_rules:
        visible |= rule(user)
    return qs.filter(visible)


def engagement_list(*, user, filters=None) -> QuerySet[Engagement]:
    return (
        engagements_visible_to(user)
        .select_related("client", "lead_consultant")
        .order_by("-created_at", "-pk")
    )
