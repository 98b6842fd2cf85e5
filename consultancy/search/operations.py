"""Trigram indexes for the search box, on PostgreSQL only (pg_trgm; SQLite has none and
scans, which is fine at its sizes).

Each index is a GIN index on ``UPPER(column::text)`` with ``gin_trgm_ops``: the expression
Django writes for ``__icontains`` on PostgreSQL (``UPPER("t"."c"::text) LIKE UPPER('%…%')``),
so that the ORM's own lookups use them. Plain ``__contains`` columns (the pinyin initials,
the credit code) are indexed on ``column::text`` the same way.

Not led by the firm: measured with 10,000 engagements per firm, a GIN index on
``(firm_id, …)`` (btree_gin) is costed so high that the planner never chooses it and scans
the firm's rows instead (8–30 ms), while the plain trigram index answers the same OR of
number and title in 0.1–0.2 ms; the firm is then a filter on the few rows found (and the
firm's b-tree index serves the patterns too short for trigrams).
"""

from django.db import migrations


class TrigramIndex(migrations.operations.base.Operation):
    reversible = True
    reduces_to_sql = True

    def __init__(self, table, name, column, upper=True):
        self.table, self.name, self.column, self.upper = table, name, column, upper

    def state_forwards(self, app_label, state):
        pass  # the models never see these indexes: they exist on PostgreSQL only

    def _expression(self):
        cast = f'("{self.column}"::text)'
        return f"UPPER({cast})" if self.upper else cast

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor != "postgresql":
            return
        schema_editor.execute(
            f'CREATE INDEX IF NOT EXISTS "{self.name}" ON "{self.table}" '
            f'USING gin (({self._expression()}) gin_trgm_ops)')

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor != "postgresql":
            return
        schema_editor.execute(f'DROP INDEX IF EXISTS "{self.name}"')

    def describe(self):
        return f"Trigram index {self.name} on {self.table}.{self.column} (PostgreSQL only)"

    def deconstruct(self):
        return (self.__class__.__qualname__, [self.table, self.name, self.column],
                {} if self.upper else {"upper": False})
