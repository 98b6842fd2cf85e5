"""Two populated firms, built once per module inside a transaction that is rolled back at
the module's end (each test runs in its own savepoint on top, as usual)."""

import tempfile

import pytest
from django.db import transaction
from django.test import override_settings

from tests.admin.world import populate
from tests.conftest import _world, eager_celery


@pytest.fixture(scope="module")
def worlds(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), tempfile.TemporaryDirectory() as media:
        # Module-scoped: the per-test eager-Celery fixture is not active yet here, and with
        # REDIS_URL set (the CI's PostgreSQL run) the world's tasks must still run.
        with override_settings(MEDIA_ROOT=media), eager_celery():
            atomic = transaction.atomic()
            atomic.__enter__()
            try:
                a, b = _world(None, "a"), _world(None, "b")
                populate(a)
                populate(b)
                yield a, b
            finally:
                transaction.set_rollback(True)
                atomic.__exit__(None, None, None)


@pytest.fixture
def wa(worlds, db):
    return worlds[0]


@pytest.fixture
def wb(worlds, db):
    return worlds[1]
