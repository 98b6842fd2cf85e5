"""The beat's sweep (``CELERY_BEAT_SCHEDULE``: every ``OUTBOX_SWEEP_SECONDS``)."""

from celery import shared_task

from . import services


@shared_task(soft_time_limit=50, time_limit=60, ignore_result=True)
def sweep_outbox() -> dict:
    """Hand over again what is pending or whose claim ran out; record the beat's run."""
    return services.sweep()
