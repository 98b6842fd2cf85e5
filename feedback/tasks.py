"""Celery tasks of evaluation and clause 9. Each takes ``firm_id`` and enters that firm's
scope (``consultancy.tenancy.scoping``); none returns a secret.

The daily reminders run from Celery beat: ``send_all_daily_reminders`` fans out one
``send_daily_reminders(firm_id)`` per firm (see ``CELERY_BEAT_SCHEDULE`` in the settings).
"""

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from consultancy.tenancy.scoping import firm_scope


def _language(user):
    return getattr(user, "language", "") or settings.LANGUAGE_CODE


def _mail_staff(people, subject_and_body):
    """Mail each active person with an address, in their language; ``subject_and_body``
    is called inside that language. Returns the number mailed."""
    sent = 0
    for person in people:
        if person is None or not person.is_active or not person.email:
            continue
        with translation.override(_language(person)):
            subject, body = subject_and_body(person)
        send_mail(subject, body, None, [person.email])
        sent += 1
    return sent


def _managers(firm_id):
    from consultancy.tenancy.models import User

    return list(User.objects.filter(firm_id=firm_id, role=User.Role.MANAGER, is_active=True))


@shared_task
def notify_acceptance(firm_id: int, acceptance_id: int) -> int:
    """Tell the engagement's consultants the client's verdict on the results."""
    from .models import ClientAcceptance

    with firm_scope(firm_id):
        acceptance = (ClientAcceptance.objects
                      .select_related("engagement__lead_consultant", "contact", "created_by")
                      .filter(pk=acceptance_id).first())
        if acceptance is None:
            return 0
        engagement = acceptance.engagement
        people = {engagement.lead_consultant, *engagement.consultants.all()} - {
            acceptance.created_by}

        def message(person):
            subject = _("%(number)s: the client's verdict is “%(verdict)s”") % {
                "number": engagement.number, "verdict": acceptance.get_verdict_display()}
            body = _("%(contact)s gave the verdict “%(verdict)s” on the results of %(number)s "
                     "“%(title)s” on %(day)s.") % {
                "contact": acceptance.contact, "verdict": acceptance.get_verdict_display(),
                "number": engagement.number, "title": engagement.title,
                "day": date_format(acceptance.accepted_on)}
            if acceptance.reasons:
                body += "\n\n" + acceptance.reasons
            return subject, body

        return _mail_staff(sorted(people, key=lambda u: u.pk), message)


@shared_task
def notify_complaint(firm_id: int, complaint_id: int) -> int:
    """A new complaint: the firm's managers and the engagement's lead consultant hear of
    it at once (safety-related ones say so in the subject)."""
    from .models import Complaint

    with firm_scope(firm_id):
        complaint = (Complaint.objects.select_related("engagement__lead_consultant")
                     .filter(pk=complaint_id).first())
        if complaint is None:
            return 0
        people = set(_managers(firm_id))
        if complaint.engagement is not None:
            people.add(complaint.engagement.lead_consultant)
        people.discard(complaint.received_by)

        def message(person):
            subject = _("New complaint %(number)s") % {"number": complaint.number}
            if complaint.safety_related:
                subject = _("[Safety] %(subject)s") % {"subject": subject}
            body = _("%(who)s complained on %(day)s. Acknowledge it by %(due)s.") % {
                "who": complaint.complainant_name, "day": date_format(complaint.received_on),
                "due": date_format(complaint.due_on) if complaint.due_on else "-"}
            return subject, body + "\n\n" + complaint.description

        return _mail_staff(sorted(people, key=lambda u: u.pk), message)


@shared_task
def mail_survey_invitation(firm_id: int, invitation_id: int, base_url: str = "",
                           reminder: bool = False) -> bool:
    """Mail a contact their survey link. The token is made here, its hash stored and the
    token itself only put in the e-mail, so it never passes through the broker or the
    result backend. Idempotent: an invitation already mailed (or, for ``reminder``,
    already reminded, answered or expired) is skipped. A reminder re-issues the link;
    the first one stops working."""
    from .models import SurveyInvitation
    from .services import issue_survey_token, site_url, survey_answer_url

    with firm_scope(firm_id), transaction.atomic():
        invitation = (SurveyInvitation.objects.select_for_update()
                      .filter(pk=invitation_id).first())
        if invitation is None:
            return False
        if reminder:
            if (invitation.mailed_at is None or invitation.reminder_sent_at is not None
                    or invitation.is_used or invitation.is_expired):
                return False
        elif invitation.mailed_at is not None:
            return False
        survey = invitation.survey
        engagement = survey.engagement
        token = issue_survey_token(invitation)
        now = timezone.now()
        if reminder:
            invitation.reminder_sent_at = now
        else:
            invitation.mailed_at = now
        invitation.save(update_fields=["token_hash", "mailed_at", "reminder_sent_at"])
        link = site_url(base_url) + survey_answer_url(token)
        with translation.override(settings.LANGUAGE_CODE):
            values = {"contact": invitation.contact.name, "firm": engagement.firm.name,
                      "title": engagement.title, "link": link,
                      "expires": date_format(timezone.localtime(invitation.expires_at),
                                             "DATE_FORMAT")}
            if reminder:
                subject = _("Reminder: your opinion of our service “%(title)s”") % values
                body = _("Dear %(contact)s,\n\nwe have not yet received your answers to our "
                         "satisfaction survey. This link replaces the one sent before:\n\n"
                         "%(link)s\n\nIt works once, without logging in, until %(expires)s."
                         "\n\n%(firm)s") % values
            else:
                subject = _("Your opinion of our service “%(title)s”") % values
                body = _("Dear %(contact)s,\n\n%(firm)s thanks you for the engagement "
                         "“%(title)s”. Please tell us how satisfied you are with our "
                         "service (about three minutes):\n\n%(link)s\n\nThe link is yours "
                         "alone; it works once, without logging in, until %(expires)s.\n\n"
                         "%(firm)s") % values
            portal = _portal_survey_link(invitation, base_url)
            if portal:
                body += "\n\n" + _("You can also answer it in the client portal after "
                                     "logging in:\n%(portal)s") % {"portal": portal}
        # Sent inside the transaction: if sending fails, the link is not recorded as
        # mailed, and the task can run again.
        send_mail(subject, body, None, [invitation.email])
        return True


def _portal_survey_link(invitation, base_url="") -> str:
    """The survey's page in the client portal (issue 7), for a contact with an active
    portal login; "" otherwise. Reversed by name: feedback never imports the portal."""
    from django.urls import NoReverseMatch, reverse

    from .services import site_url

    user = invitation.contact.user
    if user is None or not user.is_active:
        return ""
    try:
        return site_url(base_url) + reverse("portal:survey", args=[invitation.pk])
    except NoReverseMatch:
        return ""


@shared_task
def send_daily_reminders(firm_id: int, today: str | None = None) -> int:
    """Write the day's reminders of one firm and mail them; returns the number of new
    reminders. Run it twice and nothing is written or sent twice."""
    import datetime

    from .reminders import run_daily_reminders

    day = datetime.date.fromisoformat(today) if today else timezone.localdate()
    with firm_scope(firm_id):
        return run_daily_reminders(firm_id, day)


@shared_task
def send_all_daily_reminders() -> int:
    """The beat entry point: one ``send_daily_reminders`` per firm. Returns the number of
    firms."""
    from consultancy.tenancy.models import Firm

    firm_ids = list(Firm.objects.values_list("pk", flat=True))
    for firm_id in firm_ids:
        send_daily_reminders.delay(firm_id)
    return len(firm_ids)
