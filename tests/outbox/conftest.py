"""The broker unreachable (a broker URL at a closed port), then back."""

from contextlib import contextmanager

import pytest

from consultancy.outbox import services

CLOSED_PORT_BROKER = "redis://127.0.0.1:9/0"  # the discard port: nothing listens there


def _reset_pools(app):
    """Forget the app's connections, so the next send connects to the broker URL now set."""
    app._pool = None
    app.amqp._producer_pool = None


@contextmanager
def broker_down():
    """Tasks go to a broker that refuses every connection (not eagerly run)."""
    from consultancy.celery import app

    saved = app.conf.broker_url, app.conf.task_always_eager
    app.conf.broker_url = CLOSED_PORT_BROKER
    app.conf.task_always_eager = False
    _reset_pools(app)
    try:
        yield
    finally:
        app.conf.broker_url, app.conf.task_always_eager = saved
        _reset_pools(app)
        services.reset_broker_backoff()


@contextmanager
def broker_back():
    """The broker and a worker are back: a task handed over runs (in-process, eagerly)."""
    from consultancy.celery import app

    saved = app.conf.task_always_eager
    app.conf.task_always_eager = True
    services.reset_broker_backoff()
    try:
        yield
    finally:
        app.conf.task_always_eager = saved


@contextmanager
def retries_run_in_process():
    """In-process tasks that retry as a worker's do (Celery runs an eager task's retries
    at once, without the countdown, unless its errors propagate)."""
    from consultancy.celery import app

    saved = app.conf.task_eager_propagates
    app.conf.task_eager_propagates = False
    try:
        yield
    finally:
        app.conf.task_eager_propagates = saved


@pytest.fixture(autouse=True)
def _fresh_backoff():
    services.reset_broker_backoff()
    yield
    services.reset_broker_backoff()


from tests.documents.conftest import document_kinds  # noqa: E402,F401  (the test PDF kinds)


@pytest.fixture(autouse=True)
def _unscoped():
    """These tests call services and read the outbox outside any request, as set-up does:
    in the set-up scope (which, on PostgreSQL, opens row-level security explicitly)."""
    from tests.scoping import scopes_disabled

    with scopes_disabled():
        yield
