"""Evaluation and clause 9: every state change, one transaction each.

Records keep their history (django-simple-history), complaint steps their
:class:`~feedback.models.ComplaintStep` rows. The services announce what they wrote
(``feedback.signals``); ``feedback.tasks`` sends the e-mail through Celery once the
transaction commits. Cross-firm references are refused here (and again by
``FirmOwned.save`` for foreign keys).
"""

import datetime
import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_fsm import can_proceed

from consultancy.activity import verbs
from consultancy.activity.models import SystemActor
from consultancy.activity.services import acting_as, performed_by, record_event
from consultancy.clients.models import ClientContact
from consultancy.formats import dates_shown, show_date
from consultancy.tenancy import firm_lists
from consultancy.tenancy.models import Firm
from consultancy.tenancy.scoping import CrossFirmReference, firm_scope, require_same_firm
from consultancy.tenancy.validators import meaningful_text, not_in_the_future
from consultancy.tenancy.versioning import check_fingerprint, fingerprint_of
from delivery.models import DocumentDelivery
from engagements import chronology
from engagements.models import FrozenRecord
from engagements.services import record_save
from engagements.stages import ORDER, Stage

from . import signals
from .defaults import DEFAULT_QUESTION_SET_NAME, DEFAULT_QUESTIONS
from .errors import ComplaintStepRefused, FollowUpRefused, NoQuestionSet, SurveyLinkInvalid
from .models import (
    ClientAcceptance,
    Complaint,
    ComplaintAction,
    ComplaintCause,
    ComplaintNotice,
    ComplaintReply,
    ComplaintReport,
    ComplaintStep,
    FeedbackSettings,
    FollowUpGuidance,
    FollowUpVisit,
    ObjectiveReview,
    OutcomeReview,
    Reminder,
    Survey,
    SurveyAnswer,
    SurveyInvitation,
    SurveyQuestion,
    SurveyQuestionSet,
    SurveyResponse,
)
from .selectors import (
    answer_fingerprint,
    check_invitation,
    complainant_address,
    complaint_limits_for,
    feedback_settings_for,
    find_invitation,
    reply_to_current_answer,
    token_hash,
)


def _check_staff(firm_id, users):
    for user in users:
        require_same_firm(firm_id, user)
        if not user.is_firm_staff:
            raise ValidationError(_("%(name)s is not a member of the firm's staff.") %
                                  {"name": user})


def _check_contact(engagement, contact, field="contact"):
    require_same_firm(engagement.firm_id, contact)
    if contact.client_id != engagement.client_id:
        raise ValidationError({field: _("The contact must be a person at this engagement's "
                                        "client.")})


def _handed_over(engagement) -> bool:
    """The results are handed over: the engagement is in evaluation or later (and not
    declined or terminated before that)."""
    return ORDER.get(engagement.stage, -1) >= ORDER[Stage.EVALUATION]


def _in_evaluation(engagement):
    if engagement.has_passed(Stage.EVALUATION):
        raise FrozenRecord(_("The evaluation stage is passed; its records are frozen."))
    if not _handed_over(engagement):
        raise FollowUpRefused(_("The results are evaluated after they are handed over."))


def _in_follow_up(engagement):
    """9.1–9.3 records are kept from the hand-over until the engagement is closed."""
    if engagement.has_passed(Stage.FOLLOW_UP):
        raise FrozenRecord(_("The engagement is closed; its follow-up records are frozen."))
    if not _handed_over(engagement):
        raise FollowUpRefused(_("Follow-up begins once the results are handed over."))


verbs.register_all({
    "acceptance.recorded": gettext_lazy("%(contact)s gave the verdict “%(verdict)s” on the "
                                        "results (recorded by %(actor)s)"),
    "review.saved": gettext_lazy("%(actor)s saved the review of the outcome"),
    "guidance.saved": gettext_lazy("%(actor)s recorded follow-up guidance: %(topic)s"),
    "visit.saved": gettext_lazy("%(actor)s recorded the follow-up visit of %(day)s"),
    "complaint.received": gettext_lazy("%(actor)s entered complaint %(number)s"),
    "complaint.step": gettext_lazy("%(actor)s: complaint %(number)s, step “%(step)s”"),
    "complaint.notice": gettext_lazy("%(actor)s: complaint %(number)s, notice to the "
                                     "complainant: %(notice)s"),
    "complaint.no_action": gettext_lazy("%(actor)s decided that complaint %(number)s needs no "
                                        "corrective action"),
    "complaint.replied": gettext_lazy("%(actor)s replied to the answer to complaint "
                                      "%(number)s"),
    "complaint_action.added": gettext_lazy("%(actor)s: complaint %(number)s, action “%(what)s”"),
    "complaint_action.done": gettext_lazy("%(actor)s: complaint %(number)s, action done: "
                                          "“%(what)s”"),
    "complaint_action.verified": gettext_lazy("%(actor)s: complaint %(number)s, action "
                                              "verified: “%(what)s”"),
    "complaint_cause.saved": gettext_lazy("%(actor)s saved the complaint cause %(name)s"),
    "complaint_report.requested": gettext_lazy(
        "%(actor)s asked for the complaint analysis of %(from)s to %(to)s"),
    "feedback_settings.updated": gettext_lazy("%(actor)s changed the evaluation settings"),
    "survey_question.saved": gettext_lazy("%(actor)s saved the survey question %(code)s"),
    "survey_question.moved": gettext_lazy("%(actor)s reordered the survey questions"),
    "survey_question.deleted": gettext_lazy("%(actor)s deleted the survey question %(code)s"),
    "survey.sent": gettext_lazy("%(actor)s sent the satisfaction survey to %(count)s "
                                "contact(s)"),
    "survey.mailed": gettext_lazy("%(actor)s mailed the survey link to %(contact)s"),
    "survey.answered": gettext_lazy("%(contact)s answered the satisfaction survey"),
    "reminder.created": gettext_lazy("%(actor)s reminded %(name)s: %(text)s"),
    "reminder.read": gettext_lazy("%(actor)s read a reminder"),
    "satisfaction_report.requested": gettext_lazy(
        "%(actor)s asked for the satisfaction statistics of %(from)s to %(to)s"),
}, format=lambda p: {**dates_shown(p), **_verb_labels(p)})


def _verb_labels(params) -> dict:
    """The words of a step or a notice, in the reader's language."""
    labels = {}
    if params.get("step") in STEP_LABELS:
        labels["step"] = str(STEP_LABELS[params["step"]])
    if params.get("notice") in ComplaintNotice.Kind.values:
        labels["notice"] = str(ComplaintNotice.Kind(params["notice"]).label)
    return labels


# -- evaluation -------------------------------------------------------------------------


@performed_by
@transaction.atomic
def results_fingerprint(engagement) -> str:
    """What a verdict is bound to: the documents delivered to the client (each delivery,
    its version and the stored SHA-256 of that version's file)."""
    rows = (DocumentDelivery.objects.filter(engagement=engagement).order_by("pk")
            .values_list("pk", "version_id", "version__sha256"))
    return fingerprint_of([list(row) for row in rows])


def acceptance_record(*, engagement, by, contact, accepted_on, verdict,
                      reasons="", fingerprint=None) -> ClientAcceptance:
    """The client's verdict on the delivered results. *Not accepted* keeps the engagement
    in evaluation (``E.acceptance`` looks at the latest verdict); after rework a new
    verdict is recorded. ``fingerprint``: the results the client had on screen; refused
    (:class:`ContentChanged`) when they changed."""
    results = results_fingerprint(engagement)
    if fingerprint is not None:
        check_fingerprint(fingerprint, results)
    _in_evaluation(engagement)
    _check_contact(engagement, contact)
    if by.is_client_contact and getattr(by, "client_contact", None) != contact:
        raise ValidationError({"contact": _("In the portal a contact gives their own verdict.")})
    not_in_the_future(accepted_on, "accepted_on")
    acceptance = ClientAcceptance(engagement=engagement, contact=contact,
                                  accepted_on=accepted_on, verdict=verdict,
                                  reasons=(reasons or "").strip(), content_sha256=results)
    # The client's verdict on the results: the client's own act.
    acceptance = record_save(record=acceptance, by=by, event={
        "verb": "acceptance.recorded", "clause": "9", "client_visible": True,
        "params": {"contact": str(contact), "verdict": str(acceptance.get_verdict_display())}})
    signals.acceptance_recorded.send(sender=ClientAcceptance, acceptance=acceptance)
    return acceptance


@performed_by
@transaction.atomic
def review_save(*, engagement, by, reviewer, reviewed_on, objectives,
                conclusion="") -> OutcomeReview:
    """The provider's review of the outcome: one row per objective, each with a verdict
    (met / partly / not met) and its evidence. Saving again replaces the rows until the
    evaluation stage is passed."""
    _in_evaluation(engagement)
    _check_staff(engagement.firm_id, [reviewer])
    not_in_the_future(reviewed_on, "reviewed_on")
    rows = []
    for i, row in enumerate(objectives or []):
        objective = (row.get("objective") or "").strip()
        evidence = (row.get("evidence") or "").strip()
        verdict = row.get("verdict") or ""
        if not objective:
            continue
        if verdict not in ObjectiveReview.Verdict.values:
            raise ValidationError({"objectives": _("Give a verdict for “%(objective)s”.") %
                                   {"objective": objective}})
        if not evidence:
            raise ValidationError({"objectives": _("Give the evidence for “%(objective)s”.") %
                                   {"objective": objective}})
        rows.append(ObjectiveReview(order=i, objective=objective, verdict=verdict,
                                    evidence=evidence))
    if not rows:
        raise ValidationError({"objectives": _("Review the outcome against at least one "
                                               "objective of the contract.")})
    review = OutcomeReview.objects.filter(engagement=engagement).first() or OutcomeReview(
        engagement=engagement)
    review.reviewer, review.reviewed_on, review.conclusion = reviewer, reviewed_on, conclusion
    review = record_save(record=review, by=by, event={"verb": "review.saved", "clause": "9",
                                                      "params": {}})
    ObjectiveReview.objects.filter(review=review).delete()
    for row in rows:
        row.firm_id, row.review = review.firm_id, review
        row.full_clean()
        row.save()
    return review


# -- 9.1 to 9.3 -------------------------------------------------------------------------


@performed_by
@transaction.atomic
def follow_up_guidance_save(*, engagement, by, given_on, given_by, topic, advice,
                            channel=FollowUpGuidance.Channel.SITE,
                            guidance=None) -> FollowUpGuidance:
    """9.1: a record of further technical guidance after delivery (new, or ``guidance``
    changed)."""
    _in_follow_up(engagement)
    _check_staff(engagement.firm_id, [given_by])
    not_in_the_future(given_on, "given_on")
    if guidance is None:
        guidance = FollowUpGuidance(engagement=engagement)
    elif guidance.engagement_id != engagement.pk:
        raise CrossFirmReference("A guidance record of another engagement.")
    guidance.given_on, guidance.given_by, guidance.channel = given_on, given_by, channel
    guidance.topic, guidance.advice = topic, advice
    return record_save(record=guidance, by=by, event={
        "verb": "guidance.saved", "clause": "9.1", "params": {"topic": topic}})


@performed_by
@transaction.atomic
def follow_up_visit_save(*, engagement, by, visited_on, visitors, discussed,
                         plan_needs_adjusting, site_changes="", adjustment_notes="",
                         client_participants="", visit=None) -> FollowUpVisit:
    """9.2: a follow-up visit, saying whether the plan needs adjusting. 9.3: a visit that
    finds site changes, or says the plan needs adjusting, opens a new version of the
    consulting plan (``delivery``), to be approved, issued and confirmed again; the
    visit links to it."""
    _in_follow_up(engagement)
    visitors = list(visitors)
    if not visitors:
        raise ValidationError({"visitors": _("Name who made the visit.")})
    _check_staff(engagement.firm_id, visitors)
    not_in_the_future(visited_on, "visited_on")
    if plan_needs_adjusting not in (True, False):
        raise ValidationError({"plan_needs_adjusting": _(
            "Say whether the next stage of work needs the plan adjusted (9.2).")})
    if visit is None:
        visit = FollowUpVisit(engagement=engagement)
    elif visit.engagement_id != engagement.pk:
        raise CrossFirmReference("A visit of another engagement.")
    visit.visited_on, visit.discussed = visited_on, discussed
    visit.plan_needs_adjusting = plan_needs_adjusting
    visit.site_changes, visit.adjustment_notes = site_changes.strip(), adjustment_notes.strip()
    visit.client_participants = client_participants
    if visit.calls_for_a_plan_change and visit.plan_version_id is None:
        visit.plan_version = _open_plan_version(engagement, by, visit)
    return record_save(record=visit, by=by, m2m={"visitors": visitors}, event={
        "verb": "visit.saved", "clause": "9.2", "params": {"day": str(visited_on)}})


def _open_plan_version(engagement, by, visit):
    """9.3: a new plan version after delivery, its reason the site change. The version
    then goes through approval, issue and the client's confirmation in ``delivery``."""
    from delivery import services as delivery_services

    revise = getattr(delivery_services, "plan_revise_after_delivery", None)
    if revise is None:  # pragma: no cover - until delivery offers 9.3 versions
        raise FollowUpRefused(_("Plan versions after delivery (9.3) are not available yet."))
    reason = _("Follow-up visit of %(day)s (9.3): %(what)s") % {
        "day": show_date(visit.visited_on),
        "what": visit.site_changes or visit.adjustment_notes or visit.discussed}
    current = delivery_services.current_plan(engagement)
    if current is not None and not current.is_approved and current.change_reason.strip():
        reason = f"{current.change_reason}\n{reason}"  # a draft already open: add to it
    return revise(engagement=engagement, by=by, change_reason=reason)


# -- 9.4 complaints ---------------------------------------------------------------------

DEFAULT_CAUSES = [("服务质量", "Quality of service"), ("交付延误", "Late delivery"),
                  ("人员资质", "Staff qualifications"), ("沟通", "Communication"),
                  ("收费", "Fees"), ("安全隐患处置", "Handling of hidden dangers"),
                  ("其他", "Other")]


def causes_seed(firm_id) -> None:
    """The firm's starting list of causes (nothing is added to a list the firm already
    has): run once, when the firm is created (consultancy.tenancy.firm_lists)."""
    manager = ComplaintCause.objects.with_scopes_disabled()
    if manager.filter(firm_id=firm_id).exists():
        return
    manager.bulk_create([ComplaintCause(firm_id=firm_id, name=name, name_en=name_en,
                                        order=order)
                         for order, (name, name_en) in enumerate(DEFAULT_CAUSES)])


def causes_for(firm) -> list[ComplaintCause]:
    """The firm's cause categories (all, offered or not): seeded when the firm was
    created; a read never writes."""
    firm_id = getattr(firm, "pk", firm)
    return list(ComplaintCause.objects.filter(firm_id=firm_id).order_by("order", "pk"))


@performed_by
@transaction.atomic
def complaint_cause_save(*, firm, by, cause=None, **fields) -> ComplaintCause:
    """Managers keep the firm's list of complaint causes (9.4): add one, rename it,
    reorder it, or stop offering it (a cause in use stays on its complaints)."""
    cause = firm_lists.save_item(ComplaintCause, firm=firm, by=by, item=cause, fields=fields)
    record_event(firm=firm, by=by, verb="complaint_cause.saved", obj=cause, clause="9.4",
                 params={"name": cause.name})
    return cause


def next_complaint_number(firm, year) -> str:
    """``TS-2026-001``: the year and a sequence per firm. Call inside the transaction that
    holds the firm's row lock."""
    prefix = f"TS-{year}-"
    numbers = Complaint.objects.filter(firm=firm, number__startswith=prefix).values_list(
        "number", flat=True)
    last = max((int(n[len(prefix):]) for n in numbers if n[len(prefix):].isdigit()), default=0)
    return f"{prefix}{last + 1:03d}"


@performed_by
@transaction.atomic
def complaint_receive(*, firm, by, received_on, channel, complainant_name, description,
                      complainant_contact="", contact=None, engagement=None, remedy_sought="",
                      safety_related=False) -> Complaint:
    """Enter a complaint in the firm's register (staff, or a client contact through the
    portal). Its time limits are fixed now, counted from ``received_on``: those the
    engagement's signed contract promises, else the firm's settings
    (:func:`~feedback.selectors.complaint_limits_for`)."""
    require_same_firm(firm.pk, by, contact, engagement)
    if not (by.is_firm_staff or by.is_client_contact):
        raise ValidationError(_("Only the firm's staff or a client contact enter a complaint."))
    if by.is_client_contact:  # through the portal: about their own company only
        own = getattr(by, "client_contact", None)
        if own is None or (contact is not None and contact != own) or (
                engagement is not None and engagement.client_id != own.client_id):
            raise ValidationError(_("A client contact complains about their own company's "
                                    "engagements only."))
        contact = own
    if engagement is not None and contact is not None:
        _check_contact(engagement, contact)
    not_in_the_future(received_on, "received_on")
    meaningful_text(description, "description")
    Firm.objects.select_for_update().get(pk=firm.pk)  # serialise the numbering per firm
    complaint = Complaint(
        firm=firm, number=next_complaint_number(firm, received_on.year), received_on=received_on,
        channel=channel, complainant_name=complainant_name.strip(),
        complainant_contact=complainant_contact.strip(), contact=contact, engagement=engagement,
        description=description.strip(), remedy_sought=remedy_sought.strip(),
        safety_related=safety_related, received_by=by,
    )
    complaint.set_limits(complaint_limits_for(firm, engagement))
    complaint.due_on = complaint.acknowledge_due_on
    complaint.full_clean(exclude=["number", "received_by"])
    chronology.check(complaint)  # 9.4: not before the engagement was opened
    complaint.save()
    ComplaintStep.objects.create(firm=firm, complaint=complaint, step="receive", from_status="",
                                 to_status=complaint.status, by=by, on=received_on,
                                 at=complaint.status_changed_at)
    signals.complaint_received.send(sender=Complaint, complaint=complaint)
    # 9.4: a complaint filed by a client contact in the portal is the client's own act.
    record_event(firm=firm, by=by, verb="complaint.received", obj=complaint,
                 engagement=engagement, clause="9.4", client_visible=by.is_client_contact,
                 params={"number": complaint.number})
    return complaint


STEP_LABELS = {
    "acknowledge": gettext_lazy("acknowledge"), "assess": gettext_lazy("assess"),
    "investigate": gettext_lazy("investigate"), "respond": gettext_lazy("respond"),
    "close": gettext_lazy("close"), "escalate": gettext_lazy("escalate"),
    "receive": gettext_lazy("receive"),
}
# The field that holds each step's date.
STEP_DATE_FIELDS = dict(Complaint.STEP_DATES)
# The notice the complainant gets after a step (9.4: they hear back).
STEP_NOTICES = {"acknowledge": ComplaintNotice.Kind.ACKNOWLEDGED,
                "respond": ComplaintNotice.Kind.ANSWERED,
                "close": ComplaintNotice.Kind.CLOSED}


def _step_date(locked, step, day):
    """The step's date: today unless given; not in the future, and not before the date
    of the step it follows (received ≤ acknowledged ≤ assessed ≤ investigated ≤
    responded ≤ closed ≤ today)."""
    field = STEP_DATE_FIELDS[step]
    day = day or timezone.localdate()
    not_in_the_future(day, field)
    for _step, name in reversed(Complaint.STEP_DATES):
        before = getattr(locked, name)
        if before is None or (name == field and step != "respond"):
            continue
        if day < before:
            raise ValidationError({field: _(
                "The date of this step (%(day)s) is before %(before_day)s, the date the "
                "complaint was “%(before)s”: the steps of a complaint come in order (9.4). "
                "Give %(before_day)s or a later date.") % {
                "day": show_date(day), "before_day": show_date(before),
                "before": Complaint._meta.get_field(name).verbose_name}})
        break
    return field, day


def _complaint_step(complaint, by, step, *, on=None, note="", **content) -> Complaint:
    """Run one step: lock the complaint, refuse a step that is not possible from its
    status or a date out of order, write the step's content and date, the due date of
    the step now pending (fixed at receipt), the audit row, and the complainant's notice
    of the step."""
    locked = Complaint.objects.select_for_update().get(pk=complaint.pk, firm_id=complaint.firm_id)
    _check_staff(locked.firm_id, [by])
    method = getattr(locked, step)
    if not can_proceed(method):
        expected = locked.next_step
        if expected:
            message = _("“%(step)s” is not possible while the complaint is “%(status)s”: "
                        "the next step is “%(expected)s”.")
        else:
            message = _("“%(step)s” is not possible while the complaint is “%(status)s”.")
        raise ComplaintStepRefused(message % {
            "step": STEP_LABELS[step], "status": locked.get_status_display(),
            "expected": STEP_LABELS.get(expected, "")}, object=locked, method=method)
    field, day = _step_date(locked, step, on)
    from_status = locked.status
    method()
    now = timezone.now()
    for name, value in content.items():
        setattr(locked, name, value)
    setattr(locked, field, day)
    if step == "respond" and locked.first_responded_on is None:
        locked.first_responded_on = day
    locked.status_changed_at = now
    locked.due_on = locked.due_for(locked.next_step)
    locked.full_clean(exclude=["number", "received_by"])
    locked.save()
    ComplaintStep.objects.create(firm_id=locked.firm_id, complaint=locked, step=step,
                                 from_status=from_status, to_status=locked.status, by=by,
                                 on=day, at=now, note=(note or "").strip())
    record_event(firm=locked.firm_id, by=by, verb="complaint.step", obj=locked,
                 engagement=locked.engagement_id, clause="9.4",
                 params={"number": locked.number, "step": step, "from": from_status,
                         "to": locked.status})
    if step in STEP_NOTICES:
        _write_notice(locked, STEP_NOTICES[step], by)
    complaint.refresh_from_db()
    return complaint


def _write_notice(complaint, kind, by) -> ComplaintNotice:
    """The complainant's notice of a step: written now (the portal shows it), e-mailed
    once after commit by ``feedback.tasks`` to the complainant's address, in their
    language."""
    email, language = complainant_address(complaint)
    notice = ComplaintNotice.objects.create(firm_id=complaint.firm_id, complaint=complaint,
                                            kind=kind, email=email, language=language)
    signals.complaint_notice_written.send(sender=ComplaintNotice, notice=notice)
    # 9.4: the complainant hears back; shared with the client.
    record_event(firm=complaint.firm_id, by=by, verb="complaint.notice", obj=complaint,
                 engagement=complaint.engagement_id, clause="9.4",
                 client_visible=complaint.contact_id is not None,
                 params={"number": complaint.number, "notice": kind})
    return notice


def _given(value, field, message):
    value = (value or "").strip()
    if not value:
        raise ValidationError({field: message})
    return value


def _text(value, field, message):
    """A step's text: given, and saying something (9.4); refused on its field."""
    value = _given(value, field, message)
    meaningful_text(value, field)
    return value


@performed_by
@transaction.atomic
def complaint_acknowledge(*, complaint, by, acknowledgement, acknowledged_on=None,
                          note="") -> Complaint:
    """The receipt is confirmed to the complainant: how and what (``acknowledgement``),
    on which day. The complainant is told the complaint's number and its time limits."""
    text = _text(acknowledgement, "acknowledgement",
                 _("Say how the receipt was confirmed to the complainant."))
    return _complaint_step(complaint, by, "acknowledge", on=acknowledged_on, note=note,
                           acknowledgement=text)


@performed_by
@transaction.atomic
def complaint_assess(*, complaint, by, severity, cause, assessment, assessed_on=None,
                     safety_related=None, note="") -> Complaint:
    """Severity, safety implications and the cause category (the firm's list), which set
    the order of handling and feed the analysis."""
    if severity not in Complaint.Severity.values:
        raise ValidationError({"severity": _("Choose the severity of the complaint.")})
    if cause is None:
        raise ValidationError({"cause": _("Choose the cause of the complaint (the firm's "
                                          "list of causes).")})
    require_same_firm(complaint.firm_id, cause)
    if not cause.is_active and cause.pk != complaint.cause_id:
        raise ValidationError({"cause": _("This cause is no longer offered; choose another.")})
    text = _text(assessment, "assessment", _("Record the assessment: severity, safety "
                                             "implications, what the complaint is about."))
    content = {"severity": severity, "cause": cause, "assessment": text}
    if safety_related is not None:
        content["safety_related"] = bool(safety_related)
    return _complaint_step(complaint, by, "assess", on=assessed_on, note=note, **content)


@performed_by
@transaction.atomic
def complaint_investigate(*, complaint, by, findings, investigated_on=None,
                          note="") -> Complaint:
    text = _text(findings, "findings", _("Record the findings of the investigation."))
    return _complaint_step(complaint, by, "investigate", on=investigated_on, note=note,
                           findings=text)


@performed_by
@transaction.atomic
def complaint_respond(*, complaint, by, decision, responded_on=None, note="") -> Complaint:
    """The decision is communicated to the complainant in writing; they are sent it and
    asked in the portal whether they accept it. After a complainant did not accept an
    answer, a revised answer is given the same way."""
    text = _text(decision, "decision",
                 _("Record the decision communicated to the complainant."))
    return _complaint_step(complaint, by, "respond", on=responded_on, note=note,
                           decision=text)


def _actions_settled(complaint, by, no_action_reason):
    """9.4: a complaint closes once its corrective and preventive actions are done; with
    none, a manager's recorded reason why none is needed (given now, or before)."""
    actions = list(ComplaintAction.objects.filter(complaint=complaint).order_by("due_on", "pk"))
    open_ = [a for a in actions if a.done_on is None]
    if open_:
        raise ComplaintStepRefused(_(
            "The complaint is closed once its corrective and preventive actions are done "
            "(9.4); not done yet: %(actions)s.") % {
            "actions": "; ".join(f"“{a.description[:40]}”" for a in open_)})
    if actions or complaint.no_action_reason.strip():
        return {}
    reason = (no_action_reason or "").strip()
    if not reason:
        raise ComplaintStepRefused(_(
            "The complaint has no corrective or preventive action: record one, or a manager "
            "records why none is needed (9.4)."))
    if not by.is_manager:
        raise ValidationError({"no_action_reason": _(
            "Only a manager decides that no corrective action is needed.")})
    meaningful_text(reason, "no_action_reason")
    return {"no_action_reason": reason, "no_action_by": by,
            "no_action_on": timezone.localdate()}


@performed_by
@transaction.atomic
def complaint_close(*, complaint, by, complainant_acceptance="", closed_on=None,
                    no_action_reason="", note="") -> Complaint:
    """Closed with the complainant's acceptance of the answer: their reply in the portal
    accepting it (their own act), or, for a complainant who accepted otherwise, how they
    did (by phone, in writing). After an escalation: the outcome of the external
    resolution. Closing waits for the corrective and preventive actions
    (:func:`_actions_settled`)."""
    locked = Complaint.objects.select_for_update().get(pk=complaint.pk, firm_id=complaint.firm_id)
    text = (complainant_acceptance or "").strip()
    if locked.status == Complaint.Status.RESPONDED:
        reply = reply_to_current_answer(locked)
        if reply is not None and not reply.accepts:
            raise ComplaintStepRefused(_(
                "The complainant did not accept the answer (%(day)s, in the portal): give a "
                "revised answer or escalate the complaint (9.4).") % {
                "day": show_date(reply.at)})
        if reply is not None and not text:
            text = _("Accepted by %(contact)s in the client portal on %(day)s (handling rated "
                     "%(rating)s of 5).") % {
                "contact": reply.contact.name,
                "day": show_date(reply.at),
                "rating": reply.handling_rating}
            if reply.comment:
                text = f"{text} {reply.comment}"
        text = _text(text, "complainant_acceptance",
                     _("Record the complainant's acceptance of the decision."))
    else:
        text = _text(text, "complainant_acceptance",
                     _("Record the outcome of the external resolution."))
    content = _actions_settled(locked, by, no_action_reason)
    return _complaint_step(complaint, by, "close", on=closed_on, note=note,
                           complainant_acceptance=text, **content)


@performed_by
@transaction.atomic
def complaint_escalate(*, complaint, by, escalated_to, reason, escalated_on=None,
                       note="") -> Complaint:
    """The complainant takes the complaint to external dispute resolution, per the
    contract's clause (``selectors.complaint_clause``)."""
    errors = {}
    try:
        escalated_to = _given(escalated_to, "escalated_to",
                              _("Name the body the complaint is escalated to."))
    except ValidationError as exc:
        errors.update(exc.error_dict)
    try:
        reason = _text(reason, "reason", _("Give the reason for the escalation."))
    except ValidationError as exc:
        errors.update(exc.error_dict)
    if errors:
        raise ValidationError(errors)
    return _complaint_step(complaint, by, "escalate", on=escalated_on, note=note,
                           escalated_to=escalated_to, escalation_reason=reason)


@performed_by
@transaction.atomic
def complaint_no_action(*, complaint, by, reason) -> Complaint:
    """A manager records why the complaint needs no corrective or preventive action, so
    that it can be closed without one (9.4)."""
    locked = Complaint.objects.select_for_update().get(pk=complaint.pk, firm_id=complaint.firm_id)
    _check_manager(locked.firm_id, by)
    if not locked.is_open:
        raise ComplaintStepRefused(_("The complaint is closed."))
    if ComplaintAction.objects.filter(complaint=locked).exists():
        raise ComplaintStepRefused(_("The complaint has corrective or preventive actions; it "
                                     "is closed once they are done."))
    content = _actions_settled(locked, by, reason)
    for name, value in content.items():
        setattr(locked, name, value)
    locked.save()
    record_event(firm=locked.firm_id, by=by, verb="complaint.no_action", obj=locked,
                 engagement=locked.engagement_id, clause="9.4",
                 params={"number": locked.number})
    complaint.refresh_from_db()
    return complaint


def _plan_version_for_action(complaint, by, action):
    """9.3: a new version of the engagement's consulting plan for an action that changes
    it: during delivery, a new version (or the open draft); after the hand-over, a
    version for the change (``plan_revise_after_delivery``)."""
    from delivery import services as delivery_services

    engagement = complaint.engagement
    if engagement is None:
        raise ValidationError({"changes_plan": _(
            "A complaint about no engagement has no consulting plan to change.")})
    current = delivery_services.current_plan(engagement)
    if current is None or engagement.stage not in (Stage.DELIVERY, Stage.EVALUATION,
                                                   Stage.FOLLOW_UP):
        raise ValidationError({"changes_plan": _(
            "The engagement has no consulting plan that can change now: a plan is changed "
            "from delivery until the engagement is closed (8.3, 9.3).")})
    reason = _("Complaint %(number)s (9.4, 9.3): %(what)s") % {
        "number": complaint.number, "what": action.description}
    if not current.is_approved and current.change_reason.strip():
        reason = f"{current.change_reason}\n{reason}"  # a draft already open: add to it
    if engagement.stage == Stage.DELIVERY:
        return delivery_services.plan_save(engagement=engagement, by=by, change_reason=reason)
    return delivery_services.plan_revise_after_delivery(engagement=engagement, by=by,
                                                        change_reason=reason)


def _open_complaint(complaint):
    locked = Complaint.objects.select_for_update().get(pk=complaint.pk, firm_id=complaint.firm_id)
    if not locked.is_open:
        raise ComplaintStepRefused(_("The complaint is closed; its actions are as they were "
                                     "when it closed."))
    return locked


@performed_by
@transaction.atomic
def complaint_action_add(*, complaint, by, description, owner, due_on,
                         kind=ComplaintAction.Kind.CORRECTIVE, changes_plan=False
                         ) -> ComplaintAction:
    """A corrective or preventive action on an open complaint: what, who, by when. One
    that changes the consulting plan opens its new version (9.3), linked to it."""
    locked = _open_complaint(complaint)
    _check_staff(locked.firm_id, [by, owner])
    text = (description or "").strip()
    if not text:
        raise ValidationError({"description": _("Say what is to be done.")})
    meaningful_text(text, "description")
    if due_on is None:
        raise ValidationError({"due_on": _("Give the date the action is due by.")})
    if due_on < locked.received_on:
        raise ValidationError({"due_on": _("The action cannot be due before the complaint "
                                           "was received (%(day)s).") % {
            "day": show_date(locked.received_on)}})
    action = ComplaintAction(firm_id=locked.firm_id, complaint=locked, kind=kind,
                             description=text, owner=owner, due_on=due_on,
                             changes_plan=bool(changes_plan), created_by=by)
    action.full_clean()
    if action.changes_plan:
        action.plan_version = _plan_version_for_action(locked, by, action)
    action.save()
    if locked.no_action_reason:  # an action after all: it has to be done before closing
        locked.no_action_reason, locked.no_action_by, locked.no_action_on = "", None, None
        locked.save(update_fields=["no_action_reason", "no_action_by", "no_action_on"])
    record_event(firm=locked.firm_id, by=by, verb="complaint_action.added", obj=locked,
                 engagement=locked.engagement_id, clause="9.4",
                 params={"number": locked.number, "what": text[:80]})
    return action


@performed_by
@transaction.atomic
def complaint_action_done(*, action, by, done_on, done_note) -> ComplaintAction:
    """The action is done: when and what was done (not before the complaint was
    received, not in the future)."""
    locked = ComplaintAction.objects.select_for_update().get(pk=action.pk, firm_id=action.firm_id)
    complaint = _open_complaint(locked.complaint)
    _check_staff(locked.firm_id, [by])
    if locked.done_on is not None:
        raise ComplaintStepRefused(_("This action is already recorded as done."))
    text = (done_note or "").strip()
    if not text:
        raise ValidationError({"done_note": _("Say what was done.")})
    meaningful_text(text, "done_note")
    if done_on is None:
        raise ValidationError({"done_on": _("Give the date the action was done.")})
    not_in_the_future(done_on, "done_on")
    if done_on < complaint.received_on:
        raise ValidationError({"done_on": _("The action cannot be done before the complaint "
                                            "was received (%(day)s).") % {
            "day": show_date(complaint.received_on)}})
    locked.done_on, locked.done_note = done_on, text
    locked.full_clean()
    locked.save()
    record_event(firm=locked.firm_id, by=by, verb="complaint_action.done", obj=complaint,
                 engagement=complaint.engagement_id, clause="9.4",
                 params={"number": complaint.number, "what": locked.description[:80]})
    action.refresh_from_db()
    return action


@performed_by
@transaction.atomic
def complaint_action_verify(*, action, by, verified_on, verification) -> ComplaintAction:
    """Someone other than who did it verifies the action's effect (its date not before
    it was done). A verification may come after the complaint closed."""
    locked = ComplaintAction.objects.select_for_update().get(pk=action.pk, firm_id=action.firm_id)
    _check_staff(locked.firm_id, [by])
    if locked.done_on is None:
        raise ComplaintStepRefused(_("An action is verified once it is done."))
    if locked.verified_on is not None:
        raise ComplaintStepRefused(_("This action is already verified."))
    if by.pk == locked.owner_id:
        raise ValidationError({"verification": _(
            "The action is verified by someone other than who was responsible for it.")})
    text = (verification or "").strip()
    if not text:
        raise ValidationError({"verification": _("Say how the action's effect was verified.")})
    meaningful_text(text, "verification")
    if verified_on is None:
        raise ValidationError({"verified_on": _("Give the date of the verification.")})
    not_in_the_future(verified_on, "verified_on")
    if verified_on < locked.done_on:
        raise ValidationError({"verified_on": _("The verification cannot come before the "
                                                "action was done (%(day)s).") % {
            "day": show_date(locked.done_on)}})
    locked.verified_by, locked.verified_on, locked.verification = by, verified_on, text
    locked.full_clean()
    locked.save()
    complaint = locked.complaint
    record_event(firm=locked.firm_id, by=by, verb="complaint_action.verified", obj=complaint,
                 engagement=complaint.engagement_id, clause="9.4",
                 params={"number": complaint.number, "what": locked.description[:80]})
    action.refresh_from_db()
    return action


@performed_by
@transaction.atomic
def complaint_reply(*, complaint, by, accepts, handling_rating, comment="",
                    fingerprint=None) -> ComplaintReply:
    """The complainant's reply to the written answer, in the portal (their own act):
    whether they accept it (an acceptance is the closing's acceptance; a refusal keeps
    the complaint open for a revised answer or an escalation) and how they rate the
    handling (1–5). Bound to the answer on their screen (``fingerprint``; refused with
    :class:`~consultancy.tenancy.versioning.ContentChanged` when it changed), once per
    answer."""
    locked = Complaint.objects.select_for_update().get(pk=complaint.pk, firm_id=complaint.firm_id)
    contact = getattr(by, "client_contact", None)
    if (not by.is_client_contact or contact is None or locked.contact_id is None
            or contact.pk != locked.contact_id):
        raise CrossFirmReference("Only the complainant replies to the answer.")
    if locked.status != Complaint.Status.RESPONDED:
        raise ComplaintStepRefused(_("The complaint does not await your reply: %(status)s.") %
                                   {"status": locked.get_status_display()})
    answer = answer_fingerprint(locked)
    if fingerprint is not None:
        check_fingerprint(fingerprint, answer)
    if ComplaintReply.objects.filter(complaint=locked, answer_sha256=answer).exists():
        raise ComplaintStepRefused(_("You have already replied to this answer."))
    if accepts not in (True, False):
        raise ValidationError({"accepts": _("Say whether you accept the answer.")})
    try:
        rating = int(handling_rating)
    except (TypeError, ValueError):
        rating = 0
    if not 1 <= rating <= 5:
        raise ValidationError({"handling_rating": _("Rate the handling from 1 to 5.")})
    comment = (comment or "").strip()
    if not accepts and not comment:
        raise ValidationError({"comment": _("Say why you do not accept the answer, so that "
                                            "the firm can reconsider it.")})
    reply = ComplaintReply.objects.create(
        firm_id=locked.firm_id, complaint=locked, contact=contact, by=by, at=timezone.now(),
        accepts=accepts, handling_rating=rating, comment=comment[:5000], answer_sha256=answer)
    # 9.4: the complainant's own act.
    record_event(firm=locked.firm_id, by=by, verb="complaint.replied", obj=locked,
                 engagement=locked.engagement_id, clause="9.4", client_visible=True,
                 params={"number": locked.number, "accepts": accepts, "rating": rating})
    return reply


def _period_report_request(model, *, kind, verb, clause, firm, by, period_from, period_to,
                           group_by):
    """A manager asks for the PDF report of a period: the report row, and its PDF rendered
    by Celery once committed (``consultancy.documents``)."""
    from consultancy.documents.services import pdf_request

    _check_manager(firm.pk, by)
    report = model(firm=firm, period_from=period_from, period_to=period_to,
                   group_by=group_by, requested_by=by)
    report.full_clean()
    report.save()
    report.document = pdf_request(owner=report, kind=kind, by=by)
    report.save(update_fields=["document"])
    record_event(firm=firm, by=by, verb=verb, obj=report, clause=clause,
                 params={"from": str(period_from), "to": str(period_to)})
    return report


@performed_by
@transaction.atomic
def complaint_report_request(*, firm, by, period_from, period_to, group_by="month"):
    """A manager asks for the complaint analysis PDF of a period (9.4, continual
    improvement)."""
    return _period_report_request(
        ComplaintReport, kind="complaint_analysis", verb="complaint_report.requested",
        clause="9.4", firm=firm, by=by, period_from=period_from, period_to=period_to,
        group_by=group_by)


# -- settings ---------------------------------------------------------------------------


def _check_manager(firm_id, by):
    require_same_firm(firm_id, by)
    if not by.is_manager:
        raise ValidationError(_("Only the firm's managers change this."))


@performed_by
@transaction.atomic
def feedback_settings_update(*, firm, by, **fields) -> FeedbackSettings:
    _check_manager(firm.pk, by)
    row = FeedbackSettings.objects.select_for_update().filter(firm=firm).first() or (
        FeedbackSettings(firm=firm))
    for name, value in fields.items():
        setattr(row, name, value)
    row.full_clean()
    row.save()
    record_event(firm=firm, by=by, verb="feedback_settings.updated", obj=row, clause="9")
    return row


# -- 9.5 satisfaction surveys -----------------------------------------------------------


def questions_seed(firm_id) -> None:
    """The firm's starting question set with the default questions (nothing is added when
    the firm has a set): run once, when the firm is created (consultancy.tenancy.firm_lists;
    the firms that existed before by the data migration ``0011``)."""
    if SurveyQuestionSet.objects.filter(firm_id=firm_id).exists():
        return
    question_set = SurveyQuestionSet.objects.create(firm_id=firm_id,
                                                    name=DEFAULT_QUESTION_SET_NAME)
    SurveyQuestion.objects.bulk_create([
        SurveyQuestion(firm_id=firm_id, question_set=question_set, code=code, kind=kind,
                       label_zh=zh, label_en=en, order=order, required=required)
        for order, (code, kind, zh, en, required) in enumerate(DEFAULT_QUESTIONS)])


def question_set_for(firm) -> SurveyQuestionSet:
    """The firm's question set (9.5), seeded when the firm was created: a read that never
    writes. A firm without one is refused (:class:`NoQuestionSet`), never given one here."""
    firm_id = getattr(firm, "pk", firm)
    question_set = SurveyQuestionSet.objects.filter(firm_id=firm_id).first()
    if question_set is None:
        raise NoQuestionSet()
    return question_set


@performed_by
@transaction.atomic
def survey_question_save(*, firm, by, question=None, **fields) -> SurveyQuestion:
    """Managers add or change a question. A question already answered keeps its kind
    (the answers must still fit); to stop asking it, make it inactive."""
    _check_manager(firm.pk, by)
    question_set = question_set_for(firm)
    if question is None:
        question = SurveyQuestion(firm=firm, question_set=question_set)
    else:
        require_same_firm(firm.pk, question)
        if "kind" in fields and fields["kind"] != question.kind and question.answers.exists():
            raise ValidationError({"kind": _("This question has answers; its kind cannot "
                                             "change. Add a new question instead.")})
    for name, value in fields.items():
        setattr(question, name, value)
    question.full_clean()
    question.save()
    record_event(firm=firm, by=by, verb="survey_question.saved", obj=question, clause="9.5",
                 params={"code": question.code})
    return question


def _eligible_contacts(engagement, contacts):
    if contacts is None:
        return list(ClientContact.objects.filter(client=engagement.client, is_active=True)
                    .exclude(email="").order_by("name", "pk"))
    contacts = list(contacts)
    for contact in contacts:
        _check_contact(engagement, contact, "contacts")
        if not contact.is_active or not contact.email:
            raise ValidationError({"contacts": _("%(name)s is inactive or has no e-mail "
                                                 "address.") % {"name": contact}})
    return contacts


@performed_by
@transaction.atomic
def survey_send(*, engagement, by, contacts=None, base_url="") -> Survey:
    """9.5: after delivery, a satisfaction survey to the client's active contacts with an
    e-mail address (or those given). Each gets a link that works once, without logging
    in, until it expires; the e-mails go out from Celery once the survey is committed.
    A contact whose earlier link on this engagement is still open is skipped."""
    require_same_firm(engagement.firm_id, by)
    _check_staff(engagement.firm_id, [by])
    if not _handed_over(engagement):
        raise FollowUpRefused(_("The satisfaction survey is sent after delivery."))
    contacts = _eligible_contacts(engagement, contacts)
    now = timezone.now()
    still_open = set(SurveyInvitation.objects.filter(
        survey__engagement=engagement, used_at__isnull=True, expires_at__gt=now,
    ).values_list("contact_id", flat=True))
    contacts = [c for c in contacts if c.pk not in still_open]
    if not contacts:
        raise ValidationError({"contacts": _(
            "No contact to send the survey to: each needs an e-mail address, and those with "
            "an open survey link are skipped.")})
    question_set = question_set_for(engagement.firm)
    questions = list(question_set.questions.filter(is_active=True))
    if not questions:
        raise ValidationError(_("The firm's survey has no active question."))
    validity = datetime.timedelta(days=feedback_settings_for(engagement.firm_id)
                                  .survey_link_valid_days)
    survey = Survey.objects.create(firm_id=engagement.firm_id, engagement=engagement,
                                   question_set=question_set, sent_at=now, sent_by=by)
    survey.questions.set(questions)
    invitations = [
        SurveyInvitation.objects.create(firm_id=engagement.firm_id, survey=survey, contact=c,
                                        email=c.email, expires_at=now + validity)
        for c in contacts
    ]
    signals.survey_sent.send(sender=Survey, survey=survey, invitations=invitations,
                             base_url=base_url)
    # 9.5: the survey goes to the client.
    record_event(firm=engagement.firm_id, by=by, verb="survey.sent", obj=survey,
                 engagement=engagement, clause="9.5", client_visible=True,
                 params={"count": len(invitations)})
    return survey


def issue_survey_token(invitation) -> str:
    """A fresh random token for the link; only its hash is stored, and an earlier link
    of this invitation stops working. Call with the invitation's row locked."""
    token = secrets.token_urlsafe(32)
    invitation.token_hash = token_hash(token)
    return token


def _answer_value(question, raw):
    """The stored (score, text) of one answer, or a ValidationError."""
    if question.kind == SurveyQuestion.Kind.TEXT:
        text = ("" if raw is None else str(raw)).strip()
        if question.required and not text:
            raise ValidationError({question.code: _("Please answer this question.")})
        return None, text[:5000]
    if raw in (None, ""):
        if question.required:
            raise ValidationError({question.code: _("Please answer this question.")})
        return None, ""
    try:
        score = int(raw)
    except (TypeError, ValueError):
        raise ValidationError({question.code: _("Choose a number.")}) from None
    low, high = question.range
    if not low <= score <= high:
        raise ValidationError({question.code: _("Choose a number from %(low)s to %(high)s.") %
                               {"low": low, "high": high}})
    return score, ""


def survey_answer(*, token, answers) -> SurveyResponse:
    """Store the answers given through a link, once.

    ``answers`` maps each question (its code, pk or instance) to the answer: a number for
    a rating, text for a free-text question. The link is looked up by the hash of its
    token across firms, then everything happens in that firm's scope only: an unknown
    or forged token, an expired link and a used link are refused (subclasses of
    :class:`~feedback.errors.SurveyLinkError`) and nothing is stored. The invitation's
    row is locked, so two submissions at once store one response.
    """
    firm_id, invitation_id = find_invitation(token)
    with firm_scope(firm_id), transaction.atomic():
        invitation = (SurveyInvitation.objects.select_for_update().select_related("contact")
                      .filter(pk=invitation_id, token_hash=token_hash(token)).first())
        if invitation is None:  # re-issued between the look-up and the lock
            raise SurveyLinkInvalid(_("This survey link is not valid."))
        check_invitation(invitation)
        # The contact answers; one without a portal login answers through the link.
        by = invitation.contact.user if invitation.contact.user_id else SystemActor.CLIENT_LINK
        with acting_as(by, firm_id):
            return _store_answers(invitation, firm_id, answers, by)


def _store_answers(invitation, firm_id, answers, by) -> SurveyResponse:
    survey = Survey.objects.select_related("engagement").get(pk=invitation.survey_id)
    questions = list(survey.questions.all())
    by_key = {}
    for q in questions:
        by_key[q.code] = by_key[q.pk] = by_key[str(q.pk)] = q
    given = {}
    for key, value in (answers or {}).items():
        question = by_key.get(getattr(key, "pk", key))
        if question is None or (hasattr(key, "pk") and key.firm_id != firm_id):
            raise ValidationError(_("An answer to a question this survey does not ask."))
        given[question.pk] = value
    rows, errors = [], {}
    for q in questions:
        try:
            score, text = _answer_value(q, given.get(q.pk))
        except ValidationError as exc:
            errors.update(exc.message_dict)
            continue
        if score is not None or text:
            rows.append((q, score, text))
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    response = SurveyResponse.objects.create(
        firm_id=firm_id, invitation=invitation, survey=survey, engagement=survey.engagement,
        contact_id=invitation.contact_id, submitted_at=now)
    for q, score, text in rows:
        SurveyAnswer.objects.create(firm_id=firm_id, response=response, question=q,
                                    score=score, text=text)
    invitation.used_at = now
    invitation.save(update_fields=["used_at"])
    # 9.5: the client's own act.
    record_event(firm=firm_id, by=by, verb="survey.answered", obj=response,
                 engagement=survey.engagement_id, clause="9.5", client_visible=True,
                 params={"contact": str(invitation.contact)})
    return response


# -- reminders ------------------------------------------------------------------------


@performed_by
@transaction.atomic
def reminder_mark_read(*, reminder, by) -> Reminder:
    """A user has read their reminder (one's own only)."""
    if reminder.user_id != by.pk:
        raise CrossFirmReference("Another user's reminder.")
    if reminder.read_at is None:
        reminder.read_at = timezone.now()
        reminder.save(update_fields=["read_at"])
        record_event(firm=reminder.firm_id, by=by, verb="reminder.read", obj=reminder)
    return reminder


# -- links ---------------------------------------------------------------------------


def site_url(base_url="") -> str:
    return (base_url or getattr(settings, "SITE_URL", "") or "").rstrip("/")


# -- 9.5 the managers' question-set page and the statistics PDF --------------------------

ANSWERED_FIXED = ("code", "kind", "label_zh", "label_en")


def _free_code(question_set, order) -> str:
    taken = set(SurveyQuestion.objects.filter(question_set=question_set)
                .values_list("code", flat=True))
    n = max(order, 1)
    while f"q{n}" in taken:
        n += 1
    return f"q{n}"


@performed_by
@transaction.atomic
def survey_question_edit(*, firm, by, question=None, **fields) -> SurveyQuestion:
    """The question-set page's save (9.5): a new question goes to the end of the set with
    a code of its own if none is given; a question that was answered keeps its wording,
    kind and code (the answers point at it and must still read as they were given), and
    can only be reordered, made optional or no longer asked (``is_active``)."""
    _check_manager(firm.pk, by)
    question_set = question_set_for(firm)
    if question is not None:
        require_same_firm(firm.pk, question)
        if question.answers.exists():
            changed = [name for name in ANSWERED_FIXED
                       if name in fields and fields[name] != getattr(question, name)]
            if changed:
                raise ValidationError({changed[0]: _(
                    "This question has answers: its wording and kind stay as they were "
                    "answered. Add a new question and stop asking this one instead.")})
    else:
        if "order" not in fields:
            last = (SurveyQuestion.objects.filter(question_set=question_set)
                    .order_by("-order").values_list("order", flat=True).first())
            fields["order"] = 0 if last is None else last + 1
        if not fields.get("code"):
            fields["code"] = _free_code(question_set, fields["order"] + 1)
    return survey_question_save(firm=firm, by=by, question=question, **fields)


@performed_by
@transaction.atomic
def survey_question_delete(*, question, by) -> None:
    """A question added by mistake, never answered, is deleted; an answered one is made
    inactive instead (its answers point at it)."""
    _check_manager(question.firm_id, by)
    if question.answers.exists():
        raise ValidationError(_("An answered question is not deleted: make it inactive "
                                "instead."))
    record_event(firm=question.firm_id, by=by, verb="survey_question.deleted", obj=question,
                 clause="9.5", params={"code": question.code})
    question.delete()


@performed_by
@transaction.atomic
def survey_question_move(*, question, by, step: int) -> list[SurveyQuestion]:
    """Move a question up (``step=-1``) or down (``+1``) in the firm's set; the set is
    renumbered 0, 1, 2, … Returns the questions in their new order."""
    _check_manager(question.firm_id, by)
    questions = list(SurveyQuestion.objects.select_for_update()
                     .filter(firm_id=question.firm_id, question_set_id=question.question_set_id)
                     .order_by("order", "pk"))
    index = next(i for i, q in enumerate(questions) if q.pk == question.pk)
    target = index + (1 if step > 0 else -1)
    if 0 <= target < len(questions):
        questions[index], questions[target] = questions[target], questions[index]
    for order, q in enumerate(questions):
        if q.order != order:
            q.order = order
            q.save(update_fields=["order"])
    record_event(firm=question.firm_id, by=by, verb="survey_question.moved", obj=question,
                 clause="9.5")
    return questions


@performed_by
@transaction.atomic
def satisfaction_report_request(*, firm, by, period_from, period_to, group_by="month"):
    """A manager asks for the satisfaction statistics PDF of a period (9.5)."""
    from .models import SatisfactionReport

    return _period_report_request(
        SatisfactionReport, kind="satisfaction_statistics", verb="satisfaction_report.requested",
        clause="9.5", firm=firm, by=by, period_from=period_from, period_to=period_to,
        group_by=group_by)


# -- the client portal: acts a client contact does themselves ------------------------------


def survey_answer_by_contact(*, invitation, by, answers) -> SurveyResponse:
    """9.5 in the portal: a logged-in contact answers their own invitation without the
    e-mailed link. The invitation's row is locked, a fresh token issued for it, and the
    answers stored by :func:`survey_answer` exactly as through the link (so the link
    mailed earlier stops working once the answers are in; if they are refused, nothing
    changes and the mailed link still works)."""
    contact = getattr(by, "client_contact", None)
    with firm_scope(invitation.firm_id), transaction.atomic():
        locked = (SurveyInvitation.objects.select_for_update()
                  .filter(pk=invitation.pk, firm_id=invitation.firm_id).first())
        if (locked is None or contact is None or not by.is_client_contact
                or locked.contact_id != contact.pk or by.firm_id != locked.firm_id):
            raise CrossFirmReference("Another contact's survey invitation.")
        check_invitation(locked)
        token = issue_survey_token(locked)
        locked.save(update_fields=["token_hash"])
        return survey_answer(token=token, answers=answers)
