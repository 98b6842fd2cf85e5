"""Feedback's notices (``consultancy.notifications``), each sent inside the firm's scope
by its caller (a task of ``feedback.tasks``, or the daily reminders)."""

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from consultancy.activity.models import SystemActor
from consultancy.activity.services import acting_as, record_event
from consultancy.notifications import Recipient, notify, recipients_for
from consultancy.tenancy.models import User

from .links import complaint_portal_url, signed_in_survey_url, survey_answer_url
from .models import ClientAcceptance, Complaint, ComplaintNotice, SurveyInvitation
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


def complainant_notice_context(notice, base_url="") -> dict:
    """What the templates of a complainant's notice show: the complaint (its number, its
    dates, the limits it is held to, the answer), the notice, and the portal page of the
    complaint when the complainant has a login."""
    complaint = notice.complaint
    path = complaint_portal_url(complaint)
    return {"complaint": complaint, "notice": notice,
            "portal_link": site_url(base_url) + path if path else ""}


def complainant_notice_send(notice_id: int, base_url: str = "") -> bool:
    """E-mail one notice to the complainant (9.4: the notice ``complaint_acknowledged``,
    ``complaint_answered`` or ``complaint_closed``) in the language stored with it.
    Idempotent: the notice's row is locked and ``sent_at`` set in the same transaction,
    so a notice already sent (the task run twice, a retry) is not sent again; one
    without an address is not sent at all. Returns whether it was sent now."""
    with transaction.atomic():
        notice = (ComplaintNotice.objects.select_for_update()
                  .filter(pk=notice_id).first())
        if notice is None or notice.sent_at is not None or not notice.email:
            return False
        notice = (ComplaintNotice.objects
                  .select_related("complaint__firm", "complaint__contact__user",
                                  "complaint__limits_contract", "complaint__engagement")
                  .get(pk=notice.pk))
        sent = notify(notice.notification_kind,
                      recipients=[Recipient(email=notice.email, language=notice.language,
                                            name=notice.complaint.complainant_name)],
                      context=complainant_notice_context(notice, base_url),
                      firm=notice.complaint.firm)
        if not sent:
            return False
        notice.sent_at = timezone.now()
        with acting_as(SystemActor.BACKGROUND_TASK, notice.firm_id):
            notice.save(update_fields=["sent_at"])
        return True


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
