"""What the pages of every app about an engagement share: the access check, Figure 1's
steps, the 409 of a frozen record, and reading an id posted in a form."""

from django.http import Http404
from django.shortcuts import get_object_or_404

from consultancy.refusals import refusal_response
from consultancy.tenancy.ids import parse_id

from . import selectors
from .models import FrozenRecord
from .stages import ORDER, PROCESS, Stage


def get_engagement(request, pk, *, queryset=None):
    """The engagement if this user may see it; anything else is a 404."""
    qs = queryset if queryset is not None else selectors.engagements_visible_to(request.user)
    return get_object_or_404(qs.select_related("client", "lead_consultant", "service_type"),
                             pk=pk)


def process_steps(engagement):
    """Figure 1, with each step marked done / current / to come / ended."""
    current = ORDER.get(engagement.stage)
    ended_at = None
    if engagement.stage in (Stage.DECLINED, Stage.TERMINATED):
        ended_at = getattr(engagement, "ended_from", None)
    steps = []
    for stage, clause in PROCESS:
        if engagement.stage == Stage.CLOSED or (current is not None and ORDER[stage] < current):
            state = "done"
        elif engagement.stage == stage:
            state = "current"
        elif ended_at == stage:
            state = "ended"
        else:
            state = "todo"
        steps.append({"stage": stage, "label": Stage(stage).label, "clause": clause,
                      "state": state})
    return steps


def frozen_response(request, engagement, record=None, exc=None):
    """409: the record (or its stage) is frozen; it can be read but not changed. ``exc``
    is the :class:`FrozenRecord` raised, if any."""
    return refusal_response(request, exc if exc is not None else FrozenRecord(),
                            template="engagements/record_frozen.html",
                            context={"engagement": engagement, "record": record,
                                     "reason": exc.message if exc is not None else ""})


def posted_pk(request, name):
    """The id posted in the field ``name``; a missing, non-numeric or too long one is a 404."""
    value = parse_id(request.POST.get(name, ""))
    if value is None:
        raise Http404
    return value
