"""Read queries the evaluation, follow-up, complaint and survey pages share."""

import datetime
import hashlib
import math
import re
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db.models import Case, IntegerField, OuterRef, QuerySet, Subquery, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from consultancy.tenancy.rls import FirmLookup
from consultancy.tenancy.scoping import firm_scope
from consultancy.tenancy.versioning import fingerprint_of
from contracts.clauses import filled_clauses
from contracts.models import Contract
from engagements.models import ProjectFramework, StageTransition
from engagements.selectors import engagements_visible_to
from engagements.stages import Stage

from .errors import SurveyLinkExpired, SurveyLinkInvalid, SurveyLinkUsed
from .models import (
    ClientAcceptance,
    Complaint,
    ComplaintLimits,
    ComplaintReply,
    FeedbackSettings,
    FollowUpGuidance,
    FollowUpVisit,
    Reminder,
    SurveyInvitation,
)

# -- settings -------------------------------------------------------------------------


def feedback_settings_for(firm) -> FeedbackSettings:
    """The firm's settings; a firm without a row has the defaults (unsaved)."""
    firm_id = getattr(firm, "pk", firm)
    return FeedbackSettings.objects.filter(firm_id=firm_id).first() or FeedbackSettings(
        firm_id=firm_id)


# -- the contract's follow-up terms ---------------------------------------------------


def current_contracts(engagement_ids) -> dict:
    """``{engagement_id: Contract}``: each engagement's contract in force, its latest
    signed version (a draft amendment binds no one yet). One query."""
    return {c.engagement_id: c for c in Contract.objects.filter(
        engagement_id__in=list(engagement_ids), status=Contract.Status.SIGNED).newest()}


def current_contract(engagement):
    return current_contracts([engagement.pk]).get(engagement.pk)


HANDED_OVER_AT = "feedback_handed_over_at"


def handed_over_at():
    """The time of an engagement's hand-over (its latest transition into evaluation), as
    an annotation of the engagements (``OuterRef("pk")``)."""
    return Subquery(StageTransition.objects.filter(engagement_id=OuterRef("pk"),
                                                   to_stage=Stage.EVALUATION)
                    .order_by("-at").values("at")[:1])


def handed_over_dates(engagement_ids) -> dict:
    """``{engagement_id: date}``: the day of the hand-over (the transition into
    evaluation), in local time. One query."""
    result = {}
    for engagement_id, at in (StageTransition.objects
                              .filter(engagement_id__in=list(engagement_ids),
                                      to_stage=Stage.EVALUATION)
                              .order_by("engagement_id", "-at")
                              .values_list("engagement_id", "at")):
        result.setdefault(engagement_id, timezone.localdate(at))
    return result


def visit_schedule(handed_over_on, guidance_days, visits) -> list[datetime.date]:
    """The due date of each contracted follow-up visit: spread evenly over the guidance
    period, the last one at its end (all at the hand-over when there is no period)."""
    if handed_over_on is None or not visits:
        return []
    period = guidance_days or 0
    return [handed_over_on + datetime.timedelta(days=math.ceil(period * k / visits))
            for k in range(1, visits + 1)]


@dataclass
class FollowUpSummary:
    """What the engagement page shows of 9.1 and 9.2."""

    handed_over_on: datetime.date | None
    guidance_days: int | None
    visits_contracted: int | None
    visits_done: int
    visit_due_dates: list = field(default_factory=list)
    # 9.1: the guidance sessions the contract promises (at least one) and those recorded
    # within the period
    guidance_sessions: int = 1
    guidance_given: int = 0

    @property
    def guidance_ends_on(self):
        if self.handed_over_on is None or self.guidance_days is None:
            return None
        return self.handed_over_on + datetime.timedelta(days=self.guidance_days)

    def guidance_ended_on(self, day) -> bool:
        ends = self.guidance_ends_on
        return ends is not None and ends <= day

    @property
    def guidance_missing(self) -> int:
        """9.1: how many more guidance sessions the period needs."""
        return max(self.guidance_sessions - self.guidance_given, 0)

    @property
    def next_visit_number(self) -> int | None:
        if self.visits_contracted is None or self.visits_done >= self.visits_contracted:
            return None
        return self.visits_done + 1

    @property
    def next_visit_due(self):
        n = self.next_visit_number
        if n is None or n > len(self.visit_due_dates):
            return None
        return self.visit_due_dates[n - 1]


def follow_up_summaries(engagements) -> dict:
    """``{engagement.pk: FollowUpSummary}`` in four queries, whatever the number."""
    ids = [e.pk for e in engagements]
    contracts = current_contracts(ids)
    # the hand-over read with the engagements (the engagement page's panel annotation,
    # ``HANDED_OVER_AT``), else asked here
    if engagements and all(hasattr(e, HANDED_OVER_AT) for e in engagements):
        handed_over = {e.pk: timezone.localdate(getattr(e, HANDED_OVER_AT))
                       for e in engagements if getattr(e, HANDED_OVER_AT) is not None}
    else:
        handed_over = handed_over_dates(ids)
    done = {}
    for engagement_id in (FollowUpVisit.objects.filter(engagement_id__in=ids,
                                                       plan_needs_adjusting__isnull=False)
                          .values_list("engagement_id", flat=True)):
        done[engagement_id] = done.get(engagement_id, 0) + 1
    given = {}
    for engagement_id, day in FollowUpGuidance.objects.filter(
            engagement_id__in=ids).values_list("engagement_id", "given_on"):
        given.setdefault(engagement_id, []).append(day)
    result = {}
    for pk in ids:
        contract = contracts.get(pk)
        days = contract.guidance_period_days if contract else None
        visits = contract.follow_up_visits if contract else None
        start = handed_over.get(pk)
        ends = start + datetime.timedelta(days=days) if start and days is not None else None
        result[pk] = FollowUpSummary(
            handed_over_on=start, guidance_days=days, visits_contracted=visits,
            visits_done=done.get(pk, 0),
            visit_due_dates=visit_schedule(start, days, visits or 0),
            guidance_sessions=max((contract.guidance_sessions if contract else None) or 1, 1),
            guidance_given=sum(1 for d in given.get(pk, [])
                               if ends is not None and start <= d <= ends),
        )
    return result


def follow_up_summary(engagement) -> FollowUpSummary:
    return follow_up_summaries([engagement])[engagement.pk]


# -- evaluation -----------------------------------------------------------------------


def latest_acceptance(engagement):
    """The verdict that counts: the latest one recorded."""
    return ClientAcceptance.objects.filter(engagement=engagement).order_by("-pk").first()


_BULLET = re.compile(r"^\s*(?:[-*•·●]|\d+[.、)）]|[（(]?\d+[)）]|[一二三四五六七八九十]+[、.])\s*")


def review_objectives_suggested(engagement) -> list[str]:
    """The objectives to review, one per line of the confirmed project framework's
    objectives (6.4), which the contract's objectives clause quotes."""
    framework = ProjectFramework.objects.filter(confirmed_on__isnull=False).current_for(engagement)
    if framework is None:
        return []
    lines = (_BULLET.sub("", line).strip() for line in framework.objectives.splitlines())
    return [line for line in lines if line]


# -- complaints -----------------------------------------------------------------------


def complaints_visible_to(user) -> QuerySet[Complaint]:
    """Complaints are confidential to the firm's managers and the engagement's staff: a
    consultant sees those on the engagements they may see; a complaint on no engagement
    is the managers' alone."""
    if not user.is_authenticated or not user.is_firm_staff:
        return Complaint.objects.none()
    qs = Complaint.objects.filter(firm_id=user.firm_id)
    if user.is_manager:
        return qs
    return qs.filter(engagement__in=engagements_visible_to(user))


SEVERITY_RANK = Case(
    When(severity=Complaint.Severity.CRITICAL, then=Value(0)),
    When(severity=Complaint.Severity.HIGH, then=Value(1)),
    When(severity=Complaint.Severity.MEDIUM, then=Value(2)),
    When(severity=Complaint.Severity.LOW, then=Value(3)),
    default=Value(4), output_field=IntegerField(),
)


def complaint_register(*, user, open_only=False) -> QuerySet[Complaint]:
    """The register in the order complaints are handled: open before closed,
    safety-related first, then by severity and by the due date of the next step."""
    qs = complaints_visible_to(user).select_related("engagement", "contact")
    if open_only:
        qs = qs.exclude(status=Complaint.Status.CLOSED)
    return qs.annotate(
        closed=Case(When(status=Complaint.Status.CLOSED, then=Value(1)), default=Value(0),
                    output_field=IntegerField()),
        severity_rank=SEVERITY_RANK,
    ).order_by("closed", "-safety_related", "severity_rank", "due_on", "received_on", "pk")


def overdue_complaints(firm, day=None) -> QuerySet[Complaint]:
    """Open complaints whose current step is past its due date."""
    day = day or timezone.localdate()
    return Complaint.objects.filter(firm=firm, status__in=list(Complaint.NEXT_STEP),
                                    due_on__lt=day)


def complaint_limits_for(firm, engagement=None) -> ComplaintLimits:
    """The time limits a complaint received now is held to, all counted from its receipt
    (9.4): the acknowledgement and the written answer the engagement's signed contract
    promises (the latest signed version's), with the firm's intermediate limits kept
    inside them; a complaint on no contracted engagement, the firm's settings."""
    firm_limits = feedback_settings_for(firm).complaint_limits()
    if engagement is None:
        return firm_limits
    contract = current_contract(engagement)
    if (contract is None or not contract.complaint_acknowledge_days
            or not contract.complaint_respond_days):
        return firm_limits
    working = contract.complaint_working_days
    return ComplaintLimits.held_to(
        acknowledge=contract.complaint_acknowledge_days,
        respond=contract.complaint_respond_days,
        working_days=firm_limits.working_days if working is None else working,
        firm_limits=firm_limits, contract_id=contract.pk)


def contract_complaint_terms(engagement) -> dict:
    """What a contract drafted now promises on complaints (9.4): the firm's limits to
    acknowledge and to answer in writing, counted from the receipt (the contract's
    complaint clause prints them; ``contracts.clauses.register_draft_terms``)."""
    row = feedback_settings_for(engagement.firm_id)
    return {"complaint_acknowledge_days": row.acknowledge_days,
            "complaint_respond_days": row.respond_days,
            "complaint_working_days": row.working_days}


def complainant_address(complaint) -> tuple[str, str]:
    """``(e-mail, language)`` the complainant's notices go to: the client contact's
    address and their portal language; else an e-mail address given as the
    complainant's contact; else no address (the notice is shown in the portal only, or
    nowhere, and the staff tell the complainant themselves)."""
    contact = complaint.contact
    if contact is not None:
        user = contact.user if contact.user_id else None
        email = contact.email or (user.email if user is not None else "")
        language = (user.language if user is not None else "") or settings.LANGUAGE_CODE
        if email:
            return email, language
    text = (complaint.complainant_contact or "").strip()
    try:
        validate_email(text)
    except ValidationError:
        return "", settings.LANGUAGE_CODE
    return text, settings.LANGUAGE_CODE


def answer_fingerprint(complaint) -> str:
    """What the complainant's reply is bound to: the written answer they were shown
    (its text, its date, and when it was given, so a revised answer is another)."""
    return fingerprint_of(["complaint-answer", complaint.pk, complaint.decision,
                           str(complaint.responded_on),
                           complaint.status_changed_at.isoformat()
                           if complaint.status == Complaint.Status.RESPONDED else ""])


def reply_to_current_answer(complaint):
    """The complainant's reply to the answer standing now, or None."""
    if complaint.status != Complaint.Status.RESPONDED:
        return None
    return (ComplaintReply.objects.filter(complaint=complaint,
                                          answer_sha256=answer_fingerprint(complaint))
            .select_related("contact").first())


def complaint_clause(complaint) -> str:
    """The contract's clause on complaints and external dispute resolution, which an
    escalation follows."""
    if complaint.engagement_id is None:
        return ""
    contract = current_contract(complaint.engagement)
    return filled_clauses(contract)["complaints"] if contract else ""


# -- surveys --------------------------------------------------------------------------


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass
class SurveyLink:
    """What a survey link opens: the invitation (its firm's scope is entered only while
    reading) and the questions to ask, already read."""

    firm_id: int
    invitation: SurveyInvitation
    questions: list
    engagement_title: str
    firm_name: str


#: The survey link is opened without a log-in, before the firm is known: the narrow
#: ``SECURITY DEFINER`` function of feedback's migration 0006 gives the firm and id of the
#: one invitation with the token's hash (row-level security, ``consultancy.tenancy.rls``).
SURVEY_LINK_BY_TOKEN = FirmLookup("feedback_survey_invitation_by_token", "feedback",
                                  "surveyinvitation", "token_hash")


def find_invitation(token) -> tuple[int, int]:
    """``(firm_id, invitation_id)`` of the link with this token, looked up by its hash
    across firms (the only read of this app before the firm is known). Unknown tokens are
    refused."""
    if not isinstance(token, str) or not 20 <= len(token) <= 100:
        raise SurveyLinkInvalid(_("This survey link is not valid."))
    row = SURVEY_LINK_BY_TOKEN.first(token_hash(token))
    if row is None:
        raise SurveyLinkInvalid(_("This survey link is not valid."))
    return row


def check_invitation(invitation):
    if invitation.is_used:
        raise SurveyLinkUsed(_("This survey has already been answered through this link. "
                               "Thank you."))
    if invitation.is_expired:
        raise SurveyLinkExpired(_("This survey link has expired."))


def survey_link(token) -> SurveyLink:
    """For the answer page: the link's survey, in its own firm's scope; a used, expired or
    unknown link raises the matching :class:`~feedback.errors.SurveyLinkError`."""
    firm_id, invitation_id = find_invitation(token)
    with firm_scope(firm_id):
        invitation = (SurveyInvitation.objects
                      .select_related("survey__engagement__firm", "contact")
                      .get(pk=invitation_id))
        check_invitation(invitation)
        questions = list(invitation.survey.questions.order_by("order", "pk"))
        engagement = invitation.survey.engagement
        return SurveyLink(firm_id=firm_id, invitation=invitation, questions=questions,
                          engagement_title=engagement.title, firm_name=engagement.firm.name)


# -- reminders ------------------------------------------------------------------------


def reminders_for(user, *, unread_only=True) -> QuerySet:
    """The user's in-app reminders, newest first."""
    qs = Reminder.objects.filter(firm_id=user.firm_id, user=user)
    if unread_only:
        qs = qs.filter(read_at__isnull=True)
    return qs
