"""The PostgreSQL backend that keeps each connection's firm in line with the firm scope.

Before every statement Django runs (an execute wrapper, innermost, so query counts are
unchanged), the connection compares the scope's :func:`~consultancy.tenancy.rls.database_state`
(``app.firm_id``, ``app.user_id``, ``app.cross_firm``) with what it last set, and sets
the three when they differ, in one round trip. The scope is the only source: there is no
way to set the database's firm other than entering a scope.

Two ways of setting them, chosen by ``DATABASES[...]["RLS_SET_LOCAL"]`` (README,
"PostgreSQL"):

* **session** (default): ``set_config(…, false)``, kept by the connection between
  statements. Correct with persistent connections (``CONN_MAX_AGE`` > 0), Django's psycopg
  pool and pgbouncer in *session* mode: the value is (re)set whenever the scope differs
  from what the connection last set; what the connection holds is forgotten (so set again
  before the next statement) when it is opened or taken from the pool, and after every
  rollback (a rolled-back ``set_config`` reverts), and it is reset to "no firm" at the end
  of every request and Celery task (:func:`consultancy.tenancy.rls.sync_connections`).
* **transaction-local** (``RLS_SET_LOCAL = True``, for pgbouncer in *transaction* mode,
  where consecutive transactions may run on different server connections):
  ``set_config(…, true)`` as the first statement of every transaction, and a statement run
  outside a transaction is wrapped in one (``BEGIN``; the settings; the statement;
  ``COMMIT``), so that nothing is ever set on the server connection beyond a transaction.
"""

from django.db.backends.postgresql import base

from consultancy.tenancy import rls

SET_SQL = (f"SELECT set_config('{rls.FIRM_SETTING}', %s, {{local}}), "
           f"set_config('{rls.USER_SETTING}', %s, {{local}}), "
           f"set_config('{rls.CROSS_FIRM_SETTING}', %s, {{local}})")


class DatabaseWrapper(base.DatabaseWrapper):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.rls_set_local = bool(self.settings_dict.get("RLS_SET_LOCAL", False))
        #: What this connection's settings hold, or None when unknown (set them first).
        self.rls_applied = None
        #: How many times the settings were sent (the benchmark reports it).
        self.rls_set_count = 0
        self.execute_wrappers.insert(0, self._rls_execute)

    # -- what the connection holds is forgotten whenever it may have changed ------------

    def connect(self):
        self.rls_applied = None
        super().connect()
        self.rls_applied = None

    def _close(self):
        self.rls_applied = None
        super()._close()

    def _rollback(self):
        try:
            super()._rollback()
        finally:
            self.rls_applied = None

    def _savepoint_rollback(self, sid):
        try:
            super()._savepoint_rollback(sid)
        finally:
            self.rls_applied = None

    def _commit(self):
        try:
            super()._commit()
        finally:
            if self.rls_set_local:
                self.rls_applied = None

    # -- setting them -------------------------------------------------------------------

    def _rls_set(self, state):
        sql = SET_SQL.format(local="true" if self.rls_set_local else "false")
        with self.wrap_database_errors, self.connection.cursor() as cursor:
            cursor.execute(sql, list(state), prepare=False)
        self.rls_applied = state
        self.rls_set_count += 1

    def _rls_execute(self, execute, sql, params, many, context):
        state = rls.database_state()
        if self.rls_set_local and not self.in_atomic_block and self.get_autocommit():
            # One transaction for the settings and the statement (transaction pooling):
            # psycopg's BEGIN … COMMIT, outside Django's atomic bookkeeping.
            with self.wrap_database_errors, self.connection.transaction():
                try:
                    self._rls_set(state)
                    return execute(sql, params, many, context)
                finally:
                    self.rls_applied = None  # gone with the transaction
        if state != self.rls_applied:
            self._rls_set(state)
        return execute(sql, params, many, context)

    def rls_sync_now(self):
        """Set the current scope's state now if the connection holds another (the end of
        a request or a task: no firm left on an idle connection). Best effort: a broken
        connection or transaction is left alone, and forgotten (set before its next
        statement)."""
        if self.connection is None or self.rls_set_local:
            return
        state = rls.database_state()
        if state == self.rls_applied:
            return
        if self.needs_rollback:
            self.rls_applied = None
            return
        try:
            self._rls_set(state)
        except Exception:
            self.rls_applied = None
