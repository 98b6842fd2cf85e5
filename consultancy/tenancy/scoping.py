"""Fail-closed firm scoping.

Every firm-owned model uses :class:`FirmScopedManager` (django-scopes). A query on it
outside a firm scope raises ``django_scopes.ScopeError`` instead of returning every
firm's rows. The scope is entered:

* for a request, by ``FirmScopeMiddleware`` from the logged-in user's firm;
* in a Celery task, by :func:`firm_scope` with the ``firm_id`` the task was given;
* in a management command, explicitly with :func:`firm_scope` or, for the platform
  itself (``demo``, migrations, backups), :func:`consultancy.tenancy.rls.cross_firm`.

Entering a firm scope also sets the database's firm (PostgreSQL's row-level security,
:mod:`consultancy.tenancy.rls`): the scope is the one state both follow.
``scopes_disabled()`` opens the ORM only; the database keeps the firm (or none).
"""

from contextlib import contextmanager
from functools import cache

from django.db import models
from django_scopes import ScopeError, scope, scopes_disabled
from django_scopes.state import get_scope

from consultancy.refusals import INVALID, Refusal

from .rls import CROSS_FIRM, USER

__all__ = ["FirmOwned", "FirmScopedManager", "firm_scope", "scope", "scopes_disabled"]


class OutOfScopeQuerySet(models.QuerySet):
    """What a firm-owned model's manager returns outside a firm scope.

    Building it lazily is allowed (``.all()``: Django binds querysets to form fields when
    a form class is defined, at import time), but anything that would touch the database
    raises ``ScopeError``: evaluation, counting, existence, updates, deletes, and every
    narrowing (``filter`` and friends), so no unscoped query can be written by accident.
    django-scopes' own disabled queryset misses a few of these (``exists``, ``in_bulk``,
    ``contains``) and refuses ``all``; this one is stricter on the first and lazy on the
    second.
    """

    def _refuse(self, *args, **kwargs):
        raise ScopeError("A firm scope needs to be active for this query.")

    _fetch_all = _refuse
    __iter__ = __len__ = __bool__ = __getitem__ = _refuse
    iterator = count = exists = contains = in_bulk = explain = aggregate = _refuse
    get = first = last = earliest = latest = get_or_create = update_or_create = _refuse
    update = delete = bulk_update = _refuse
    filter = exclude = complex_filter = annotate = alias = order_by = reverse = _refuse
    select_for_update = values = values_list = dates = datetimes = raw = _refuse
    union = intersection = difference = distinct = only = defer = extra = _refuse
    select_related = prefetch_related = _refuse


@cache
def _out_of_scope(queryset_class):
    """:class:`OutOfScopeQuerySet` for a manager built on ``queryset_class``, so that the
    queryset's own methods exist outside a scope too and refuse like the rest."""
    if issubclass(queryset_class, OutOfScopeQuerySet) or queryset_class is models.QuerySet:
        return OutOfScopeQuerySet
    return type(f"OutOfScope{queryset_class.__name__}", (OutOfScopeQuerySet, queryset_class), {})


class FirmScopedManager(models.Manager):
    """The default manager of every firm-owned model (the idea of django-scopes, whose
    ``scope()`` / ``scopes_disabled()`` state it uses): inside ``firm_scope(firm)`` it
    returns that firm's rows only; outside any scope it returns an
    :class:`OutOfScopeQuerySet`; under ``scopes_disabled()`` everything."""

    def get_queryset(self):
        current = get_scope()
        if not current.get("_enabled", True):
            return super().get_queryset()
        firm = current.get("firm")
        if firm is None:
            return _out_of_scope(self._queryset_class)(self.model, using=self._db)
        return super().get_queryset().filter(firm=firm)

    def with_scopes_disabled(self):
        """The unscoped queryset, for the few platform reads that need it (named, so
        that every use can be found)."""
        return super().get_queryset()


@contextmanager
def firm_scope(firm, *, user=None):
    """Enter the scope of one firm (a ``Firm`` or its id): the ORM filters by it and the
    database's row-level security shows only its rows (``app.firm_id``). ``user``: the
    acting user's id, when there is one (the request's).

    ``None`` is refused: django-scopes would read it as "no filter", which is the
    fail-open behaviour this module exists to prevent.
    """
    if firm is None or firm == "":
        raise ValueError("firm_scope() needs a firm; None would open every firm's rows.")
    with scope(firm=firm, **{CROSS_FIRM: None, USER: getattr(user, "pk", user)}):
        yield


class FirmOwned(models.Model):
    """Abstract base for every table that holds a firm's data.

    ``firm`` is never null and protected; unique constraints on subclasses include it.
    """

    firm = models.ForeignKey(
        "tenancy.Firm", on_delete=models.PROTECT, related_name="+", editable=False
    )

    objects = FirmScopedManager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        assert_same_firm(self)
        super().save(*args, **kwargs)


class CrossFirmReference(Refusal, ValueError):
    """A record would point at another firm's record (DESIGN.md, "Tenancy")."""

    code = "cross_firm"
    kind = INVALID


def require_same_firm(firm_id, *objs) -> None:
    """Services' check before linking records: every given object (None skipped) belongs
    to the firm ``firm_id``."""
    for obj in objs:
        if obj is not None and obj.firm_id != firm_id:
            raise CrossFirmReference(f"{obj!r} belongs to another firm.")


def assert_same_firm(instance) -> None:
    """Refuse a record whose foreign keys reach into another firm.

    Checked on every save of a firm-owned model, whatever the entry point (service,
    form, admin, shell). A user is checked too: a firm's record may point only at
    its own staff and contacts.
    """
    firm_id = instance.firm_id
    if firm_id is None:
        raise CrossFirmReference(f"{instance.__class__.__name__} has no firm.")
    for field in instance._meta.concrete_fields:
        if not field.is_relation or field.name == "firm":
            continue
        related_model = field.related_model
        if not any(f.name == "firm" for f in related_model._meta.concrete_fields):
            continue
        if getattr(instance, field.attname) is None:
            continue
        related = getattr(instance, field.name)
        if related.firm_id != firm_id:
            raise CrossFirmReference(
                f"{instance.__class__.__name__}.{field.name} points at another firm's "
                f"{related_model.__name__}."
            )
