"""Feedback's notices (``consultancy.notifications``), each sent inside the firm's scope
by its caller (a task of ``feedback.tasks``, or the daily reminders)."""

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from consultancy.activity.models import SystemActor
from consultancy.activity.services import acting_as, record_event
from consultancy.notifications import Recipient, notify, recipients_for
from consultancy.tenancy.models import User

from .links import signed_in_survey_url, survey_answer_url
from .models import ClientAcceptance, Complaint, SurveyInvitation
from .services import issue_survey_token, site_url


def acceptance_notify(acceptance_id: int) -> int:
    """Tell the engagement's consultants the client's verdict on the results (the notice
    ``acceptance_verdict``). Returns the number of people told."""
    acceptance = (ClientAcceptance.objects
                  .select_related("engagement__lead_consultant", "engagement__firm", "contact",
                                  "created_by")
                  .filter(pk=acceptance_id).first())
    if acceptance is None:
        return 0
    engagement = acceptance.engagement
    people = {engagement.lead_consultant, *engagement.consultants.all()} - {
        acceptance.created_by}
    return notify("acceptance_verdict", recipients=sorted(people, key=lambda u: u.pk),
                  context={"engagement": engagement, "acceptance": acceptance},
                  firm=engagement.firm)


def complaint_notify(complaint_id: int) -> int:
    """A new complaint: the firm's managers and the engagement's lead consultant hear of
    it at once, safety-related ones say so in the subject (the notice
    ``complaint_received``)."""
    complaint = (Complaint.objects.select_related("engagement__lead_consultant", "firm")
                 .filter(pk=complaint_id).first())
    if complaint is None:
        return 0
    people = set(recipients_for(complaint.firm, roles=[User.Role.MANAGER]))
    if complaint.engagement is not None:
        people.add(complaint.engagement.lead_consultant)
    people.discard(complaint.received_by)
    return notify("complaint_received", recipients=sorted(people, key=lambda u: u.pk),
                  context={"complaint": complaint}, firm=complaint.firm)


def survey_invitation_mail(invitation_id: int, base_url: str = "",
                           reminder: bool = False,
                           actor=SystemActor.BACKGROUND_TASK) -> bool:
    """Mail a contact their survey link (9.5; the notice ``survey_invitation``, or
    ``survey_reminder``). The token is made here, its hash stored and the token itself
    only put in the e-mail. Idempotent: an invitation already mailed (or, for
    ``reminder``, already reminded, answered or expired) is skipped. A reminder re-issues
    the link; the first one stops working. The mail is in the site's language: the
    invitee is addressed by e-mail, not as a login. ``actor``: the system actor the
    activity log names (the task, or the daily reminders)."""
    with transaction.atomic():
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
        engagement = invitation.survey.engagement
        token = issue_survey_token(invitation)
        now = timezone.now()
        if reminder:
            invitation.reminder_sent_at = now
        else:
            invitation.mailed_at = now
        with acting_as(actor, invitation.firm_id):
            invitation.save(update_fields=["token_hash", "mailed_at", "reminder_sent_at"])
        record_event(firm=invitation.firm_id, by=actor, verb="survey.mailed", obj=invitation,
                     engagement=engagement, clause="9.5",
                     params={"contact": invitation.contact.name, "reminder": reminder})
        signed_in = signed_in_survey_url(invitation)
        context = {"invitation": invitation, "engagement": engagement,
                   "link": site_url(base_url) + survey_answer_url(token),
                   "portal_link": site_url(base_url) + signed_in if signed_in else ""}
        # Sent inside the transaction: if sending fails, the link is not recorded as
        # mailed, and the task can run again.
        notify("survey_reminder" if reminder else "survey_invitation",
               recipients=[Recipient(email=invitation.email, language=settings.LANGUAGE_CODE,
                                     name=invitation.contact.name)],
               context=context, firm=engagement.firm)
        return True
