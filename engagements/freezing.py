"""Frozen records, enforced below the model: in the queryset and in the database.

A record of a passed stage is frozen (clauses 4 to 9: what met a gate is the record the
firm stands behind). ``EngagementRecord.save()/delete()`` refuse to change one; this
module covers the paths that skip ``save()``:

* the queryset of every frozen model (``engagements.models.FrozenGuardQuerySet``):
  ``update()``, ``bulk_update()`` and ``delete()`` first ask, in one query, whether any
  row they would touch is frozen (the model's ``frozen_q(fields)``), and raise ``FrozenRecord`` if so — on every database;
* on PostgreSQL, ``BEFORE UPDATE OR DELETE`` triggers (created by each clause app's
  migration with the SQL built here) refuse the same change to the row itself, whatever
  sends it (raw SQL, ``psql``, another program), with SQLSTATE :data:`FROZEN_SQLSTATE`.

The one escape is :func:`frozen_records_unlocked`, for a data migration or a repair that
must change a frozen record: it is named, takes a reason and logs it.
"""

import contextvars
import logging
from contextlib import contextmanager

from django.db import connection, connections, migrations, transaction

logger = logging.getLogger("engagements.freezing")

#: The SQLSTATE the triggers raise (class P0, "PL/pgSQL error"); psycopg reports it as
#: an ``InternalError``, which Django re-raises as ``django.db.InternalError``.
FROZEN_SQLSTATE = "P0F01"
#: The transaction-local PostgreSQL setting that lets the triggers pass a change.
UNLOCK_SETTING = "app.allow_frozen_change"

_unlocked = contextvars.ContextVar("frozen_records_unlocked", default="")


def unlocked_reason() -> str:
    """The reason given to the active :func:`frozen_records_unlocked`, or ``""``."""
    return _unlocked.get()


@contextmanager
def frozen_records_unlocked(reason: str, *, using=None):
    """Let frozen records be changed inside the block: the queryset guard passes, and on
    PostgreSQL the triggers (the block is one transaction, ``set_config(..., true)``).

    ``save()``/``delete()`` of the models still refuse: the escape is for queryset
    ``update()``/``delete()`` and for data migrations (whose historical models have
    neither the guard nor ``save()``'s check). The reason is logged as a warning.
    """
    reason = (reason or "").strip()
    if not reason:
        raise ValueError("frozen_records_unlocked() needs the reason for the change.")
    conn = connections[using] if using else connection
    logger.warning("Frozen records unlocked: %s", reason)
    token = _unlocked.set(reason)
    try:
        with transaction.atomic(using=conn.alias):
            if conn.vendor == "postgresql":
                with conn.cursor() as cursor:
                    cursor.execute("SELECT set_config(%s, %s, true)", [UNLOCK_SETTING, reason])
            try:
                yield
            finally:
                if conn.vendor == "postgresql" and not conn.needs_rollback:
                    with conn.cursor() as cursor:
                        cursor.execute("SELECT set_config(%s, '', true)", [UNLOCK_SETTING])
    finally:
        _unlocked.reset(token)


def is_frozen_error(exc: BaseException) -> bool:
    """Whether a database error is a trigger's refusal of a frozen record."""
    cause = getattr(exc, "__cause__", None) or exc
    return getattr(cause, "sqlstate", None) == FROZEN_SQLSTATE


# -- the PostgreSQL side ----------------------------------------------------------------

# The order of the standard's stages (``engagements.stages.ORDER``); an ended engagement
# (declined, terminated) has passed every stage, as ``Engagement.has_passed`` says.
_STAGE_ORDER_SQL = """
CREATE OR REPLACE FUNCTION engagements_stage_order(stage text) RETURNS integer
LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE stage
    WHEN 'needs_analysis' THEN 0 WHEN 'communication' THEN 1 WHEN 'contracting' THEN 2
    WHEN 'delivery' THEN 3 WHEN 'evaluation' THEN 4 WHEN 'follow_up' THEN 5
    WHEN 'closed' THEN 6 WHEN 'declined' THEN 100 WHEN 'terminated' THEN 100
    ELSE -1 END
$$;
"""

FUNCTIONS_SQL = _STAGE_ORDER_SQL + f"""
CREATE OR REPLACE FUNCTION engagements_frozen_unlocked() RETURNS boolean
LANGUAGE sql STABLE AS $$
  SELECT coalesce(current_setting('{UNLOCK_SETTING}', true), '') <> ''
$$;

CREATE OR REPLACE FUNCTION engagements_has_passed(engagement_id bigint, record_stage text)
RETURNS boolean LANGUAGE sql STABLE AS $$
  SELECT coalesce((SELECT engagements_stage_order(e.stage) > engagements_stage_order(record_stage)
                   FROM engagements_engagement e WHERE e.id = engagement_id), false)
$$;

-- BEFORE UPDATE OR DELETE of a record of an engagement: TG_ARGV[0] is the stage whose
-- passing freezes the row; refused once the row's engagement has passed it.
CREATE OR REPLACE FUNCTION engagements_refuse_passed_stage() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF NOT engagements_frozen_unlocked()
     AND engagements_has_passed(OLD.engagement_id, TG_ARGV[0]) THEN
    RAISE EXCEPTION 'frozen record: % row % belongs to the % stage, which its engagement has passed',
      TG_TABLE_NAME, OLD.id, TG_ARGV[0] USING ERRCODE = '{FROZEN_SQLSTATE}';
  END IF;
  IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
  RETURN NEW;
END
$$;

-- BEFORE UPDATE OR DELETE, for a trigger whose WHEN clause decides: TG_ARGV[0] says why.
CREATE OR REPLACE FUNCTION engagements_refuse_frozen() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF NOT engagements_frozen_unlocked() THEN
    RAISE EXCEPTION 'frozen record: % row %: %', TG_TABLE_NAME, OLD.id, TG_ARGV[0]
      USING ERRCODE = '{FROZEN_SQLSTATE}';
  END IF;
  IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
  RETURN NEW;
END
$$;
"""


DROP_FUNCTIONS_SQL = """
DROP FUNCTION IF EXISTS engagements_refuse_frozen();
DROP FUNCTION IF EXISTS engagements_refuse_passed_stage();
DROP FUNCTION IF EXISTS engagements_has_passed(bigint, text);
DROP FUNCTION IF EXISTS engagements_frozen_unlocked();
DROP FUNCTION IF EXISTS engagements_stage_order(text);
"""


def stage_trigger(table: str, stage: str, *, name: str = "frozen_stage", when: str = "") -> tuple[str, str]:
    """The SQL (create, drop) of the trigger that freezes ``table``'s rows once their
    engagement has passed ``stage``; ``when`` narrows it to some rows (``OLD.…``)."""
    trigger = f"{table}_{name}"
    condition = f" WHEN ({when})" if when else ""
    create = (f"CREATE TRIGGER {trigger} BEFORE UPDATE OR DELETE ON {table} FOR EACH ROW"
              f"{condition} EXECUTE FUNCTION engagements_refuse_passed_stage('{stage}');")
    return create, f"DROP TRIGGER IF EXISTS {trigger} ON {table};"


def condition_trigger(table: str, name: str, events: str, when: str, why: str) -> tuple[str, str]:
    """The SQL (create, drop) of a trigger that refuses ``events`` (``"UPDATE"``,
    ``"DELETE"``, ``"UPDATE OR DELETE"``) of the rows of ``table`` matching ``when``."""
    trigger = f"{table}_{name}"
    condition = f" WHEN ({when})" if when else ""
    why = why.replace("'", "''")
    create = (f"CREATE TRIGGER {trigger} BEFORE {events} ON {table} FOR EACH ROW{condition}"
              f" EXECUTE FUNCTION engagements_refuse_frozen('{why}');")
    return create, f"DROP TRIGGER IF EXISTS {trigger} ON {table};"


def changed(*columns: str) -> str:
    """A trigger condition: any of ``columns`` changes."""
    return " OR ".join(f"OLD.{c} IS DISTINCT FROM NEW.{c}" for c in columns)


def run_on_postgresql(*statements: str):
    """A ``RunPython`` function that runs ``statements`` on PostgreSQL only (SQLite has
    the queryset guard and the models' own checks)."""

    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        with schema_editor.connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)  # no parameters: plpgsql's % stays as it is

    return run


def trigger_operation(triggers: list[tuple[str, str]]):
    """The migration operation creating ``triggers`` (on PostgreSQL), reversibly."""
    return migrations.RunPython(
        run_on_postgresql(*(create for create, _drop in triggers)),
        run_on_postgresql(*(drop for _create, drop in reversed(triggers))),
    )
