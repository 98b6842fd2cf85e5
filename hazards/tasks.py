"""Celery tasks of hidden dangers. Each takes ``firm_id`` and enters that firm's scope.

The services write the notice jobs into the outbox by the task's name; the daily
reminders run from Celery beat (``send_all_hazard_reminders``): a 重大隐患 not yet
acknowledged is reminded to the engagement's lead and the firm's managers every day until
the client acknowledges it; an overdue rectification is flagged and reminded."""

import datetime

from celery import shared_task
from django.db import transaction
from django.utils import timezone

from consultancy.notifications import NOTICE_TASK
from consultancy.outbox import enqueue
from consultancy.tenancy.models import Firm
from consultancy.tenancy.rls import cross_firm
from consultancy.tenancy.scoping import firm_scope

from . import notices


@shared_task(**NOTICE_TASK)
def notify_client(firm_id: int, danger_id: int) -> int:
    with firm_scope(firm_id):
        return notices.client_notify(danger_id)


@shared_task(**NOTICE_TASK)
def notify_staff(firm_id: int, danger_id: int, kind: str) -> int:
    with firm_scope(firm_id):
        return notices.staff_notify(danger_id, kind)


@shared_task(**{**NOTICE_TASK, "soft_time_limit": 600, "time_limit": 660})
def send_hazard_reminders(firm_id: int, today: str | None = None) -> int:
    """The day's reminders of one firm; returns the number of hidden dangers reminded of.
    Run twice on a day, nothing is sent twice (each notice is keyed by danger and day)."""
    day = datetime.date.fromisoformat(today) if today else timezone.localdate()
    with firm_scope(firm_id):
        dangers = notices.due_reminders(day)
        for danger in dangers:
            notices.remind(danger, day)
        return len(dangers)


@shared_task
def send_all_hazard_reminders() -> int:
    """The beat entry point: one ``send_hazard_reminders`` job per firm and day."""
    day = timezone.localdate().isoformat()
    with cross_firm("hazard reminders: the list of firms to send one job each"):
        firm_ids = list(Firm.objects.values_list("pk", flat=True))
    for firm_id in firm_ids:
        with transaction.atomic():
            enqueue(send_hazard_reminders, firm_id, day, firm=firm_id,
                    key=f"hazard_reminders:{day}")
    return len(firm_ids)
