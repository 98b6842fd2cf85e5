"""The lists a firm keeps (issue 20): its service types, complaint causes, kinds of
qualification, the 8.2.2 and 8.5.1 mappings, its 重大事故隐患 criteria, … Each app that
owns such a list registers the seeder of its starting list here, in its
``AppConfig.ready()``; this module (below every app in the import layers) knows none of
them. They run in one place: when a firm is created (the ``post_save`` receiver that
:func:`connect` installs, the only one on ``Firm``), in the firm's scope, in the order the
apps are installed (a mapping is seeded after the list it names). Firms that existed
before a list was introduced get it from that list's data migration.

Reads never write: no page, form or selector seeds a list on first use."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


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
