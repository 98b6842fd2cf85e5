"""Reading the activity log: an engagement's timeline, paginated and filtered by clause,
each event's message rendered in the active language."""

from .models import Event
from .verbs import describe

PER_PAGE = 20
PAGE_PARAM = "activity_page"
CLAUSE_PARAM = "activity_clause"


def engagement_events(*, firm_id, engagement_id, client_visible_only=False):
    """The engagement's events, newest first, with their actors (one query however
    many events)."""
    events = Event.objects.filter(firm_id=firm_id, engagement_id=engagement_id)
    if client_visible_only:
        events = events.filter(client_visible=True)
    return events.select_related("actor").order_by("-at", "-pk")


def _clause_key(clause):
    return [int(p) if p.isdigit() else 0 for p in clause.split(".")]


def described(events) -> list[Event]:
    """The events with ``message`` set (in the active language)."""
    events = list(events)
    for event in events:
        event.message = describe(event)
    return events


def in_runs_by_actor(events) -> list[Event]:
    """The events of a timeline, each with ``message`` said without its leading actor and
    ``starts_run`` true where the actor differs from the row above: the actor is shown
    once per run of their consecutive events, not on every row."""
    events = list(events)
    previous = None
    for event in events:
        label = str(event.actor_label or "")  # a system actor's label is a lazy string
        event.starts_run = label != previous
        previous = label
        message = describe(event)
        if label and message.startswith(label):  # "Li Ming saved …": the run shows "Li Ming"
            message = message[len(label):].lstrip(" :：") or message
        event.message = message
    return events


class TimelinePage:
    """One page of a timeline: ``per_page`` events read in one query (one more than shown,
    to know whether there are older ones), without counting them all."""

    def __init__(self, events, number, per_page):
        try:
            number = int(number or 1)
        except (TypeError, ValueError):
            number = 1
        self.number = min(max(number, 1), 10**6)
        start = (self.number - 1) * per_page
        rows = list(events[start:start + per_page + 1])
        if not rows and self.number > 1:  # past the end: the first page
            self.number, rows = 1, list(events[:per_page + 1])
        self.has_next = len(rows) > per_page
        self.object_list = rows[:per_page]
        self.has_previous = self.number > 1

    @property
    def has_other_pages(self):
        return self.has_next or self.has_previous

    def next_page_number(self):
        return self.number + 1

    def previous_page_number(self):
        return self.number - 1


def timeline(request, *, firm_id, engagement_id, client_visible_only=False,
             per_page=PER_PAGE) -> dict:
    """The context of ``activity/_timeline.html``: one page of events (``?activity_page=``,
    newer / older links, no count: the same queries however long the timeline),
    optionally of one clause (``?activity_clause=``), and the clauses present to filter by."""
    events = engagement_events(firm_id=firm_id, engagement_id=engagement_id,
                               client_visible_only=client_visible_only)
    clauses = sorted(set(events.exclude(clause="").values_list("clause", flat=True)
                         .order_by().distinct()), key=_clause_key)
    clause = request.GET.get(CLAUSE_PARAM, "")
    if clause and clause in clauses:
        events = events.filter(clause=clause)
    else:
        clause = ""
    page = TimelinePage(events, request.GET.get(PAGE_PARAM), per_page)
    page.object_list = in_runs_by_actor(page.object_list)
    return {"page": page, "clauses": clauses, "clause": clause, "page_param": PAGE_PARAM,
            "clause_param": CLAUSE_PARAM}
