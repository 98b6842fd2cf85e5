"""The Celery application.

Without ``REDIS_URL`` tasks run eagerly in the web process (see settings), so
``make run`` needs no broker. Tasks that touch firm data take ``firm_id`` and
enter that firm's scope themselves (see ``consultancy.tenancy.scoping``).
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "consultancy.settings.base")

app = Celery("consultancy")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
