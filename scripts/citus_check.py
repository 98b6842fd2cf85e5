#!/usr/bin/env python
"""What the schema has, and lacks, for Citus distributing every firm-owned table on
``firm_id`` (docs/scaling.md). Reads the models (no database needed) and prints:

* the tables with a ``firm_id`` column (firm-owned: distributed), those where it may be
  NULL, and those without one (reference or local tables, or many-to-many tables whose
  firm comes only through their two sides);
* every unique constraint of a firm-owned table that does not contain ``firm_id``
  (Citus needs the distribution column in every unique constraint, the primary key too);
* every foreign key between two firm-owned tables (Citus needs it to include ``firm_id``
  on both sides, i.e. a composite ``(firm_id, id)`` key) and every foreign key from a
  reference table into a firm-owned one (not allowed).

    DEBUG=1 .venv/bin/python scripts/citus_check.py [--verbose]
"""

import os
import sys
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "consultancy.settings.base")
os.environ.setdefault("DEBUG", "1")


def main(verbose=False):
    import django

    django.setup()
    from django.apps import apps
    from django.db import models

    concrete = [m for m in apps.get_models(include_auto_created=True)
                if not m._meta.proxy and m._meta.managed]

    def has_firm(model):
        return any(f.column == "firm_id" for f in model._meta.concrete_fields)

    firm_owned = sorted((m for m in concrete if has_firm(m)), key=lambda m: m._meta.db_table)
    others = sorted((m for m in concrete if not has_firm(m)), key=lambda m: m._meta.db_table)
    firm_tables = {m._meta.db_table for m in firm_owned}

    print(f"tables: {len(concrete)}; with firm_id (to distribute): {len(firm_owned)}; "
          f"without: {len(others)}")
    nullable = [m._meta.db_table for m in firm_owned
                if next(f for f in m._meta.concrete_fields if f.column == "firm_id").null]
    print(f"firm_id may be NULL (platform rows; a distribution column cannot be) in "
          f"{len(nullable)}: {', '.join(nullable)}")
    print("\nwithout firm_id (reference or local tables, or missing a firm):")
    for m in others:
        fks_to_firm = [f for f in m._meta.concrete_fields
                       if f.is_relation and f.related_model is not None
                       and f.related_model._meta.db_table in firm_tables]
        note = (" <- refers to firm-owned " +
                ", ".join(f"{f.column}->{f.related_model._meta.db_table}" for f in fks_to_firm)
                if fks_to_firm else "")
        print(f"  {m._meta.db_table}{note}")

    uniques_without_firm = []
    unique_with_firm = 0
    for m in firm_owned:
        sets = []
        for f in m._meta.concrete_fields:
            if f.unique:
                sets.append((("PK " if f.primary_key else "unique ") + f.column, [f.column], ""))
        for fields in m._meta.unique_together:
            cols = [m._meta.get_field(n).column for n in fields]
            sets.append((f"unique_together {cols}", cols, ""))
        for c in m._meta.constraints:
            if isinstance(c, models.UniqueConstraint):
                cols = [m._meta.get_field(n).column for n in c.fields] if c.fields else []
                cond = " (partial)" if c.condition is not None else ""
                expr = " (expressions)" if c.expressions else ""
                sets.append((f"{c.name}{cond}{expr}", cols, cond))
        for label, cols, _cond in sets:
            if "firm_id" in cols:
                unique_with_firm += 1
            else:
                uniques_without_firm.append((m._meta.db_table, label))

    pk_only = [(t, lb) for t, lb in uniques_without_firm if lb.startswith("PK ")]
    other_uniques = [(t, lb) for t, lb in uniques_without_firm if not lb.startswith("PK ")]
    print(f"\nunique constraints of firm-owned tables: {unique_with_firm} contain firm_id; "
          f"{len(uniques_without_firm)} do not ({len(pk_only)} primary keys on id alone, "
          f"{len(other_uniques)} others):")
    for table, label in other_uniques:
        print(f"  {table}: {label}")
    if verbose:
        for table, label in pk_only:
            print(f"  {table}: {label}")

    fk_between = defaultdict(list)
    fk_to_reference = 0
    for m in firm_owned:
        for f in m._meta.concrete_fields:
            if not f.is_relation or f.related_model is None or f.column == "firm_id":
                continue
            target = f.related_model._meta.db_table
            if target in firm_tables:
                fk_between[m._meta.db_table].append(f"{f.column}->{target}")
            else:
                fk_to_reference += 1
    count = sum(len(v) for v in fk_between.values())
    print(f"\nforeign keys between firm-owned tables (single-column, on id; Citus needs "
          f"(firm_id, id)): {count} in {len(fk_between)} tables; to tables without firm_id: "
          f"{fk_to_reference}")
    if verbose:
        for table, fks in sorted(fk_between.items()):
            print(f"  {table}: {', '.join(fks)}")


if __name__ == "__main__":
    main(verbose="--verbose" in sys.argv)
