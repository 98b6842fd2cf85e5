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


def engagements_worked_on(user) -> QuerySet[Engagement]:
    """The engagements the user works on (leads, is assigned to, or another app's rule
    such as the working group), whatever their role: a manager's own, too."""
    if not user.is_authenticated or not user.is_firm_staff:
        return Engagement.objects.none()
    visible = Q()
    for rule in _visibility_rules:
        visible |= rule(user)
    return Engagement.objects.filter(firm_id=user.firm_id).filter(visible)


def engagement_list(*, user, filters=None) -> QuerySet[Engagement]:
    return (
        engagements_visible_to(user)
        .select_related("client", "lead_consultant")
        .order_by("-created_at", "-pk")
    )


# The value of an engagement in CNY: its contract's fee. Contracts sits above engagements
# and registers the expression (``contracts.apps``); without it the value is unknown.
_value_expression: list[Callable] = []


def register_value(expression: Callable) -> None:
    """``expression()`` -> an expression on Engagement giving its value (a Subquery)."""
    _value_expression[:] = [expression]


def with_value(qs: QuerySet[Engagement]) -> QuerySet[Engagement]:
    """``qs`` with ``value`` annotated (None where no contract names a fee)."""
    from django.db.models import DecimalField, Value

    if not _value_expression:
        return qs.annotate(value=Value(None, output_field=DecimalField()))
    return qs.annotate(value=_value_expression[0]())


def client_engagements(*, user, client) -> QuerySet[Engagement]:
    """The engagements of ``client`` that ``user`` may see, newest first, with their lead
    consultant and value."""
    return with_value(engagements_visible_to(user).filter(client=client)
                      .select_related("lead_consultant").order_by("-created_at", "-pk"))
