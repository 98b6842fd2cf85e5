"""Test settings: the base settings with the environment the test run gives them.

``DATABASE_URL`` and ``REDIS_URL`` are honoured, so ``.ci/run`` runs the same suite
on SQLite and then on PostgreSQL + Redis.
"""

import os

os.environ.setdefault("DEBUG", "1")

from .base import *  # noqa: E402,F401,F403
from .base import VAR_DIR  # noqa: E402

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
MEDIA_ROOT = VAR_DIR / "test-private"
STORAGES = {
    "default": {"BACKEND": "consultancy.documents.storage.PrivateStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# pytest-xdist runs the suite in several processes at once: each has its own test database
# (pytest-django adds the worker's name to it) and here its own Celery queue and cache
# keys, so that a real worker of one process never takes another process's task.
XDIST_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")
if XDIST_WORKER:
    CELERY_TASK_DEFAULT_QUEUE = f"celery-{XDIST_WORKER}"
    for _cache in CACHES.values():  # noqa: F405
        _cache["KEY_PREFIX"] = f"{_cache.get('KEY_PREFIX', '')}-{XDIST_WORKER}"

# Row-level security (PostgreSQL): DATABASE_URL is the runtime role the tests run as, and
# DATABASE_OWNER_URL, when set, the owner role that creates, migrates and drops the test
# databases (tests/conftest.py); migrate grants the runtime role its rights.
DATABASE_OWNER_URL = os.environ.get("DATABASE_OWNER_URL", "")
if DATABASE_OWNER_URL:
    DATABASE_APP_ROLE = DATABASES["default"]["USER"]  # noqa: F405

# Pages are rendered in the tests (their content and their queries are what most tests
# check, some after changing rows below the services); the page cache is on in its own
# tests (tests/tenancy/test_pagecache.py) and in the browser walks (tests/e2e).
PAGE_CACHE = False
