"""Writing a job, handing it to the broker, sweeping, acknowledging.

* :func:`enqueue` writes the job in the caller's transaction and registers the relay for
  after the commit. It never talks to the broker.
* :func:`relay` hands jobs to the broker. It never raises: a broker that is down or slow
  (a short connect timeout, no publish retry) is logged and the job stays ``pending`` for
  the sweep; after such a failure the relay of this process skips the broker for
  ``OUTBOX_BROKER_BACKOFF_SECONDS``, so a page that asks for several jobs waits for the
  broker once at most.
* :func:`sweep` (the beat, every ``OUTBOX_SWEEP_SECONDS``) hands over again what is still
  ``pending`` and what was ``sent`` or ``running`` past its claim (the worker died, the
  broker lost the message).
* :func:`job_started`, :func:`job_finished`, :func:`job_failed`, :func:`job_retrying`:
  the task's side (``receivers`` calls them from Celery's signals), keyed by the job id in
  the Celery task id (:func:`task_id_for`).

Django 5.2's ``on_commit(..., robust=True)`` cannot log a failing ``functools.partial``
(ticket #36487); the relay therefore catches everything itself and is registered as a
plain function.
"""

import logging
import re
import time
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from .models import Job
from .scope import across_firms

logger = logging.getLogger(__name__)

TASK_ID = re.compile(r"^outbox-(\d+)-\d+$")  # the Celery task id names the job


def task_id_for(job) -> str:
    """The Celery task id of one sending of ``job``: ``outbox-<job>-<attempt>``. It names
    the job on every side of Celery (the pool child, the parent that sees a hard time
    limit or a lost child, a retry), so every run acknowledges the same row."""
    return f"outbox-{job.pk}-{job.attempts}"


def job_id_from_task_id(task_id) -> int | None:
    match = TASK_ID.match(task_id or "")
    return int(match.group(1)) if match else None
ERROR_MAX_LENGTH = 2000

_broker_down_until = 0.0  # monotonic time; process-wide (the relay of every thread skips)


def _setting(name, default):
    return getattr(settings, name, default)


def _task_name(task) -> str:
    return task if isinstance(task, str) else task.name


def _request_id() -> str:
    try:
        from django_guid import get_guid
    except ImportError:  # pragma: no cover - django-guid is a dependency
        return ""
    return (get_guid() or "")[:64]


def enqueue(task, *args, firm, key: str = "", **kwargs) -> Job:
    """Write a job for ``task`` (a Celery task or its name) with JSON ``args`` and
    ``kwargs``, for ``firm`` (a Firm, its id, or ``None`` for platform work), in the
    current transaction, and relay it to the broker once that commits.

    ``key``: at most one open job per key and firm; asking again while one is open returns
    that one (two clicks, one job)."""
    firm_id = getattr(firm, "pk", firm)
    job = Job(firm_id=firm_id, task=_task_name(task), args=list(args), kwargs=kwargs,
              key=key[:200], request_id=_request_id())
    if key:
        existing = _open_job(firm_id, job.key)
        if existing is not None:
            return existing
        try:
            with transaction.atomic():
                job.save()
        except IntegrityError:
            existing = _open_job(firm_id, job.key)
            if existing is None:
                raise
            return existing
    else:
        job.save()
    relay_on_commit(job.pk)
    return job


def _open_job(firm_id, key):
    with across_firms("outbox: the open job of a key"):
        return Job.objects.filter(firm_id=firm_id, key=key, state__in=Job.OPEN_STATES).first()


def relay_on_commit(job_id: int) -> None:
    """Hand the job to the broker once the current transaction commits (at once outside
    one)."""

    def relay_after_commit():
        relay([job_id])

    transaction.on_commit(relay_after_commit, robust=True)


def broker_is_resting() -> bool:
    return time.monotonic() < _broker_down_until


def _rest_broker() -> None:
    global _broker_down_until
    _broker_down_until = time.monotonic() + _setting("OUTBOX_BROKER_BACKOFF_SECONDS", 10)


def reset_broker_backoff() -> None:
    """Forget a recent broker failure (tests, the sweep once the broker answered)."""
    global _broker_down_until
    _broker_down_until = 0.0


def _broker_errors() -> tuple:
    from kombu.exceptions import OperationalError

    errors = [OperationalError, ConnectionError, TimeoutError, OSError]
    try:
        from redis.exceptions import RedisError

        errors.append(RedisError)
    except ImportError:  # pragma: no cover
        pass
    return tuple(errors)


def _queue_claim() -> timedelta:
    return timedelta(seconds=_setting("OUTBOX_QUEUE_CLAIM_SECONDS", 300))


def relay(job_ids, *, force: bool = False) -> int:
    """Hand each pending job to the broker. Returns how many were handed over. Never
    raises. ``force``: try even when a recent failure put the broker to rest (the
    sweep)."""
    sent = 0
    for job_id in job_ids:
        if broker_is_resting() and not force:
            logger.info("Outbox job %s left for the sweep: the broker failed a moment ago.",
                        job_id)
            continue
        try:
            sent += _send(job_id, from_states=[Job.State.PENDING])
        except Exception:  # never let the relay break the request that committed
            logger.exception("Outbox job %s: the relay failed; the sweep will retry.", job_id)
    return sent


def _claim(job_id, from_states, extra=None) -> Job | None:
    """Move the job from one of ``from_states`` to ``sent`` (one process wins)."""
    now = timezone.now()
    condition = Q(pk=job_id, state__in=from_states)
    if extra is not None:
        condition &= extra
    with across_firms("outbox: claiming a job to send"):
        won = Job.objects.filter(condition).update(
            state=Job.State.SENT, attempts=F("attempts") + 1, sent_at=now,
            claimed_until=now + _queue_claim())
        if not won:
            return None
        return Job.objects.get(pk=job_id)


def _send(job_id, *, from_states, extra=None) -> int:
    job = _claim(job_id, from_states, extra)
    if job is None:
        return 0
    from celery import current_app

    try:
        task = current_app.tasks[job.task]
    except KeyError:
        _finish(job.pk, Job.State.FAILED, f"No task called {job.task!r} is registered.")
        logger.error("Outbox job %s names the unknown task %s.", job.pk, job.task)
        return 0
    try:
        with _request_id_of(job):
            task.apply_async(args=job.args, kwargs=job.kwargs, task_id=task_id_for(job),
                             retry=False)
    except _broker_errors() as exc:
        if current_app.conf.task_always_eager:
            # No broker: an eager task's own error (already recorded by the receivers).
            logger.warning("Outbox job %s (%s) failed in-process: %s", job.pk, job.task, exc)
            return 1
        _rest_broker()
        _unclaim(job, exc)
        logger.warning("Outbox job %s (%s) not sent, the broker is unavailable: %s. "
                       "It stays pending for the sweep.", job.pk, job.task, exc)
        return 0
    except Exception as exc:
        if current_app.conf.task_always_eager:
            logger.warning("Outbox job %s (%s) failed in-process: %s", job.pk, job.task, exc)
            return 1
        _unclaim(job, exc)
        logger.exception("Outbox job %s (%s) could not be sent.", job.pk, job.task)
        return 0
    return 1


class _request_id_of:
    """Publish under the request id of the request that wrote the job (django-guid puts
    it in the message; the worker logs under it)."""

    def __init__(self, job):
        self.guid = job.request_id

    def __enter__(self):
        try:
            from django_guid import get_guid, set_guid
        except ImportError:  # pragma: no cover
            self.saved = None
            return
        self.saved = get_guid()
        if self.guid:
            set_guid(self.guid)

    def __exit__(self, *exc):
        if self.saved is None and not self.guid:
            return
        from django_guid import clear_guid, set_guid

        if self.saved:
            set_guid(self.saved)
        else:
            clear_guid()


def _error_text(exc) -> str:
    return (f"{type(exc).__name__}: {exc}" if isinstance(exc, BaseException) else str(exc)
            )[:ERROR_MAX_LENGTH]


def _unclaim(job, exc) -> None:
    """The broker did not take the job: back to ``pending`` (unless a worker has already
    picked it up, which eager runs do)."""
    with across_firms("outbox: a job the broker refused"):
        Job.objects.filter(pk=job.pk, state=Job.State.SENT, attempts=job.attempts).update(
            state=Job.State.PENDING, claimed_until=None, error=_error_text(exc))


def sweep(*, now=None, min_age_seconds=None) -> dict:
    """Hand over again every job that should be with a worker and is not: ``pending`` ones
    older than ``OUTBOX_SWEEP_MIN_AGE_SECONDS`` (their relay failed or never ran), and
    ``sent`` or ``running`` ones whose claim ran out. Records the run in the heartbeat.
    Returns counts."""
    now = now or timezone.now()
    age = timedelta(seconds=_setting("OUTBOX_SWEEP_MIN_AGE_SECONDS", 5)
                    if min_age_seconds is None else min_age_seconds)
    limit = _setting("OUTBOX_SWEEP_BATCH", 500)
    with across_firms("outbox: the sweep"):
        pending = list(Job.objects.filter(state=Job.State.PENDING, created_at__lte=now - age)
                       .order_by("created_at", "pk").values_list("pk", flat=True)[:limit])
        expired = list(Job.objects.filter(state__in=[Job.State.SENT, Job.State.RUNNING],
                                          claimed_until__lt=now)
                       .order_by("claimed_until", "pk").values_list("pk", flat=True)[:limit])
    sent = resent = 0
    for job_id in pending:
        try:
            sent += _send(job_id, from_states=[Job.State.PENDING])
        except Exception:
            logger.exception("Outbox job %s: the sweep could not send it.", job_id)
        if broker_is_resting():
            break
    for job_id in expired:
        if broker_is_resting():
            break
        try:
            n = _send(job_id, from_states=[Job.State.SENT, Job.State.RUNNING],
                      extra=Q(claimed_until__lt=now))
        except Exception:
            logger.exception("Outbox job %s: the sweep could not send it again.", job_id)
            continue
        if n:
            logger.warning("Outbox job %s sent again: its claim ran out (a worker died or "
                           "the broker lost it).", job_id)
        resent += n
    result = {"pending": len(pending), "sent": sent, "expired": len(expired), "resent": resent}
    beat("outbox.sweep", detail=", ".join(f"{k}={v}" for k, v in result.items()))
    return result


def beat(name: str, *, detail: str = "") -> None:
    """Record that ``name`` ran now (the health check's "last beat run")."""
    from .models import Heartbeat

    values = {"at": timezone.now(), "detail": detail[:300]}
    if not Heartbeat.objects.filter(name=name).update(**values):
        try:
            with transaction.atomic():
                Heartbeat.objects.create(name=name, **values)
        except IntegrityError:  # another process wrote it first
            Heartbeat.objects.filter(name=name).update(**values)


# -- the task's side -------------------------------------------------------------------


def job_started(job_id: int, *, time_limit: float | None) -> None:
    """A worker started the job: it may run for the task's hard time limit (plus
    ``OUTBOX_RUNNING_GRACE_SECONDS``) before the sweep presumes the worker dead."""
    now = timezone.now()
    limit = time_limit or _setting("CELERY_TASK_TIME_LIMIT", 300)
    claim = now + timedelta(seconds=limit + _setting("OUTBOX_RUNNING_GRACE_SECONDS", 60))
    with across_firms("outbox: a worker started a job"):
        Job.objects.filter(pk=job_id, state__in=Job.OPEN_STATES).update(
            state=Job.State.RUNNING, runs=F("runs") + 1, started_at=now, claimed_until=claim)


def job_finished(job_id: int) -> None:
    _finish(job_id, Job.State.DONE, "")


def job_failed(job_id: int, exc) -> None:
    """The task gave up (its retries spent, or an error it does not retry). A job that
    another run already finished stays done."""
    _finish(job_id, Job.State.FAILED, _error_text(exc))


def job_retrying(job_id: int, exc, *, countdown: float | None, time_limit: float | None):
    """The task will run again after ``countdown`` seconds: the claim covers the wait."""
    now = timezone.now()
    wait = (countdown or 0) + (time_limit or _setting("CELERY_TASK_TIME_LIMIT", 300))
    claim = now + timedelta(seconds=wait + _setting("OUTBOX_RUNNING_GRACE_SECONDS", 60))
    with across_firms("outbox: a job will be retried"):
        Job.objects.filter(pk=job_id, state__in=Job.OPEN_STATES).update(
            state=Job.State.RUNNING, claimed_until=claim, error=_error_text(exc))


def _finish(job_id, state, error) -> None:
    with across_firms("outbox: a job acknowledged"):
        Job.objects.filter(pk=job_id).exclude(state=Job.State.DONE).update(
            state=state, finished_at=timezone.now(), claimed_until=None, error=error)


def backlog(older_than_seconds: int) -> tuple[int, object]:
    """``(count, oldest created_at)`` of the open jobs of every firm created more than
    ``older_than_seconds`` ago (the health check)."""
    from django.db.models import Count, Min

    with across_firms("outbox: the backlog"):
        row = Job.objects.filter(
            state__in=Job.OPEN_STATES,
            created_at__lt=timezone.now() - timedelta(seconds=older_than_seconds),
        ).aggregate(count=Count("pk"), oldest=Min("created_at"))
    return row["count"], row["oldest"]


def resend(firm_id, key: str) -> bool:
    """Send the open job of ``key`` again now, whatever its claim ("regenerate" on a
    document that seems stuck). A job that is not open is left alone. Returns whether it
    was sent (after the commit, like every relay)."""
    with across_firms("outbox: sending a job again"):
        job = Job.objects.filter(firm_id=firm_id, key=key, state__in=Job.OPEN_STATES).first()
        if job is None:
            return False
        Job.objects.filter(pk=job.pk, state__in=Job.OPEN_STATES).update(
            state=Job.State.PENDING, claimed_until=None)
    relay_on_commit(job.pk)
    return True
