"""The Celery application.

Without ``REDIS_URL`` tasks run eagerly in the web process (see settings), so
``make run`` needs no broker. Tasks that touch firm data take ``firm_id`` and
enter that firm's scope themselves (see ``consultancy.tenancy.scoping``), which also sets
the database's firm (row-level security, ``consultancy.tenancy.rls``); after every task
the worker's connections are reset to "no firm", so the next task starts with none.
"""

import os

from celery import Celery
from celery.signals import task_postrun

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "consultancy.settings.base")

app = Celery("consultancy")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@task_postrun.connect(dispatch_uid="consultancy.rls.task_postrun")
def _no_firm_after_the_task(**kwargs):
    from consultancy.tenancy.rls import sync_connections

    sync_connections()
