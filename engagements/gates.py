"""The gate registry (DESIGN.md, "The engagement and its gates").

Each clause app registers the requirements of the stage it owns, in its
``AppConfig.ready()``; ``engagements`` never imports a later app. A requirement is met or
not *for a set of engagements at once* (``met_ids``), so that a list of engagements costs
one query per requirement, however many rows it shows; one engagement is the same call
with one id.

A requirement whose ``met_ids`` is :func:`batched` (it builds a query without running it)
is asked together with the others: a page of engagements in any mix of stages costs one
query for all of them (a ``UNION ALL``), plus one per requirement that is not batched. A
time-bound requirement's ``dates`` may be batched too (a query of ``(pk, day)``): its days
come in the same ``UNION ALL``.

A stage with no registered requirement cannot be left: an empty gate is closed.
"""

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.db.models import CharField, DateField, Value
from django.db.models.functions import Cast
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.functional import Promise, cached_property
from django.utils.translation import gettext

from .stages import FORWARD


@dataclass(frozen=True)
class Requirement:
    code: str  # "6.2.communication", as in DESIGN.md
    clause: str  # "6.2", the clause of the standard it comes from
    stage: str  # the stage whose leaving it guards
    label: str | Promise
    # ids of the given engagements that meet it (one query for all of them)
    met_ids: Callable[[list], set]
    # the URL name of the form that meets it, reversed with the engagement's pk
    url_name: str | None = None
    # whether it applies to an engagement at all (e.g. 6.1 only for proactive ones);
    # a requirement that does not apply counts as met
    applies: Callable[[object], bool] = field(default=lambda engagement: True)
    # a time-bound requirement: ``{engagement pk: the day it can be met from}`` for the
    # given engagements (one query for all); the UI says the day, ``met_ids`` still decides
    # (which, for such a requirement, includes that the day has come)
    dates: Callable[[list], dict] | None = None


@dataclass(frozen=True)
class RequirementStatus:
    requirement: Requirement
    met: bool
    applies: bool
    engagement_pk: object = None
    # a time-bound requirement's day (``Requirement.dates``), when it is known
    available_on: datetime.date | None = None

    @cached_property
    def url(self):
        """The form that meets it, reversed only when a page shows it."""
        if not self.requirement.url_name:
            return None
        return reverse(self.requirement.url_name, args=[self.engagement_pk])

    @property
    def code(self):
        return self.requirement.code

    @property
    def clause(self):
        return self.requirement.clause

    @property
    def label(self):
        return self.requirement.label

    @property
    def text(self):
        """What the UI shows: the label in the user's language; a time-bound requirement
        not met yet says the day it can be met from (the code is for audits and the
        admin, never the UI's text)."""
        if self.available_on is not None and not self.met:
            return gettext("Can be closed after %(date)s: %(label)s") % {
                "date": date_format(self.available_on, "DATE_FORMAT"),
                "label": self.requirement.label}
        return str(self.requirement.label)


def engagement_ids(engagements) -> list:
    """The pks of the engagements a ``met_ids`` is given."""
    return [e.pk for e in engagements]


class batched:
    """A ``met_ids`` made of a function that returns the *query* of the met ids (a flat
    ``values_list``, not run): called, it runs it; :func:`statuses_for_many` runs the
    queries of many requirements as one."""

    def __init__(self, query):
        self.query = query
        self.__doc__ = query.__doc__

    def __call__(self, engagements) -> set:
        return set(self.query(engagements))


def has_record(model, **filters):
    """``met_ids`` for "the engagement has at least one ``model`` record (matching
    ``filters``)"."""

    def met(engagements):
        return (model.objects.filter(engagement_id__in=engagement_ids(engagements), **filters)
                .values_list("engagement_id", flat=True).distinct())

    return batched(met)


def _met_sets(asks, date_asks=()) -> tuple[dict, dict]:
    """``({code: set of met ids}, {code: {pk: day}})`` for ``[(requirement, engagements),
    …]`` and the time-bound ones' ``date_asks``: the batched ones in one ``UNION ALL``
    query (rows of ``(pk, code, day)``), the others one query each."""
    met_sets, date_sets, queries = {}, {}, []
    for req, relevant in asks:
        met_sets.setdefault(req.code, set())
        query = getattr(req.met_ids, "query", None)
        if query is None:
            met_sets[req.code] |= req.met_ids(relevant)
            continue
        qs = query(relevant).order_by()
        fields = list(qs._fields)
        queries.append(qs.annotate(gate_code=Value(req.code, output_field=CharField()),
                                   # typed: PostgreSQL matches it with the days' column
                                   gate_day=Cast(Value(None), output_field=DateField()))
                       .values_list(*fields, "gate_code", "gate_day"))
    for req, relevant in date_asks:
        days = date_sets.setdefault(req.code, {})
        query = getattr(req.dates, "query", None)
        if query is None:
            days.update(req.dates(relevant))
            continue
        qs = query(relevant).order_by()
        pk, day = qs._fields
        queries.append(qs.annotate(gate_code=Value(DATES + req.code, output_field=CharField()))
                       .values_list(pk, "gate_code", day))
    if queries:
        union = queries[0].union(*queries[1:], all=True) if len(queries) > 1 else queries[0]
        for pk, code, day in union:
            if code.startswith(DATES):
                if day is not None:
                    date_sets[code[len(DATES):]][pk] = day
            else:
                met_sets[code].add(pk)
    return met_sets, date_sets


# the code of a row of days in the union (not a requirement's code: those start with a
# clause number or a letter)
DATES = "@dates:"


_registry: dict[str, list[Requirement]] = {}


def register(requirement: Requirement) -> Requirement:
    codes = [r.code for r in _registry.get(requirement.stage, [])]
    if requirement.code in codes:
        raise ValueError(f"Requirement {requirement.code} is registered twice.")
    _registry.setdefault(requirement.stage, []).append(requirement)
    return requirement


def requirements_of(stage: str) -> list[Requirement]:
    return list(_registry.get(stage, []))


def statuses(engagement, stage: str | None = None) -> list[RequirementStatus]:
    """The requirements of ``stage`` (default: the engagement's own) with met / unmet."""
    stage = stage or engagement.stage
    return statuses_for_many([engagement], stage)[engagement.pk]


def statuses_for_many(engagements: Iterable, stage: str | None = None) -> dict:
    """``{engagement.pk: [RequirementStatus, …]}`` for the stage each one is in (or
    ``stage``), in one query for the batched requirements of all of them (and one per
    other requirement), whatever the number of engagements."""
    engagements = list(engagements)
    by_stage: dict[str, list] = {}
    for e in engagements:
        by_stage.setdefault(stage or e.stage, []).append(e)
    asks, date_asks = [], []
    for st, group in by_stage.items():
        for req in requirements_of(st):
            relevant = [e for e in group if req.applies(e)]
            if not relevant:
                continue
            if req.dates is not None:  # time-bound: the day it can be met, shown with it
                date_asks.append((req, relevant))
            asks.append((req, relevant))
    met_sets, date_sets = _met_sets(asks, date_asks)
    result = {}
    for st, group in by_stage.items():
        reqs = requirements_of(st)
        for e in group:
            rows = []
            for req in reqs:
                applies = req.applies(e)
                rows.append(RequirementStatus(
                    requirement=req,
                    met=(not applies) or e.pk in met_sets.get(req.code, ()),
                    applies=applies,
                    engagement_pk=e.pk,
                    available_on=date_sets.get(req.code, {}).get(e.pk),
                ))
            result[e.pk] = rows
    return result


def gate_is_open(engagement) -> bool:
    """The condition of the forward transition out of the engagement's stage."""
    if engagement.stage not in FORWARD:
        return False
    rows = statuses(engagement)
    return bool(rows) and all(r.met for r in rows)


def missing(engagement) -> list[RequirementStatus]:
    return [r for r in statuses(engagement) if not r.met]
