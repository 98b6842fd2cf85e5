"""The lists a firm keeps (issue 20): its service types, complaint causes, kinds of
qualification, the 8.2.2 and 8.5.1 mappings, its 重大事故隐患 criteria, … Each app that
owns such a list registers the seeder of its starting list here, in its
``AppConfig.ready()``; this module (below every app in the import layers) knows none of
them. They run in one place: when a firm is created (the ``post_save`` receiver that
:func:`connect` installs, the only one on ``Firm``), in the firm's scope, in the order the
apps are installed (a mapping is seeded after the list it names). Firms that existed
before a list was introduced get it from that list's data migration.

Reads never write: no page, form or selector seeds a list on first use.

The managers keep each list through its app's service (``service_type_save``,
``complaint_cause_save``, ``criterion_add``, …), which keeps its own event, clause and
rules and leaves the common write to :func:`save_item`: a manager of the firm only, the
firm's own item, the text trimmed, validated and saved."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from .scoping import require_same_firm


@dataclass(frozen=True)
class Seeder:
    name: str
    seed: Callable[[int], object]  # seed(firm_id): the firm's starting list, if it has none


_SEEDERS: dict[str, Seeder] = {}


def register(name: str, seed: Callable[[int], object]) -> None:
    """Register the seeder of one firm-kept list (idempotent per ``name``)."""
    _SEEDERS[name] = Seeder(name, seed)


def registered() -> list[str]:
    return list(_SEEDERS)


def seed_firm(firm) -> None:
    """Give ``firm`` (a ``Firm`` or its id) the starting list of every firm-kept list it
    lacks, in its own scope (on PostgreSQL, as that firm under row-level security)."""
    from django.db import transaction

    from .scoping import firm_scope

    firm_id = getattr(firm, "pk", firm)
    with transaction.atomic(), firm_scope(firm_id):
        for seeder in _SEEDERS.values():
            seeder.seed(firm_id)


def _on_firm_saved(sender, instance, created, raw=False, **kwargs):
    if created and not raw:
        seed_firm(instance.pk)


def connect() -> None:
    from django.db.models.signals import post_save

    from .models import Firm

    post_save.connect(_on_firm_saved, sender=Firm, weak=False,
                      dispatch_uid="tenancy.firm_lists.seed")


# -- keeping a list: the write every list's service shares --------------------------------


def require_manager(firm_id, by, refusal: Exception | None = None) -> None:
    """Only a manager of the firm ``firm_id`` keeps its lists. By default a user of
    another firm is refused as a reference across firms and a user of the firm who is not
    a manager with a ``ValidationError``; a list that answers both with its own refusal
    passes it as ``refusal``."""
    if refusal is not None:
        if not getattr(by, "is_manager", False) or by.firm_id != firm_id:
            raise refusal
        return
    require_same_firm(firm_id, by)
    if not by.is_manager:
        raise ValidationError(_("Only the firm's managers change this."))


def save_item(model, *, firm, by, item=None, fields: dict, refusal: Exception | None = None,
              complete: Callable[[object], object] | None = None):
    """Add an item to one of the firm's lists (``item`` None, or a new unsaved one) or
    change one of its items: ``by`` must be a manager of the firm (:func:`require_manager`
    with ``refusal``), the item the firm's own; ``fields`` are set on it (text trimmed),
    then ``complete(item)`` runs the list's own rule (a code made from the name, a field
    error for a duplicate), and the item is validated and saved. The caller runs it in its
    own transaction and records its own event (verb, clause) after it."""
    firm_id = getattr(firm, "pk", firm)
    require_manager(firm_id, by, refusal)
    if item is None:
        item = model(firm=firm) if hasattr(firm, "pk") else model(firm_id=firm_id)
    else:
        require_same_firm(firm_id, item)
    for name, value in fields.items():
        setattr(item, name, value.strip() if isinstance(value, str) else value)
    if complete is not None:
        complete(item)
    item.full_clean()
    item.save()
    return item
