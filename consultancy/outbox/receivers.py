"""Celery's signals, turned into the outbox's acknowledgements.

The relay sends each job under a task id that names it (``outbox-<job>-<attempt>``); a
task sent any other way (the beat's own entries) is left alone. The id stays the same on
a retry, and the parent process sees it too when it reports a hard time limit.
"""

import logging

from celery import signals

from . import services
from .context import current_job

logger = logging.getLogger(__name__)


def _time_limit(task, request=None):
    limits = getattr(request, "timelimit", None) or (None, None)
    hard = limits[0] if limits and limits[0] else getattr(task, "time_limit", None)
    if hard is None:
        from django.conf import settings

        hard = getattr(settings, "CELERY_TASK_TIME_LIMIT", None)
    return hard


def _safely(what, func, *args, **kwargs):
    try:
        func(*args, **kwargs)
    except Exception:  # an acknowledgement must never break the task
        logger.exception("Outbox: could not record that a job %s.", what)


_tokens = {}  # task id -> the context token to restore after the run (eager runs nest)


def on_prerun(sender=None, task_id=None, task=None, **kwargs):
    job_id = services.job_id_from_task_id(task_id)
    _tokens[task_id] = current_job.set(job_id)
    if job_id is not None:
        _safely("started", services.job_started, job_id,
                time_limit=_time_limit(task, getattr(task, "request", None)))


def on_postrun(sender=None, task_id=None, **kwargs):
    token = _tokens.pop(task_id, None)
    if token is not None:
        try:
            current_job.reset(token)
        except ValueError:  # set in another context
            current_job.set(None)


def on_success(sender=None, **kwargs):
    request = getattr(sender, "request", None)
    job_id = services.job_id_from_task_id(getattr(request, "id", None))
    if job_id is not None:
        _safely("finished", services.job_finished, job_id)


def on_failure(sender=None, task_id=None, exception=None, **kwargs):
    job_id = services.job_id_from_task_id(task_id)
    if job_id is not None:
        _safely("failed", services.job_failed, job_id, exception)


def on_retry(sender=None, request=None, reason=None, **kwargs):
    job_id = services.job_id_from_task_id(getattr(request, "id", None))
    if job_id is not None:
        when = getattr(reason, "when", None)
        countdown = when if isinstance(when, int | float) else None
        _safely("will be retried", services.job_retrying, job_id, reason,
                countdown=countdown, time_limit=_time_limit(sender, request))


def connect():
    signals.task_prerun.connect(on_prerun, dispatch_uid="outbox_prerun", weak=False)
    signals.task_postrun.connect(on_postrun, dispatch_uid="outbox_postrun", weak=False)
    signals.task_success.connect(on_success, dispatch_uid="outbox_success", weak=False)
    signals.task_failure.connect(on_failure, dispatch_uid="outbox_failure", weak=False)
    signals.task_retry.connect(on_retry, dispatch_uid="outbox_retry", weak=False)
