"""Settings from the environment, Celery, the demo command."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from celery import shared_task
from django.conf import settings
from django.core.management import call_command

from consultancy.clients.models import Client
from consultancy.tenancy.scoping import firm_scope
from tests.scoping import scopes_disabled

ROOT = Path(__file__).resolve().parent.parent


def _settings_probe(env, expr):
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in {"SECRET_KEY", "DEBUG", "REDIS_URL", "DATABASE_URL", "DJANGO_SETTINGS_MODULE"}
    }
    clean.update(env)
    code = f"import django; from django.conf import settings; django.setup(); print({expr})"
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=clean | {"DJANGO_SETTINGS_MODULE": "consultancy.settings.base"},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_production_refuses_to_start_without_a_secret_key():
    result = _settings_probe({"DEBUG": "0"}, "settings.SECRET_KEY")
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_debug_runs_with_the_development_key_and_sqlite_default():
    result = _settings_probe(
        {"DEBUG": "1"},
        "settings.DATABASES['default']['ENGINE'], settings.CELERY_TASK_ALWAYS_EAGER, settings.CACHES['default']['BACKEND'], settings.LANGUAGE_CODE",
    )
    assert result.returncode == 0, result.stderr
    assert "sqlite3" in result.stdout and "True" in result.stdout and "LocMemCache" in result.stdout
    assert "zh-hans" in result.stdout


def test_redis_url_makes_redis_the_broker_and_the_cache():
    result = _settings_probe(
        {
            "DEBUG": "0",
            "SECRET_KEY": "x" * 50,
            "REDIS_URL": "redis://127.0.0.1:6379/3",
            "DATABASE_URL": "postgres://u:p@127.0.0.1:5432/db",
        },
        "settings.CELERY_BROKER_URL, settings.CELERY_TASK_ALWAYS_EAGER, settings.CACHES['default']['BACKEND'], settings.DATABASES['default']['ENGINE']",
    )
    assert result.returncode == 0, result.stderr
    assert "redis://127.0.0.1:6379/3" in result.stdout and "False" in result.stdout
    assert "RedisCache" in result.stdout and "postgresql" in result.stdout


def test_celery_reliability_settings():
    assert settings.CELERY_TASK_ACKS_LATE is True
    assert settings.CELERY_TASK_REJECT_ON_WORKER_LOST is True
    assert settings.CELERY_WORKER_PREFETCH_MULTIPLIER == 1


@shared_task(ignore_result=False)  # tasks ignore their results by default; this one is read
def firm_client_count(firm_id: int) -> int:
    """A firm-scoped task in its simplest form: it takes ``firm_id`` and enters the scope."""
    with firm_scope(firm_id):
        return Client.objects.count()


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_runs_a_task_and_returns_its_result(a, b):
    """Against the real Redis: a worker thread consumes the task and the result comes back."""
    if not os.environ.get("REDIS_URL"):
        pytest.skip(
            "REDIS_URL is not set: Celery runs eagerly (the CI's PostgreSQL+Redis run covers this)"
        )
    from celery.contrib.testing.worker import start_worker

    from consultancy.celery import app

    assert not app.conf.task_always_eager
    with start_worker(app, perform_ping_check=False, pool="solo", loglevel="WARNING"):
        result = firm_client_count.delay(a.firm.pk)
        assert result.get(timeout=30) == 1


def test_tasks_run_eagerly_without_redis(a, settings):
    if os.environ.get("REDIS_URL"):
        pytest.skip("REDIS_URL is set: tasks go to the broker")

    assert firm_client_count.delay(a.firm.pk).get() == 1


@pytest.mark.django_db
def test_demo_builds_two_firms_and_runs_again_without_duplicates(capsys):
    from consultancy.clients.models import Client, ClientContact
    from consultancy.tenancy.models import Firm, Qualification, User

    call_command("demo")
    first = capsys.readouterr().out
    with scopes_disabled():
        counts = (
            Firm.objects.count(),
            User.objects.count(),
            Client.objects.count(),
            ClientContact.objects.count(),
            Qualification.objects.count(),
        )
    call_command("demo")
    capsys.readouterr()
    with scopes_disabled():
        again = (
            Firm.objects.count(),
            User.objects.count(),
            Client.objects.count(),
            ClientContact.objects.count(),
            Qualification.objects.count(),
        )
        assert counts == again
        assert counts[0] == 2
        for firm in Firm.objects.all():
            staff = User.objects.filter(firm=firm)
            assert staff.filter(role="manager").count() == 1
            consultants = staff.filter(role="consultant")
            assert consultants.count() == 2
            # three from clients.demo, three more for feedback.demo_history's imported
            # engagements of the last two years
            assert Client.objects.filter(firm=firm).count() == 6
            assert ClientContact.objects.filter(firm=firm, user__isnull=False).count() == 2
            from django.utils import timezone

            today = timezone.localdate()
            rse = Qualification.objects.filter(firm=firm, kind="rse")
            assert any(q.is_valid_on(today) for q in rse)
            assert any(not q.is_valid_on(today) for q in rse)
    for email in [
        "manager@antai.example",
        "li.ming@antai.example",
        "manager@huaan.example",
        "zhao.lixin@client.antai.example",
    ]:
        assert email in first
    assert "demo-2026" in first
