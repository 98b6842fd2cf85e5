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
