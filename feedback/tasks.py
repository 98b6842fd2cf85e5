"""Celery tasks of evaluation and clause 9. Each takes ``firm_id`` and enters that firm's
scope (``consultancy.tenancy.scoping``); none returns a secret.

The services announce what they wrote (``feedback.signals``); :func:`connect` (called
from the app's ``ready()``) turns each announcement into an outbox job, written in the
service's transaction and sent once it commits (``consultancy.outbox``). A notice task is
idempotent and retried with backoff (``NOTICE_TASK``).

The daily reminders run from Celery beat: ``send_all_daily_reminders`` writes one
``send_daily_reminders(firm_id, day)`` job per firm (see ``CELERY_BEAT_SCHEDULE`` in the
settings); a second beat run on the same day finds the same open jobs.
"""

import datetime

from celery import shared_task
from django.db import transaction
from django.utils import timezone

from consultancy.notifications import NOTICE_TASK
from consultancy.outbox import enqueue
from consultancy.tenancy.models import Firm
from consultancy.tenancy.rls import cross_firm
from consultancy.tenancy.scoping import firm_scope

from . import notices, signals
from .reminders import run_daily_reminders


@shared_task(**NOTICE_TASK)
def notify_acceptance(firm_id: int, acceptance_id: int) -> int:
    """Tell the engagement's consultants the client's verdict on the results."""
    with firm_scope(firm_id):
        return notices.acceptance_notify(acceptance_id)


@shared_task(**NOTICE_TASK)
def notify_complaint(firm_id: int, complaint_id: int) -> int:
    """A new complaint: the firm's managers and the engagement's lead consultant hear of
    it at once (safety-related ones say so in the subject)."""
    with firm_scope(firm_id):
        return notices.complaint_notify(complaint_id)


@shared_task(**NOTICE_TASK)
def notify_complainant(firm_id: int, notice_id: int) -> bool:
    """E-mail a complainant the notice of a step of their complaint (acknowledgement,
    written answer, closing), in their language. Idempotent: a notice already sent is
    not sent again (see ``notices.complainant_notice_send``)."""
    with firm_scope(firm_id):
        return notices.complainant_notice_send(notice_id)


@shared_task(**NOTICE_TASK)
def mail_survey_invitation(firm_id: int, invitation_id: int, base_url: str = "",
                           reminder: bool = False) -> bool:
    """Mail a contact their survey link. The token is made in the task, its hash stored
    and the token itself only put in the e-mail, so it never passes through the broker
    or the result backend. Idempotent (see ``notices.survey_invitation_mail``)."""
    with firm_scope(firm_id):
        return notices.survey_invitation_mail(invitation_id, base_url, reminder)


@shared_task(**{**NOTICE_TASK, "soft_time_limit": 600, "time_limit": 660})
def send_daily_reminders(firm_id: int, today: str | None = None) -> int:
    """Write the day's reminders of one firm and mail them; returns the number of new
    reminders. Run it twice and nothing is written or sent twice. An address that fails
    does not stop the others; the task is retried for the reminders not mailed."""
    day = datetime.date.fromisoformat(today) if today else timezone.localdate()
    with firm_scope(firm_id):
        return run_daily_reminders(firm_id, day)


@shared_task
def send_all_daily_reminders() -> int:
    """The beat entry point: one ``send_daily_reminders`` job per firm for today (one open
    job per firm and day, however often the beat fires), each of which works in its own
    firm's scope. Returns the number of firms."""
    day = timezone.localdate().isoformat()
    with cross_firm("daily reminders: the list of firms to send one job each"):
        firm_ids = list(Firm.objects.values_list("pk", flat=True))
    for firm_id in firm_ids:
        with transaction.atomic():
            enqueue(send_daily_reminders, firm_id, day, firm=firm_id,
                    key=f"daily_reminders:{day}")
    return len(firm_ids)


# -- the services' announcements, written as outbox jobs in their transaction ----------
# Converting a notice: ``enqueue(task, firm_id, pk, firm=firm_id)`` in the receiver, in
# place of ``transaction.on_commit(lambda: task.delay(firm_id, pk))``.


def on_acceptance_recorded(sender, acceptance, **kwargs):
    enqueue(notify_acceptance, acceptance.firm_id, acceptance.pk, firm=acceptance.firm_id)


def on_complaint_received(sender, complaint, **kwargs):
    enqueue(notify_complaint, complaint.firm_id, complaint.pk, firm=complaint.firm_id)


def on_complaint_notice_written(sender, notice, **kwargs):
    enqueue(notify_complainant, notice.firm_id, notice.pk, firm=notice.firm_id)


def on_survey_sent(sender, survey, invitations, base_url="", **kwargs):
    for invitation in invitations:
        enqueue(mail_survey_invitation, survey.firm_id, invitation.pk, base_url,
                firm=survey.firm_id)


def connect():
    signals.acceptance_recorded.connect(on_acceptance_recorded,
                                        dispatch_uid="feedback_acceptance_recorded")
    signals.complaint_received.connect(on_complaint_received,
                                       dispatch_uid="feedback_complaint_received")
    signals.complaint_notice_written.connect(on_complaint_notice_written,
                                             dispatch_uid="feedback_complaint_notice_written")
    signals.survey_sent.connect(on_survey_sent, dispatch_uid="feedback_survey_sent")
