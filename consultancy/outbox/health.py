"""Health checks of the background work (django-health-check), for ``/healthz``.

* :class:`Broker`: the Celery broker accepts a connection (any transport).
* :class:`OutboxBacklog`: no open job older than ``HEALTH_OUTBOX_MAX_AGE_SECONDS`` (jobs are
  piling up: the broker, the workers or the beat are not doing their part).
* :class:`BeatHeartbeat`: the beat's sweep ran within ``HEALTH_BEAT_MAX_AGE_SECONDS`` (it
  runs every ``OUTBOX_SWEEP_SECONDS`` on a worker, so this sees the beat, the broker and a
  worker at once).
"""

import dataclasses
import datetime

from django.conf import settings
from django.utils import timezone
from health_check.base import HealthCheck
from health_check.exceptions import ServiceUnavailable, ServiceWarning


@dataclasses.dataclass
class Broker(HealthCheck):
    timeout = datetime.timedelta(seconds=5)

    def run(self):
        from consultancy.celery import app

        if app.conf.task_always_eager:
            return  # no broker: tasks run in the web process (REDIS_URL unset)
        try:
            with app.connection_for_write() as connection:
                connection.ensure_connection(max_retries=1, timeout=3)
        except Exception as exc:
            raise ServiceUnavailable(f"The broker is unreachable ({type(exc).__name__}).") from exc


@dataclasses.dataclass
class OutboxBacklog(HealthCheck):
    def run(self):
        from .services import backlog

        limit = settings.HEALTH_OUTBOX_MAX_AGE_SECONDS
        count, oldest = backlog(limit)
        if count:
            age = int((timezone.now() - oldest).total_seconds())
            raise ServiceUnavailable(
                f"{count} background job(s) waiting longer than {limit} s (the oldest for "
                f"{age} s).")


@dataclasses.dataclass
class BeatHeartbeat(HealthCheck):
    name: str = "outbox.sweep"

    def run(self):
        from consultancy.celery import app

        from .models import Heartbeat

        if app.conf.task_always_eager:
            return  # no beat without a broker (tasks run in the web process)
        beat = Heartbeat.objects.filter(name=self.name).first()
        limit = settings.HEALTH_BEAT_MAX_AGE_SECONDS
        if beat is None:
            raise ServiceWarning("The beat's sweep has not run yet.")
        age = (timezone.now() - beat.at).total_seconds()
        if age > limit:
            raise ServiceUnavailable(
                f"The beat's sweep last ran {int(age)} s ago (limit {limit} s).")
