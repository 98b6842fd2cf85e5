"""Row-level security, tenancy's second line (consultancy.tenancy.rls; DESIGN.md "Tenancy").

On every database: each model with a firm has a ``FirmRowLevelSecurity`` operation in its
app's migrations (a new model cannot forget it). On PostgreSQL (the CI's second pass, as
the runtime role): every such table is ``FORCE``d with the policy; a raw query escaping the
ORM sees no firm's rows without a firm, exactly firm A's with A set, and cannot write B's;
one connection serving A then B (persistent, pooled, transaction-pooled) never carries A
into B; a Celery task sees only its firm.
"""

import os

import pytest
from celery import shared_task
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django.test import Client as HttpClient
from django.test.utils import override_settings
from django.urls import include, path

from consultancy.tenancy import checks, rls
from consultancy.tenancy.models import User
from consultancy.tenancy.postgresql.base import DatabaseWrapper
from consultancy.tenancy.scoping import firm_scope
from tests import factories as f
from tests.conftest import eager_celery, login
from tests.scoping import scopes_disabled

postgres = pytest.mark.skipif(connection.vendor != "postgresql",
                              reason="row-level security is PostgreSQL's")


# -- every database: the registry ----------------------------------------------------------


def test_every_model_with_a_firm_has_a_policy_in_its_migrations():
    missing = rls.models_without_policy()
    assert not missing, (
        "These models have a firm but no row-level security policy: add "
        "FirmRowLevelSecurity(\"<model_name>\") (consultancy.tenancy.rls) to a migration of "
        f"each one's app: {', '.join(missing)}")
    assert len(rls.firm_owned_models()) >= 79  # history tables included


def test_a_model_without_a_policy_is_named(monkeypatch):
    covered = rls.models_with_policy_migrations()
    assert "engagements.engagement" in covered
    monkeypatch.setattr(rls, "models_with_policy_migrations",
                        lambda: covered - {"engagements.engagement"})
    assert rls.models_without_policy() == ["engagements.Engagement"]
    warnings = checks.firm_policies()
    assert [w.id for w in warnings] == ["tenancy.W201"]
    assert "engagements.Engagement" in warnings[0].msg
    assert 'FirmRowLevelSecurity("engagement")' in warnings[0].hint


def test_the_cross_firm_mode_needs_a_reason_and_is_logged(caplog):
    with pytest.raises(ValueError):
        with rls.cross_firm(""):
            pass
    with caplog.at_level("INFO", logger="consultancy.tenancy.rls"):
        with rls.cross_firm("a repair of the calendar"):
            assert rls.database_state() == ("", "", "on")
            assert rls.cross_firm_reason() == "a repair of the calendar"
    assert "cross-firm mode: a repair of the calendar" in caplog.text


def test_the_database_state_follows_the_scope():
    from django_scopes import scopes_disabled as orm_only

    assert rls.database_state() == rls.NO_FIRM
    with firm_scope(7, user=3):
        assert rls.database_state() == ("7", "3", "")
        with orm_only():  # opens the ORM only: the database keeps the firm
            assert rls.database_state() == ("7", "3", "")
        with rls.cross_firm("test"):
            assert rls.database_state() == ("", "", "on")
            with firm_scope(8):  # a firm inside the cross-firm mode is that firm
                assert rls.database_state() == ("8", "", "")
    with orm_only():
        assert rls.database_state() == rls.NO_FIRM
    with rls.user_scope(5):
        assert rls.database_state() == ("", "5", "")


# -- PostgreSQL ------------------------------------------------------------------------------


def _raw(sql, params=()):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


@postgres
@pytest.mark.postgres
@pytest.mark.django_db
def test_the_suite_runs_as_the_runtime_role():
    report = rls.role_report(connection)
    if not os.environ.get("DATABASE_OWNER_URL"):
        if os.environ.get("CI"):
            pytest.fail("CI runs the PostgreSQL pass as the runtime role: set DATABASE_OWNER_URL")
        pytest.skip(f"connected as {report['role']}, not as a runtime role "
                    "(set DATABASE_OWNER_URL to the owner and DATABASE_URL to the runtime role)")
    assert report["superuser"] is False
    assert report["bypassrls"] is False
    assert report["tables_owned"] == 0
    # Its rights: the four on the tables, never TRUNCATE in production (the test databases
    # grant it for TransactionTestCase's flush, tests/conftest.py), never REFERENCES/TRIGGER.
    rights = dict(_raw("""
        SELECT privilege_type, count(*) FROM information_schema.role_table_grants
        WHERE grantee = current_user AND table_schema = current_schema()
        GROUP BY privilege_type"""))
    assert {"SELECT", "INSERT", "UPDATE", "DELETE"} <= set(rights)
    assert not {"REFERENCES", "TRIGGER"} & set(rights)


@postgres
@pytest.mark.postgres
@pytest.mark.django_db
def test_every_table_with_a_firm_has_the_forced_policy():
    assert rls.tables_without_forced_policy() == []
    forced = {row[0] for row in _raw("""
        SELECT c.relname FROM pg_class c JOIN pg_policies p ON p.tablename = c.relname
        WHERE c.relrowsecurity AND c.relforcerowsecurity AND p.policyname = %s""",
        [rls.POLICY_NAME])}
    assert {m._meta.db_table for m in rls.firm_owned_models()} <= forced


@pytest.fixture
def demo_firms(db, settings):
    """The demo's two firms, with rows in (nearly) every firm-owned table. Built inside the
    test's transaction, so its on-commit PDF renders never run."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.dummy.EmailBackend"
    call_command("demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
    with scopes_disabled():
        antai = User.objects.get(email="manager@antai.example").firm
        huaan = User.objects.get(email="manager@huaan.example").firm
    return antai, huaan


def _counts(tables, firm_column_filter=None):
    counts = {}
    for table in tables:
        where = f" WHERE firm_id = {int(firm_column_filter)}" if firm_column_filter else ""
        counts[table] = _raw(f'SELECT count(*) FROM "{table}"{where}')[0][0]
    return counts


@postgres
@pytest.mark.postgres
def test_a_raw_select_sees_no_firm_without_one_and_exactly_its_firm_with_one(demo_firms):
    antai, huaan = demo_firms
    tables = sorted({m._meta.db_table for m in rls.firm_owned_models()})
    with rls.cross_firm("test: what each table holds"):
        all_rows = _counts(tables)
        antai_rows = _counts(tables, antai.pk)
        huaan_rows = _counts(tables, huaan.pk)
    filled = [t for t in tables if antai_rows[t] and huaan_rows[t]]
    assert len(filled) >= 0.6 * len(tables), "the demo should fill most tables of both firms"

    assert _counts(tables) == dict.fromkeys(tables, 0)  # no firm set: nothing
    with firm_scope(antai):
        seen = _counts(tables)
        assert seen == antai_rows  # exactly A's rows...
        assert _raw("SELECT DISTINCT firm_id FROM clients_client") == [(antai.pk,)]
    for table in filled:
        assert seen[table] < all_rows[table], table  # ...never B's
    with firm_scope(huaan):
        assert _counts(tables) == huaan_rows
    with firm_scope(antai):  # another firm's rows are not there even when asked for
        assert _counts(tables, huaan.pk) == dict.fromkeys(tables, 0)


@pytest.fixture
def two_firms(db):
    with scopes_disabled():
        a = f.ClientFactory(name="甲方客户").firm
        b = f.ClientFactory(name="乙方客户").firm
    return a, b


def _refused(sql, params):
    with pytest.raises(DatabaseError) as exc, transaction.atomic():
        _raw(sql, params)
    return str(exc.value)


@postgres
@pytest.mark.postgres
def test_writing_another_firms_id_is_refused(two_firms):
    a, b = two_firms
    with firm_scope(a):
        message = _refused(
            "INSERT INTO clients_client (firm_id, name, uscc, industry, address, size, "
            "created_at) VALUES (%s, '乙方的新客户', '', 'chemical', '', 'medium', now()) "
            "RETURNING id", [b.pk])
        assert "row-level security" in message
        mine = _raw("SELECT id FROM clients_client")[0][0]
        message = _refused("UPDATE clients_client SET firm_id = %s WHERE id = %s RETURNING id",
                           [b.pk, mine])
        assert "row-level security" in message
        # B's row cannot be reached to be changed or deleted: nothing happens.
        with connection.cursor() as cursor:
            cursor.execute("UPDATE clients_client SET name = 'x' WHERE firm_id = %s", [b.pk])
            assert cursor.rowcount == 0
            cursor.execute("DELETE FROM clients_client WHERE firm_id = %s", [b.pk])
            assert cursor.rowcount == 0
    with rls.cross_firm("test: B's client is still there"):
        assert _raw("SELECT name FROM clients_client WHERE firm_id = %s", [b.pk]) == [("乙方客户",)]
    # With no firm set, nothing can be written at all.
    message = _refused("INSERT INTO clients_client (firm_id, name, uscc, industry, address, "
                       "size, created_at) VALUES (%s, 'x', '', 'chemical', '', 'medium', now())",
                       [a.pk])
    assert "row-level security" in message


# -- one connection, firm after firm ----------------------------------------------------------


def raw_clients_view(request):
    """A view that escapes the ORM (as a bug would): a raw SELECT of every client."""
    from django.http import JsonResponse

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid(), current_setting('app.firm_id', true)")
        pid, setting = cursor.fetchone()
        cursor.execute("SELECT DISTINCT firm_id FROM clients_client ORDER BY 1")
        firms = [row[0] for row in cursor.fetchall()]
    return JsonResponse({"pid": pid, "setting": setting, "firms": firms})


urlpatterns = [path("raw-clients/", raw_clients_view), path("", include("consultancy.urls"))]


@postgres
@pytest.mark.postgres
@override_settings(ROOT_URLCONF=__name__)
@pytest.mark.parametrize("health_checks", [False, True])
def test_requests_for_two_firms_on_one_persistent_connection(two_firms, settings,
                                                             health_checks):
    """As the settings run it (CONN_MAX_AGE with CONN_HEALTH_CHECKS) and without the
    checks: the connection kept between requests holds no firm in between."""
    a, b = two_firms
    before = {k: connection.settings_dict[k] for k in ("CONN_MAX_AGE", "CONN_HEALTH_CHECKS")}
    connection.settings_dict["CONN_MAX_AGE"] = 600  # persistent connections
    connection.settings_dict["CONN_HEALTH_CHECKS"] = health_checks
    try:
        with scopes_disabled():
            alice = f.ManagerFactory(firm=a)
            bob = f.ManagerFactory(firm=b)
        first = login(HttpClient(), alice).get("/raw-clients/").json()
        assert first["firms"] == [a.pk] and first["setting"] == str(a.pk)
        # After the request the connection holds no firm.
        assert _raw("SELECT current_setting('app.firm_id', true)") == [("",)]
        assert _raw("SELECT count(*) FROM clients_client") == [(0,)]
        second = login(HttpClient(), bob).get("/raw-clients/").json()
        assert second["pid"] == first["pid"]  # the same server connection
        assert second["firms"] == [b.pk] and second["setting"] == str(b.pk)
        anonymous = HttpClient().get("/raw-clients/").json()
        assert anonymous["pid"] == first["pid"] and anonymous["firms"] == []
    finally:
        connection.settings_dict.update(before)


def _wrapper(**settings):
    return DatabaseWrapper({**connection.settings_dict, **settings}, alias="rls-test")


def _committed_two_firms():
    with scopes_disabled():
        a = f.ClientFactory(name="池甲客户").firm
        b = f.ClientFactory(name="池乙客户").firm
    return a, b


def _seen(conn):
    with conn.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
        cursor.execute("SELECT DISTINCT firm_id FROM clients_client ORDER BY 1")
        return pid, [row[0] for row in cursor.fetchall()]


@postgres
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_psycopg_pool_never_hands_out_a_connection_with_a_firm():
    pytest.importorskip("psycopg_pool")
    a, b = _committed_two_firms()
    conn = _wrapper(OPTIONS={**connection.settings_dict.get("OPTIONS", {}),
                             "pool": {"min_size": 1, "max_size": 1}}, CONN_MAX_AGE=0)
    try:
        with firm_scope(a):
            pid, firms = _seen(conn)
            assert firms == [a.pk]
            conn.close()  # back to the pool, with app.firm_id still set on the server
        # Taken from the pool again: the same server connection, and no firm.
        again, firms = _seen(conn)
        assert again == pid and firms == []
        with firm_scope(b):
            assert _seen(conn) == (pid, [b.pk])
    finally:
        conn.close()
        conn.close_pool()


@postgres
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_transaction_pooling_sets_the_firm_inside_each_transaction_only():
    """pgbouncer in transaction mode: nothing may stay on the server connection after a
    transaction, since the next one may belong to another client."""
    a, b = _committed_two_firms()
    conn = _wrapper(RLS_SET_LOCAL=True)
    try:
        with firm_scope(a):
            assert _seen(conn)[1] == [a.pk]  # statements outside a transaction
        # What the server connection holds between transactions: no firm.
        raw = conn.connection.execute("SELECT current_setting('app.firm_id', true), "
                                      "current_setting('app.cross_firm', true)").fetchone()
        assert raw in ((None, None), ("", ""))
        with firm_scope(b):
            conn.set_autocommit(False)
            assert _seen(conn)[1] == [b.pk]
            conn.commit()
            conn.set_autocommit(True)
        raw = conn.connection.execute("SELECT current_setting('app.firm_id', true)").fetchone()
        assert raw[0] in (None, "")
    finally:
        conn.close()


# -- Celery ----------------------------------------------------------------------------------


@shared_task(name="tests.tenancy.raw_client_firms", ignore_result=False)  # its result is read
def raw_client_firms(firm_id):
    """A task as the product writes them: it takes its firm and enters its scope."""
    with firm_scope(firm_id), connection.cursor() as cursor:
        cursor.execute("SELECT DISTINCT firm_id FROM clients_client ORDER BY 1")
        return [row[0] for row in cursor.fetchall()]


@postgres
@pytest.mark.postgres
def test_a_celery_task_for_firm_a_sees_only_firm_as_rows(two_firms):
    a, b = two_firms
    with eager_celery():
        assert raw_client_firms.delay(a.pk).get() == [a.pk]
        assert raw_client_firms.delay(b.pk).get() == [b.pk]
    # After the task the connection holds no firm (the worker's next task starts clean).
    assert _raw("SELECT count(*) FROM clients_client") == [(0,)]


@postgres
@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_runs_each_task_in_its_own_firm():
    if not os.environ.get("REDIS_URL"):
        pytest.skip("REDIS_URL is not set: Celery runs eagerly (tested above)")
    from celery.contrib.testing.worker import start_worker

    from consultancy.celery import app

    a, b = _committed_two_firms()
    with start_worker(app, perform_ping_check=False, pool="solo", loglevel="WARNING"):
        assert raw_client_firms.delay(a.pk).get(timeout=60) == [a.pk]
        assert raw_client_firms.delay(b.pk).get(timeout=60) == [b.pk]
        assert raw_client_firms.delay(a.pk).get(timeout=60) == [a.pk]
