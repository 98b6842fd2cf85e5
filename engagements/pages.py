"""What the pages of every app about an engagement share: the access check, Figure 1's
steps, the 409 of a frozen record, and reading an id posted in a form."""

from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse

from consultancy.refusals import refusal_response
from consultancy.tenancy.ids import parse_id
from consultancy.tenancy.models import User

from . import selectors
from .models import FrozenRecord
from .stages import ORDER, PROCESS, Stage


def get_engagement(request, pk, *, queryset=None):
    """The engagement if this user may see it; anything else is a 404."""
    qs = queryset if queryset is not None else selectors.engagements_visible_to(request.user)
    engagement = get_object_or_404(
        qs.select_related("client", "lead_consultant", "service_type", "firm"), pk=pk)
    share_firm(request.user, engagement)
    return engagement


def lazy_section_url(request, name, engagement):
    """The URL of a section loaded after the page, with the page's own query (its
    ``?history_page=`` or ``?activity_page=``) passed on."""
    url = reverse(name, args=[engagement.pk])
    return f"{url}?{request.GET.urlencode()}" if request.GET else url


def share_firm(user, engagement):
    """The page's header names the user's firm: the engagement's, read with it (a user
    sees only their own firm's engagements), so it is not read a second time."""
    if getattr(user, "firm_id", None) == engagement.firm_id \
            and not User.firm.is_cached(user):
        user.firm = engagement.firm


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


# -- sections of a page, a fixed first N and a link to the rest ---------------------------

SECTION_SIZE = 10


class SectionPage:
    """One page of a section listing an engagement's records (``?<param>=<n>``): at most
    ``per_page`` rows, read in one query (one row more than shown, to know whether there
    are more: no count), so a page costs the same whatever the number of records."""

    def __init__(self, request, queryset, param, *, per_page=SECTION_SIZE, anchor=""):
        try:
            number = int(request.GET.get(param, "1"))
        except ValueError:
            number = 1
        number = min(max(number, 1), 10**6)
        start = (number - 1) * per_page
        rows = list(queryset[start:start + per_page + 1])
        self.has_next = len(rows) > per_page
        self.object_list = rows[:per_page]
        self.number, self.param, self.anchor = number, param, anchor
        self.has_previous = number > 1
        self._query = request.GET

    def __iter__(self):
        return iter(self.object_list)

    def __len__(self):
        return len(self.object_list)

    def __bool__(self):
        return bool(self.object_list)

    @property
    def has_other_pages(self):
        return self.has_next or self.has_previous

    def _url(self, number):
        query = self._query.copy()
        query[self.param] = str(number)
        return "?" + query.urlencode() + (f"#{self.anchor}" if self.anchor else "")

    @property
    def next_url(self):
        return self._url(self.number + 1)

    @property
    def previous_url(self):
        return self._url(self.number - 1)
