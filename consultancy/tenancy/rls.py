"""Row-level security: tenancy's second line, in PostgreSQL itself (DESIGN.md, "Tenancy").

The first line is the ORM's firm scope (django-scopes, :mod:`.scoping`). If a query ever
escapes it (raw SQL, a new manager, a bug in a selector), PostgreSQL returns no other
firm's rows, because every table with a ``firm_id`` has

* ``ENABLE`` and ``FORCE ROW LEVEL SECURITY`` (the owner is bound too), and
* one policy, ``firm_isolation``, ``USING`` and ``WITH CHECK``
  ``firm_id = rls_firm_id() OR rls_cross_firm()``: with no firm set, no row is read or
  written.

``rls_firm_id()`` reads the setting ``app.firm_id``, ``rls_cross_firm()`` the setting
``app.cross_firm`` (SQL functions of tenancy's migration ``0004``). The application
connects as a runtime role that is neither superuser nor ``BYPASSRLS`` nor the owner of
any table (README, "PostgreSQL"); migrations run as the owner.

**One act.** Entering a firm scope *is* setting the database's firm: the scope state of
django-scopes (a context variable) is the single source, and the database backend
(:mod:`consultancy.tenancy.postgresql`) brings each connection's settings in line with it
before every statement it runs (:func:`database_state`). So ``firm_scope(firm)`` in a
request, a Celery task or a command sets ``app.firm_id``; leaving it unsets it.

**Cross-firm work** (the operator's admin, the demo builder, migrations, backups, the
files inventory) goes through one door: :func:`cross_firm` with a reason, which opens the
ORM scope and sets ``app.cross_firm``, and is logged each time (logger
``consultancy.tenancy.rls``). ``scopes_disabled()`` alone opens only the ORM: the database
keeps the firm that was set, or none.

**Before a firm is known** a few reads are needed; each is narrow:

* log-in and password reset find a user by e-mail: :data:`USER_BY_EMAIL`, a
  ``SECURITY DEFINER`` function that returns only the id and the firm of that one user;
* the session loads its user by id, and the password-reset (and portal set-password)
  link names its user by id: :func:`user_scope` sets ``app.user_id``, and the users'
  policy lets exactly that row through (``id = rls_user_id()``);
* the survey link ``/survey/<token>/`` (no login): ``feedback_survey_invitation_by_token``,
  a ``SECURITY DEFINER`` function returning the firm and id of the one invitation with
  that token's hash;
* django-axes' tables and the sessions have no firm: they are not firm data.

Once the firm is known, the code enters its scope and reads as usual.
"""

from __future__ import annotations

import logging
from contextlib import contextmanager
from dataclasses import dataclass

from django.db import connections, migrations
from django_scopes import scope
from django_scopes.state import get_scope

logger = logging.getLogger("consultancy.tenancy.rls")

FIRM_SETTING = "app.firm_id"
USER_SETTING = "app.user_id"
CROSS_FIRM_SETTING = "app.cross_firm"

#: Keys of django-scopes' state that this module adds (besides ``firm``).
CROSS_FIRM = "_cross_firm"
USER = "_user"

#: The database state: (firm id, user id, cross-firm), as the settings' text values.
NO_FIRM = ("", "", "")
POLICY_NAME = "firm_isolation"


# -- the state -------------------------------------------------------------------------


def database_state() -> tuple[str, str, str]:
    """What the current scope asks of the database: ``(app.firm_id, app.user_id,
    app.cross_firm)``. The innermost scope wins: a firm scope inside :func:`cross_firm`
    is that firm; ``scopes_disabled()`` inside a firm scope keeps the firm."""
    current = get_scope()
    if current.get(CROSS_FIRM):
        return ("", "", "on")
    firm = current.get("firm")
    firm_id = getattr(firm, "pk", firm)
    user_id = current.get(USER)
    return ("" if firm_id is None else str(int(firm_id)),
            "" if user_id is None else str(int(user_id)), "")


def cross_firm_reason() -> str:
    """The reason given to the active :func:`cross_firm`, or ``""``."""
    return get_scope().get(CROSS_FIRM) or ""


@contextmanager
def cross_firm(reason: str):
    """The one explicit way to work across firms: the ORM is unscoped and the database's
    policies let every firm's rows through (``app.cross_firm``). For platform work only
    (the operator's admin, the demo, migrations, backups, the files inventory, test
    set-up); the reason is logged each time."""
    reason = (reason or "").strip()
    if not reason:
        raise ValueError("cross_firm() needs the reason for working across firms.")
    logger.info("cross-firm mode: %s", reason)
    with scope(_enabled=False, firm=None, **{CROSS_FIRM: reason, USER: None}):
        yield


@contextmanager
def no_firm():
    """No firm at all, whatever the enclosing scope (an anonymous request): the ORM's
    firm-owned managers raise and the database shows no firm's rows."""
    with scope(_enabled=True, firm=None, **{CROSS_FIRM: None, USER: None}):
        yield


@contextmanager
def user_scope(user_id):
    """Let the database show the one user row ``user_id`` (and that user's own history),
    before their firm is known: the session's user, a password-reset link's user. The
    firm scope (if any) is unchanged."""
    if user_id is None or user_id == "":
        raise ValueError("user_scope() needs a user id.")
    with scope(**{USER: int(user_id)}):
        yield


def sync_connections() -> None:
    """Bring every open PostgreSQL connection in line with the current scope now (the
    backend does it lazily before each statement; this is for the end of a request or a
    task, so that an idle pooled or persistent connection holds no firm)."""
    for conn in connections.all(initialized_only=True):
        reset = getattr(conn, "rls_sync_now", None)
        if reset is not None:
            reset()


# -- the migration operations ----------------------------------------------------------

FUNCTIONS_SQL = f"""
CREATE OR REPLACE FUNCTION rls_firm_id() RETURNS bigint
LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT NULLIF(current_setting('{FIRM_SETTING}', true), '')::bigint
$$;
CREATE OR REPLACE FUNCTION rls_user_id() RETURNS bigint
LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT NULLIF(current_setting('{USER_SETTING}', true), '')::bigint
$$;
CREATE OR REPLACE FUNCTION rls_cross_firm() RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT coalesce(current_setting('{CROSS_FIRM_SETTING}', true), '') = 'on'
$$;
"""
DROP_FUNCTIONS_SQL = """
DROP FUNCTION IF EXISTS rls_cross_firm();
DROP FUNCTION IF EXISTS rls_user_id();
DROP FUNCTION IF EXISTS rls_firm_id();
"""


def policy_expression(own_row_column: str | None = None) -> str:
    expression = "firm_id = rls_firm_id() OR rls_cross_firm()"
    if own_row_column:
        expression += f" OR {own_row_column} = rls_user_id()"
    return expression


class CreateRLSFunctions(migrations.RunSQL):
    """The functions the policies call (tenancy's migration, before any policy)."""

    def __init__(self):
        super().__init__(FUNCTIONS_SQL, DROP_FUNCTIONS_SQL)

    def deconstruct(self):
        return self.__class__.__name__, [], {}

    def _run_sql(self, schema_editor, sqls):
        if schema_editor.connection.vendor == "postgresql":
            super()._run_sql(schema_editor, sqls)


class FirmRowLevelSecurity(migrations.operations.base.Operation):
    """Row-level security on one firm-owned model's table (PostgreSQL; nothing on SQLite).

    Every model with a ``firm`` field needs one, in its app's migrations (the test
    ``tests/tenancy/test_rls.py`` names any that has none)::

        operations = [..., FirmRowLevelSecurity("complaintnotice")]

    ``own_row_column``: the users' tables only, whose rows are also visible to
    :func:`user_scope` (the session's user before the firm is known).
    """

    reversible = True
    reduces_to_sql = True

    def __init__(self, model_name: str, own_row_column: str | None = None):
        self.model_name = model_name.lower()
        self.own_row_column = own_row_column

    def deconstruct(self):
        kwargs = {"own_row_column": self.own_row_column} if self.own_row_column else {}
        return self.__class__.__name__, [self.model_name], kwargs

    def state_forwards(self, app_label, state):
        pass

    def _table(self, app_label, state):
        return state.apps.get_model(app_label, self.model_name)._meta.db_table

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor != "postgresql":
            return
        table = schema_editor.quote_name(self._table(app_label, to_state))
        expression = policy_expression(self.own_row_column)
        schema_editor.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        schema_editor.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
        schema_editor.execute(f"DROP POLICY IF EXISTS {POLICY_NAME} ON {table}")
        schema_editor.execute(f"CREATE POLICY {POLICY_NAME} ON {table} FOR ALL "
                              f"USING ({expression}) WITH CHECK ({expression})")

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor != "postgresql":
            return
        table = schema_editor.quote_name(self._table(app_label, from_state))
        schema_editor.execute(f"DROP POLICY IF EXISTS {POLICY_NAME} ON {table}")
        schema_editor.execute(f"ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY")
        schema_editor.execute(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")

    def describe(self):
        return f"Row-level security on {self.model_name}'s firm"

    @property
    def migration_name_fragment(self):
        return f"rls_{self.model_name}"


# -- the narrow lookups before a firm is known -----------------------------------------


@dataclass(frozen=True)
class FirmLookup:
    """A ``SECURITY DEFINER`` function ``name(value text)`` that returns ``(firm_id, id)``
    of the rows of one table whose ``column`` equals ``value`` (without case when
    ``case_insensitive``) and nothing else: the one read a page makes before it knows the
    firm (log-in by e-mail, a survey link's token). It runs as the tables' owner with
    ``app.cross_firm`` set for its own query only."""

    name: str
    app_label: str
    model_name: str
    column: str
    case_insensitive: bool = False

    def _condition(self) -> str:
        if self.case_insensitive:
            return f"lower(t.{self.column}) = lower(value)"
        return f"t.{self.column} = value"

    def create_sql(self, table: str) -> str:
        # PostgreSQL lets only a superuser put a custom setting in a function's SET clause,
        # so the function sets it for the duration of its one query and puts it back.
        return f"""
CREATE OR REPLACE FUNCTION {self.name}(value text)
RETURNS TABLE (firm_id bigint, id bigint)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, public
AS $$
DECLARE
  before text := coalesce(current_setting('{CROSS_FIRM_SETTING}', true), '');
BEGIN
  PERFORM set_config('{CROSS_FIRM_SETTING}', 'on', true);
  RETURN QUERY SELECT t.firm_id, t.id FROM {table} t WHERE {self._condition()};
  PERFORM set_config('{CROSS_FIRM_SETTING}', before, true);
END
$$;
REVOKE ALL ON FUNCTION {self.name}(text) FROM PUBLIC;
"""

    def drop_sql(self) -> str:
        return f"DROP FUNCTION IF EXISTS {self.name}(text);"

    def __call__(self, value: str, *, using: str = "default") -> list[tuple[int | None, int]]:
        """``[(firm_id, id), …]`` of the rows matching ``value`` (at most one for a unique
        column). On SQLite (no row-level security) the same read through the ORM."""
        conn = connections[using]
        if conn.vendor == "postgresql":
            with conn.cursor() as cursor:
                cursor.execute(f"SELECT firm_id, id FROM {self.name}(%s)", [value])
                return [tuple(row) for row in cursor.fetchall()]
        from django.apps import apps

        model = apps.get_model(self.app_label, self.model_name)
        lookup = f"{self.column}__iexact" if self.case_insensitive else self.column
        return list(model._base_manager.using(using).filter(**{lookup: value})
                    .values_list("firm_id", "id"))

    def first(self, value: str, **kwargs) -> tuple[int | None, int] | None:
        rows = self(value, **kwargs)
        return rows[0] if rows else None


class CreateFirmLookup(migrations.operations.base.Operation):
    """Create a :class:`FirmLookup` function (PostgreSQL; nothing on SQLite), granted to
    the runtime role by ``migrate`` (``tenancy.rls_roles``)."""

    reversible = True
    reduces_to_sql = True

    def __init__(self, name, model_name, column, case_insensitive=False):
        self.name, self.model_name, self.column = name, model_name.lower(), column
        self.case_insensitive = case_insensitive

    def deconstruct(self):
        kwargs = {"case_insensitive": True} if self.case_insensitive else {}
        return self.__class__.__name__, [self.name, self.model_name, self.column], kwargs

    def _lookup(self, app_label):
        return FirmLookup(self.name, app_label, self.model_name, self.column,
                          self.case_insensitive)

    def state_forwards(self, app_label, state):
        pass

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor != "postgresql":
            return
        table = to_state.apps.get_model(app_label, self.model_name)._meta.db_table
        schema_editor.execute(self._lookup(app_label).create_sql(schema_editor.quote_name(table)))

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(self._lookup(app_label).drop_sql())

    def describe(self):
        return f"Create the firm lookup {self.name}()"


#: Log-in and password reset: the user with this e-mail address (without case).
USER_BY_EMAIL = FirmLookup("tenancy_user_by_email", "tenancy", "user", "email",
                           case_insensitive=True)


# -- which models are covered ------------------------------------------------------------


def firm_owned_models():
    """Every model (history and many-to-many tables included) with a ``firm_id`` column."""
    from django.apps import apps

    return [m for m in apps.get_models(include_auto_created=True)
            if any(f.column == "firm_id" for f in m._meta.concrete_fields)]


def models_with_policy_migrations() -> set[str]:
    """``app_label.ModelName`` (lower case) of every model a ``FirmRowLevelSecurity``
    operation in the migrations on disk covers (checkable on SQLite too)."""
    from django.db.migrations.loader import MigrationLoader

    loader = MigrationLoader(None, ignore_no_migrations=True)
    covered = set()
    for (app_label, _name), migration in loader.disk_migrations.items():
        for operation in migration.operations:
            if isinstance(operation, FirmRowLevelSecurity):
                covered.add(f"{app_label}.{operation.model_name}")
    return covered


def models_without_policy() -> list[str]:
    """The firm-owned models no migration gives a policy (should be empty)."""
    covered = models_with_policy_migrations()
    return sorted(m._meta.label for m in firm_owned_models()
                  if m._meta.label_lower not in covered)


def tables_without_forced_policy(using: str = "default") -> list[str]:
    """On PostgreSQL: the tables with a ``firm_id`` column that lack ``ENABLE``/``FORCE
    ROW LEVEL SECURITY`` or the ``firm_isolation`` policy (should be empty)."""
    with connections[using].cursor() as cursor:
        cursor.execute("""
            SELECT c.relname FROM pg_class c
            JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = current_schema()
            JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'firm_id'
                                AND NOT a.attisdropped
            WHERE c.relkind IN ('r', 'p')
              AND NOT (c.relrowsecurity AND c.relforcerowsecurity AND EXISTS (
                SELECT 1 FROM pg_policies p WHERE p.schemaname = n.nspname
                  AND p.tablename = c.relname AND p.policyname = %s AND p.cmd = 'ALL'))
            ORDER BY 1""", [POLICY_NAME])
        return [row[0] for row in cursor.fetchall()]


# -- the runtime role's rights -----------------------------------------------------------


def grant_statements(role: str) -> list:
    """The statements (psycopg ``sql``) that give the runtime role what it needs and
    nothing more, on every table and sequence there is now and (default privileges) every
    one the owner creates later: ``SELECT``, ``INSERT``, ``UPDATE``, ``DELETE`` on the
    tables (only ``SELECT`` on ``django_migrations``), ``USAGE``, ``SELECT`` on the
    sequences, ``EXECUTE`` on the functions (the narrow lookups). No ``TRUNCATE``, no
    ``REFERENCES``, no ``TRIGGER``, no ownership."""
    from psycopg import sql

    name = sql.Identifier(role)
    return [statement.format(name) for statement in [
        sql.SQL("GRANT USAGE ON SCHEMA public TO {}"),
        sql.SQL("GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {}"),
        sql.SQL("REVOKE INSERT, UPDATE, DELETE ON django_migrations FROM {}"),
        sql.SQL("GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {}"),
        sql.SQL("GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA public TO {}"),
        sql.SQL("ALTER DEFAULT PRIVILEGES IN SCHEMA public "
                "GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {}"),
        sql.SQL("ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO {}"),
    ]]


def grant_runtime_role(connection, role: str) -> None:
    """Run :func:`grant_statements` on a Django connection (``migrate`` does, as the
    owner)."""
    if connection.vendor != "postgresql" or not role:
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user = %s", [role])
        if cursor.fetchone()[0]:
            return  # connected as the runtime role itself: nothing to grant
        for statement in grant_statements(role):
            cursor.execute(statement.as_string(cursor.cursor))


def role_report(connection) -> dict:
    """What the connected role is: superuser, ``BYPASSRLS``, and how many tables of the
    schema it owns (the runtime role: False, False, 0)."""
    with connection.cursor() as cursor:
        cursor.execute("""
            SELECT r.rolname, r.rolsuper, r.rolbypassrls,
                   (SELECT count(*) FROM pg_tables t WHERE t.schemaname = current_schema()
                      AND t.tableowner = r.rolname)
            FROM pg_roles r WHERE r.rolname = current_user""")
        name, superuser, bypassrls, owned = cursor.fetchone()
    return {"role": name, "superuser": superuser, "bypassrls": bypassrls,
            "tables_owned": owned}
