"""Production settings (ASVS V9.1, V14.1): ``manage.py check --deploy`` has nothing to say
in the environment the README documents, and HTTPS is on by default with DEBUG off."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": secrets.token_urlsafe(50),
    "ALLOWED_HOSTS": "consulting.example.com",
}
PROBED_AWAY = {"SECRET_KEY", "DEBUG", "REDIS_URL", "DATABASE_URL", "DJANGO_SETTINGS_MODULE",
               "SECURE_COOKIES", "SECURE_SSL_REDIRECT", "BEHIND_PROXY", "SECURE_HSTS_SECONDS",
               "SECURE_HSTS_PRELOAD", "SECURE_HSTS_INCLUDE_SUBDOMAINS",
               "DJANGO_ALLOW_ASYNC_UNSAFE"}  # set by the test run (tests/conftest.py)


def run(args, env):
    clean = {k: v for k, v in os.environ.items() if k not in PROBED_AWAY}
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT,
        env=clean | env | {"DJANGO_SETTINGS_MODULE": "consultancy.settings.base"},
        capture_output=True, text=True, timeout=120,
    )


def probe(env, expr):
    code = f"import django; from django.conf import settings; django.setup(); print({expr})"
    return run(["-c", code], env)


def test_check_deploy_passes_with_no_warning_in_production():
    result = run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_defaults_are_https_with_hsts():
    result = probe(PRODUCTION, "settings.SECURE_SSL_REDIRECT, settings.SECURE_HSTS_SECONDS, "
                               "settings.SECURE_HSTS_INCLUDE_SUBDOMAINS, "
                               "settings.SESSION_COOKIE_SECURE, settings.CSRF_COOKIE_SECURE, "
                               "settings.SECURE_PROXY_SSL_HEADER")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "True 31536000 True True True None"


def test_the_proxy_header_is_trusted_only_behind_a_proxy():
    result = probe(PRODUCTION | {"BEHIND_PROXY": "true"}, "settings.SECURE_PROXY_SSL_HEADER")
    assert result.returncode == 0, result.stderr
    assert "HTTP_X_FORWARDED_PROTO" in result.stdout


def test_plain_http_is_an_explicit_choice():
    result = probe(PRODUCTION | {"SECURE_SSL_REDIRECT": "false", "SECURE_COOKIES": "false"},
                   "settings.SECURE_SSL_REDIRECT, settings.SESSION_COOKIE_SECURE")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False False"


def test_the_health_check_is_answered_over_plain_http():
    result = probe(PRODUCTION, "settings.SECURE_REDIRECT_EXEMPT")
    assert "healthz" in result.stdout
