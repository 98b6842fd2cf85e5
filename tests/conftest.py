"""Shared fixtures. Every view test has two firms: ``a`` (ours) and ``b`` (the other one)."""

import os
import uuid
from contextlib import contextmanager
from dataclasses import dataclass

import environ
import pytest
from django.conf import settings as django_settings
from django.utils import translation

from tests import factories as f
from tests.scoping import scopes_disabled

# Playwright's sync API runs an event loop in the test thread; Django's ORM calls made by
# the test itself (fixtures) are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


# -- PostgreSQL: the suite runs as the runtime role -----------------------------------------
#
# With DATABASE_OWNER_URL set (the CI's second pass), the test databases are created,
# migrated and dropped by the owner role, and every test runs connected as DATABASE_URL's
# role: neither superuser nor BYPASSRLS nor owner, so row-level security applies to the whole
# suite as in production. Each xdist worker has its own database and does the same.
# TransactionTestCase (``transaction=True``) empties the tables after each test with
# TRUNCATE, which production never grants: the owner grants it in the test databases only.

_OWNER_URL = os.environ.get("DATABASE_OWNER_URL", "")


def _connect_as(user, password):
    from django.db import connections

    connection = connections["default"]
    connection.close()
    connection.settings_dict["USER"] = user
    connection.settings_dict["PASSWORD"] = password


def _as_owner():
    owner = environ.Env.db_url_config(_OWNER_URL)
    _connect_as(owner["USER"], owner.get("PASSWORD", ""))


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix):
    """The test database is created and migrated by the owner (before pytest-django's
    ``django_db_setup``, which depends on this fixture)."""
    if _OWNER_URL:
        from django.conf import settings

        runtime = settings.DATABASES["default"]
        _RUNTIME.update(USER=runtime["USER"], PASSWORD=runtime.get("PASSWORD", ""))
        _as_owner()


_RUNTIME: dict = {}


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """pytest-django's set-up (as the owner), then every test as the runtime role."""
    if not _OWNER_URL:
        yield
        return
    from django.db import connection

    with django_db_blocker.unblock():
        with connection.cursor() as cursor:  # the test database only (see above)
            role = _RUNTIME["USER"].replace('"', '""')
            cursor.execute(f'GRANT TRUNCATE ON ALL TABLES IN SCHEMA public TO "{role}"')
        _connect_as(_RUNTIME["USER"], _RUNTIME["PASSWORD"])
    yield
    with django_db_blocker.unblock():
        _as_owner()  # pytest-django's teardown drops the database as its owner


@pytest.fixture
def database_owner():
    """``USER``/``PASSWORD`` of the owner role (what creates databases and restores), or of
    the connected role when the suite runs as one role only."""
    from django.db import connection

    if not _OWNER_URL:
        return {"USER": connection.settings_dict["USER"],
                "PASSWORD": connection.settings_dict.get("PASSWORD", "")}
    owner = environ.Env.db_url_config(_OWNER_URL)
    return {"USER": owner["USER"], "PASSWORD": owner.get("PASSWORD", "")}


@pytest.fixture(autouse=True)
def _default_language():
    """Every test starts in the default language (简体中文): the test client serves requests
    in this thread, and a request of an English-speaking user leaves English active."""
    translation.activate(django_settings.LANGUAGE_CODE)
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "private"


@pytest.fixture(autouse=True)
def _fresh_rate_limits(settings):
    """Rate-limit counters live in the cache (shared by the tests of a process, and by
    every run when it is Redis): each test counts under keys of its own."""
    settings.RATE_LIMIT_CACHE_PREFIX = f"ratelimit-test-{uuid.uuid4().hex}"


@pytest.fixture(autouse=True)
def _fresh_page_cache(settings):
    """Cached pages (``tenancy.pagecache``) are kept under keys of each test's own: a page
    cached by an earlier test (or run) with the same ids is never served to this one."""
    settings.PAGE_CACHE_PREFIX = f"pagecache-test-{uuid.uuid4().hex}"


@contextmanager
def eager_celery():
    """Celery tasks run in-process inside this block, even when REDIS_URL is set."""
    from consultancy.celery import app

    saved = app.conf.task_always_eager, app.conf.task_eager_propagates
    app.conf.task_always_eager = app.conf.task_eager_propagates = True
    try:
        yield
    finally:
        app.conf.task_always_eager, app.conf.task_eager_propagates = saved


@pytest.fixture(autouse=True)
def _eager_celery(request):
    """Tasks run in-process here even when REDIS_URL is set (the CI's second run), except
    in the tests marked ``redis``, which use a real worker."""
    if request.node.get_closest_marker("redis"):
        yield
        return
    with eager_celery():
        yield


@pytest.fixture
def unscoped():
    """Test set-up runs outside any request: open the scopes for it explicitly."""
    with scopes_disabled():
        yield


@dataclass
class FirmWorld:
    firm: object
    manager: object
    consultant: object
    client: object
    contact: object  # with a portal login
    qualification: object


def _world(db, label):
    with scopes_disabled():
        firm = f.FirmFactory(name=f"{label}咨询公司")
        manager = f.ManagerFactory(firm=firm, email=f"manager@{label}.test")
        consultant = f.ConsultantFactory(firm=firm, email=f"consultant@{label}.test")
        client = f.ClientFactory(firm=firm, name=f"{label}客户有限公司")
        contact = f.PortalContactFactory(client=client, email=f"contact@{label}.test")
        qualification = f.QualificationFactory(holder=consultant)
    return FirmWorld(firm, manager, consultant, client, contact, qualification)


@pytest.fixture
def a(db):
    return _world(db, "a")


@pytest.fixture
def b(db):
    return _world(db, "b")


def login(client, user):
    client.force_login(user)
    return client


def zh(message, **values):
    """``message`` as a Chinese page shows it (zh-hans is the default language), HTML-escaped
    the way templates escape it: for asserting on a page's text without hard-coding either
    language."""
    from django.utils.html import escape
    from django.utils.translation import gettext, override

    with override("zh-hans"):
        text = gettext(message)
    return escape(text % values if values else text)


@pytest.fixture
def china_calendar(db):
    """China's working-day calendar as its migration seeds it (2004–2026), also when a
    transactional test before this one emptied the tables (a flush loses what migrations
    wrote): the complaint time limits count it. The calendar's cache is cleared around
    the test."""
    import importlib

    from django.apps import apps as django_apps

    from consultancy.workdays import calendar

    migration = importlib.import_module(
        "consultancy.workdays.migrations.0002_seed_the_state_councils_schedules")
    with scopes_disabled():
        migration.seed(django_apps, None)
    calendar.forget()
    yield
    calendar.forget()
