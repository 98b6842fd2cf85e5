"""Fail-closed firm scoping.

Every firm-owned model uses :class:`FirmScopedManager` (django-scopes). A query on it
outside a firm scope raises ``django_scopes.ScopeError`` instead of returning every
firm's rows. The scope is entered:

* for a request, by ``FirmScopeMiddleware`` from the logged-in user's firm;
* in a Celery task, by :func:`firm_scope` with the ``firm_id`` the task was given;
* in a management command, explicitly with :func:`firm_scope` or, for the platform
  itself (``demo``, migrations), ``scopes_disabled()``.
"""

from contextlib import contextmanager

from django.db import models
from django_scopes import ScopedManager, scope, scopes_disabled

__all__ = ["FirmOwned", "FirmScopedManager", "firm_scope", "scope", "scopes_disabled"]


def FirmScopedManager(**kwargs):  # noqa: N802 - reads like a class at the call site
    """The default manager of every firm-owned model: scoped on its ``firm`` field."""
    return ScopedManager(firm="firm", **kwargs)


@contextmanager
def firm_scope(firm):
    """Enter the scope of one firm (a ``Firm`` or its id).

    ``None`` is refused: django-scopes would read it as "no filter", which is the
    fail-open behaviour this module exists to prevent.
    """
    if firm is None or firm == "":
        raise ValueError("firm_scope() needs a firm; None would open every firm's rows.")
    with scope(firm=firm):
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


class CrossFirmReference(ValueError):
    """A record would point at another firm's record (DESIGN.md, "Tenancy")."""


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
