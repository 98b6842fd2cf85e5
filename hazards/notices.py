"""The notices of hidden dangers (``consultancy.notifications``), each sent inside the
firm's scope by its task (``hazards.tasks``)."""

from django.conf import settings
from django.urls import reverse

from consultancy.clients.models import ClientContact
from consultancy.notifications import notify, recipients_for
from consultancy.tenancy.models import User

from .models import AWAITING_CLIENT, Grade, HiddenDanger, State


def _site():
    return getattr(settings, "SITE_URL", "").rstrip("/")


def _danger(danger_id):
    return (HiddenDanger.objects
            .select_related("engagement__client", "engagement__lead_consultant", "firm",
                            "criterion", "unit")
            .filter(pk=danger_id).first())


def client_people(engagement):
    """The client's contacts with a portal login (they act in the portal)."""
    return [c.user for c in ClientContact.objects.filter(
        client_id=engagement.client_id, is_active=True, user__isnull=False)
        .select_related("user")]


def staff_people(engagement):
    """The engagement's lead consultant and the firm's managers."""
    return [engagement.lead_consultant,
            *recipients_for(engagement.firm_id, roles=[User.Role.MANAGER])]


def _context(danger, link):
    return {"danger": danger, "engagement": danger.engagement,
            "link": _site() + link}


def client_notify(danger_id: int) -> int:
    """Tell the client's contacts of a hidden danger to rectify (or rectify again)."""
    danger = _danger(danger_id)
    if danger is None or danger.state not in AWAITING_CLIENT:
        return 0
    link = reverse("portal:hazard", args=[danger.engagement_id, danger.pk])
    return notify("hazard_notified", recipients=client_people(danger.engagement),
                  context=_context(danger, link), firm=danger.firm)


def staff_notify(danger_id: int, kind: str) -> int:
    """Tell the lead consultant and the managers (a rectification to verify)."""
    danger = _danger(danger_id)
    if danger is None:
        return 0
    link = reverse("hazards:detail", args=[danger.engagement_id, danger.pk])
    return notify(kind, recipients=staff_people(danger.engagement),
                  context=_context(danger, link), firm=danger.firm)


def due_reminders(day):
    """The hidden dangers to remind of on ``day``: a 重大隐患 the client has not yet
    acknowledged (every day), one whose acknowledgement is late (its day, counted in
    statutory working days, has passed), and every one whose deadline has passed
    unrectified."""
    return list(HiddenDanger.objects
                .filter(state__in=AWAITING_CLIENT)
                .filter(_major_unacknowledged() | _acknowledgement_late(day) | _overdue(day))
                .select_related("engagement__client", "engagement__lead_consultant", "firm",
                                "unit")
                .order_by("pk"))


def _major_unacknowledged():
    from django.db.models import Q

    return Q(grade=Grade.MAJOR, state=State.NOTIFIED)


def _acknowledgement_late(day):
    from django.db.models import Q

    return Q(state=State.NOTIFIED, acknowledge_by__lt=day)


def _overdue(day):
    from django.db.models import Q

    return Q(deadline__lt=day)


def remind(danger, day) -> int:
    """One reminder of one hidden danger for ``day`` to the lead and the managers (and,
    when overdue, to the client's contacts), once per day (the notice's key)."""
    overdue = danger.is_overdue_on(day)
    link = reverse("hazards:detail", args=[danger.engagement_id, danger.pk])
    context = {**_context(danger, link), "overdue": overdue, "day": day,
               "acknowledgement_late": danger.is_acknowledgement_late_on(day)}
    people = staff_people(danger.engagement)
    if overdue:
        people += client_people(danger.engagement)
    return notify("hazard_reminder", recipients=people, context=context, firm=danger.firm,
                  key=f"hazard-reminder:{danger.pk}:{day.isoformat()}")
