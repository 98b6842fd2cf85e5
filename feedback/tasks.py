"""Celery tasks of evaluation and clause 9. Each takes ``firm_id`` and enters that firm's
scope (``consultancy.tenancy.scoping``); none returns a secret.

The services announce what they wrote (``feedback.signals``); :func:`connect` (called
from the app's ``ready()``) turns each announcement into a task sent after commit.

The daily reminders run from Celery beat: ``send_all_daily_reminders`` fans out one
``send_daily_reminders(firm_id)`` per firm (see ``CELERY_BEAT_SCHEDULE`` in the settings).
"""

import datetime

from celery import shared_task
from django.db import transaction
from django.utils import timezone

from consultancy.tenancy.models import Firm
from consultancy.tenancy.scoping import firm_scope

from . import notices, signals
from .reminders import run_daily_reminders


@shared_task
def notify_acceptance(firm_id: int, acceptance_id: int) -> int:
    """Tell the engagement's consultants the client's verdict on the results."""
    with firm_scope(firm_id):
        return notices.acceptance_notify(acceptance_id)


@shared_task
def notify_complaint(firm_id: int, complaint_id: int) -> int:
    """A new complaint: the firm's managers and the engagement's lead consultant hear of
    it at once (safety-related ones say so in the subject)."""
    with firm_scope(firm_id):
        return notices.complaint_notify(complaint_id)


@shared_task
def notify_complainant(firm_id: int, notice_id: int) -> bool:
    """E-mail a complainant the notice of a step of their complaint (acknowledgement,
    written answer, closing), in their language. Idempotent: a notice already sent is
    not sent again (see ``notices.complainant_notice_send``)."""
    with firm_scope(firm_id):
        return notices.complainant_notice_send(notice_id)


@shared_task
def mail_survey_invitation(firm_id: int, invitation_id: int, base_url: str = "",
                           reminder: bool = False) -> bool:
    """Mail a contact their survey link. The token is made in the task, its hash stored
    and the token itself only put in the e-mail, so it never passes through the broker
    or the result backend. Idempotent (see ``notices.survey_invitation_mail``)."""
    with firm_scope(firm_id):
        return notices.survey_invitation_mail(invitation_id, base_url, reminder)


@shared_task
def send_daily_reminders(firm_id: int, today: str | None = None) -> int:
    """Write the day's reminders of one firm and mail them; returns the number of new
    reminders. Run it twice and nothing is written or sent twice."""
    day = datetime.date.fromisoformat(today) if today else timezone.localdate()
    with firm_scope(firm_id):
        return run_daily_reminders(firm_id, day)


@shared_task
def send_all_daily_reminders() -> int:
    """The beat entry point: one ``send_daily_reminders`` per firm. Returns the number of
    firms."""
    firm_ids = list(Firm.objects.values_list("pk", flat=True))
    for firm_id in firm_ids:
        send_daily_reminders.delay(firm_id)
    return len(firm_ids)


# -- the services' announcements, sent as tasks once committed ------------------------


def on_acceptance_recorded(sender, acceptance, **kwargs):
    transaction.on_commit(lambda: notify_acceptance.delay(acceptance.firm_id, acceptance.pk))


def on_complaint_received(sender, complaint, **kwargs):
    transaction.on_commit(lambda: notify_complaint.delay(complaint.firm_id, complaint.pk))


def on_complaint_notice_written(sender, notice, **kwargs):
    transaction.on_commit(lambda: notify_complainant.delay(notice.firm_id, notice.pk))


def on_survey_sent(sender, survey, invitations, base_url="", **kwargs):
    for invitation in invitations:
        transaction.on_commit(
            lambda pk=invitation.pk: mail_survey_invitation.delay(survey.firm_id, pk, base_url))


def connect():
    signals.acceptance_recorded.connect(on_acceptance_recorded,
                                        dispatch_uid="feedback_acceptance_recorded")
    signals.complaint_received.connect(on_complaint_received,
                                       dispatch_uid="feedback_complaint_received")
    signals.complaint_notice_written.connect(on_complaint_notice_written,
                                             dispatch_uid="feedback_complaint_notice_written")
    signals.survey_sent.connect(on_survey_sent, dispatch_uid="feedback_survey_sent")
