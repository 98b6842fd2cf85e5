"""Every state change of an engagement and its clause 5–6 records.

Each function runs in one transaction, writes its audit (``StageTransition`` for stage
changes; django-simple-history for records) and writes its follow-up work to the outbox
(``consultancy.outbox.enqueue``) in the same transaction.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_fsm import ConcurrentTransition, can_proceed

from consultancy.activity import verbs
from consultancy.activity.services import performed_by, record_event
from consultancy.outbox import enqueue
from consultancy.refusals import CONFLICT, Refusal
from consultancy.tenancy import firm_lists
from consultancy.tenancy.models import Firm
from consultancy.tenancy.scoping import require_same_firm
from consultancy.tenancy.validators import meaningful_text, not_in_the_future
from consultancy.tenancy.versioning import check_fingerprint

from . import chronology, gates
from .models import (
    Engagement,
    FrozenRecord,
    NeedsAssessment,
    ProjectFramework,
    ServiceType,
    StageTransition,
)
from .service_types import DEFAULT_SERVICE_TYPES
from .stages import FORWARD, PROCESS, Stage

STAGE_CLAUSE = dict(PROCESS)


def _stage_labels(params):
    return {key: str(Stage(params[key]).label) for key in ("from", "to")
            if params.get(key) in Stage.values}


verbs.register_all({
    "engagement.created": gettext_lazy("%(actor)s opened engagement %(number)s"),
    "engagement.imported": gettext_lazy("%(actor)s imported engagement %(number)s"),
    "engagement.updated": gettext_lazy("%(actor)s changed the engagement's details"),
    "engagement.opened_on_set": gettext_lazy(
        "%(actor)s set the engagement's opening date from %(old)s to %(new)s"),
    "engagement.transition": gettext_lazy(
        "%(actor)s moved the engagement from %(from)s to %(to)s"),
    "record.saved": gettext_lazy("%(actor)s saved the record “%(kind)s”"),
    "record.deleted": gettext_lazy("%(actor)s deleted the record “%(kind)s”"),
    "needs.saved": gettext_lazy("%(actor)s saved the needs assessment"),
    "needs.blocker_approved": gettext_lazy(
        "%(actor)s approved proceeding despite the blocker on %(dimensions)s"),
    "needs.blocker_approval_lapsed": gettext_lazy(
        "%(actor)s changed the findings: the manager's approval of the blocker lapsed"),
    "framework.saved": gettext_lazy("%(actor)s saved version %(version)s of the framework"),
    "framework.shown": gettext_lazy(
        "%(actor)s opened version %(version)s of the framework in the portal"),
    "framework.confirmed": gettext_lazy(
        "%(actor)s recorded that %(contact)s confirmed version %(version)s of the framework"),
}, format=_stage_labels)


def _origin_labels(params):
    return {key: str(Engagement.Origin(params[key]).label) for key in ("old", "new")
            if params.get(key) in Engagement.Origin.values}


verbs.register_all({
    "engagement.origin_changed": gettext_lazy(
        "%(actor)s changed the engagement's origin from “%(old)s” to “%(new)s”"),
}, format=_origin_labels)


class TransitionRefused(Refusal):
    """The transition cannot run: the message says why, in the user's language."""

    code = "transition_refused"
    kind = CONFLICT


class GateClosed(TransitionRefused):
    """The stage's requirements are not all met; ``missing`` lists them (with codes)."""

    code = "gate_closed"

    def __init__(self, missing):
        self.missing = missing
        codes = ", ".join(r.code for r in missing) or _("no requirement is registered yet")
        super().__init__(_("The gate of this stage is closed. Missing: %(codes)s") % {"codes": codes})


class StageConflict(TransitionRefused):
    """Someone else moved the engagement first (two users at the same moment)."""

    code = "stale_stage"
    default_message = gettext_lazy("Someone else has just moved this engagement. Reload the page to see it.")


def _check_staff(firm_id, users):
    for user in users:
        require_same_firm(firm_id, user)
        if not user.is_firm_staff:
            raise ValidationError(_("%(name)s is not a member of the firm's staff.") % {"name": user})


# -- the engagement ---------------------------------------------------------------


def next_engagement_number(firm: Firm, year: int | None = None) -> str:
    """``2026-007``: the year and a sequence per firm. Call inside the transaction that
    holds the firm's row lock (see :func:`engagement_create`)."""
    year = year or timezone.localdate().year
    prefix = f"{year}-"
    numbers = Engagement.objects.filter(firm=firm, number__startswith=prefix).values_list(
        "number", flat=True
    )
    last = max((int(n.split("-", 1)[1]) for n in numbers if n.split("-", 1)[1].isdigit()),
               default=0)
    return f"{prefix}{last + 1:03d}"


# -- the firm's list of service types (issue 20) -------------------------------------------

verbs.register_all({
    "service_type.saved": gettext_lazy("%(actor)s saved the service type “%(name)s”"),
    "service_type.deleted": gettext_lazy("%(actor)s deleted the service type “%(name)s”"),
})


def service_types_seed(firm_id) -> None:
    """The firm's starting list (nothing is added to a list the firm already has): run
    once, when the firm is created (consultancy.tenancy.firm_lists)."""
    manager = ServiceType.objects.with_scopes_disabled()
    if manager.filter(firm_id=firm_id).exists():
        return
    manager.bulk_create([
        ServiceType(firm_id=firm_id, code=code, name=name, name_en=name_en, position=position)
        for position, (code, name, name_en) in enumerate(DEFAULT_SERVICE_TYPES)])


def service_type_of(firm, value) -> ServiceType:
    """``value`` as the firm's service type: a ``ServiceType`` (of the firm) or its code."""
    if isinstance(value, ServiceType):
        return value
    firm_id = getattr(firm, "pk", firm)
    found = ServiceType.objects.filter(firm_id=firm_id, code=str(value or "")).first()
    if found is None:
        raise ValidationError({"service_type": _("The firm has no such service type.")})
    return found


def _check_manager(firm_id, by):
    require_same_firm(firm_id, by)
    if not by.is_manager:
        raise ValidationError(_("Only the firm's managers change this."))


def _free_code(firm_id, base: str) -> str:
    base = base[:30]
    taken = set(ServiceType.objects.filter(firm_id=firm_id, code__startswith=base)
                .values_list("code", flat=True))
    code, n = base, 1
    while code in taken:
        n += 1
        code = f"{base}-{n}"
    return code


@performed_by
@transaction.atomic
def service_type_save(*, firm, by, service_type=None, **fields) -> ServiceType:
    """Managers keep the firm's list of service types: add one, rename it, reorder it, or
    stop offering it (``is_active``; the engagements that name it keep it). A new type
    without a code gets one made from its English name."""

    def complete(item):
        if not item.code:
            item.code = _free_code(firm.pk, slugify(item.name_en) or "type")

    service_type = firm_lists.save_item(ServiceType, firm=firm, by=by, item=service_type,
                                        fields=fields, complete=complete)
    record_event(firm=firm, by=by, verb="service_type.saved", obj=service_type,
                 params={"name": service_type.name})
    return service_type


@performed_by
@transaction.atomic
def service_type_delete(*, service_type, by) -> None:
    """A type no engagement names is deleted (its 8.5.1 mapping rows with it); one in use
    is refused: stop offering it instead."""
    _check_manager(service_type.firm_id, by)
    if Engagement.objects.filter(firm_id=service_type.firm_id,
                                 service_type=service_type).exists():
        raise ValidationError(_("Engagements name this service type: it cannot be deleted, "
                                "only no longer offered."))
    record_event(firm=service_type.firm_id, by=by, verb="service_type.deleted",
                 obj=service_type, params={"name": service_type.name})
    service_type._history_user = by
    service_type.delete()


@performed_by
@transaction.atomic
def engagement_create(*, firm, by, client, title, service_type, origin, lead_consultant,
                      consultants=(), description="") -> Engagement:
    require_same_firm(firm.pk, client)
    service_type = service_type_of(firm, service_type)
    _check_staff(firm.pk, [lead_consultant, *consultants])
    # Serialise number allocation per firm: the firm's row is the lock.
    Firm.objects.select_for_update().get(pk=firm.pk)
    engagement = Engagement(
        firm=firm, client=client, title=title, service_type=service_type, origin=origin,
        lead_consultant=lead_consultant, description=description,
        number=next_engagement_number(firm),
    )
    engagement.full_clean(exclude=["number"])
    engagement.save()
    engagement.consultants.set([u for u in consultants if u.pk != lead_consultant.pk])
    record_event(firm=firm, by=by, verb="engagement.created", obj=engagement,
                 engagement=engagement, clause="4", params={"number": engagement.number})
    return engagement


@performed_by
@transaction.atomic
def engagement_update(*, engagement, by, consultants=None, origin_change_reason="",
                      **fields) -> Engagement:
    """Change the engagement's details. The client and the origin change only during the
    needs analysis; a change of origin needs a reason and is logged (6.1: a proactive
    engagement needs its site visit, and switching to "request" must not escape it)."""
    # A ModelForm may already have written its values onto ``engagement``: compare with
    # the stored row.
    stored = Engagement.objects.filter(pk=engagement.pk).values(
        "client_id", "stage", "origin").get()
    if "client" in fields and fields["client"].pk != stored["client_id"]:
        require_same_firm(engagement.firm_id, fields["client"])
        if stored["stage"] != Stage.NEEDS_ANALYSIS:
            raise ValidationError(
                {"client": _("The client can be changed only during the needs analysis.")}
            )
    origin_changed = "origin" in fields and fields["origin"] != stored["origin"]
    if origin_changed:
        if stored["stage"] != Stage.NEEDS_ANALYSIS:
            raise ValidationError({"origin": _(
                "Clause 6.1: the origin cannot be changed once the engagement has left the "
                "needs analysis (a proactive engagement is held to its site visit).")})
        if not (origin_change_reason or "").strip():
            raise ValidationError({"origin_change_reason": _(
                "Clause 6.1: say why the origin changes (a proactive engagement needs a site "
                "visit; one the client asked for does not).")})
        meaningful_text(origin_change_reason, "origin_change_reason")
    lead = fields.get("lead_consultant", engagement.lead_consultant)
    _check_staff(engagement.firm_id, [lead, *(consultants or [])])
    for name, value in fields.items():
        setattr(engagement, name, value)
    engagement.full_clean(exclude=["number"])
    engagement.save()
    if consultants is not None:
        engagement.consultants.set([u for u in consultants if u.pk != lead.pk])
    record_event(firm=engagement.firm_id, by=by, verb="engagement.updated", obj=engagement,
                 engagement=engagement, clause="4")
    if origin_changed:
        record_event(firm=engagement.firm_id, by=by, verb="engagement.origin_changed",
                     obj=engagement, engagement=engagement, clause="6.1",
                     params={"old": stored["origin"], "new": fields["origin"],
                             "reason": origin_change_reason.strip()})
    return engagement


@performed_by
@transaction.atomic
def engagement_set_opened_on(*, engagement, by, opened_on, reason) -> Engagement:
    """A manager sets the day the engagement was opened earlier than the day it was
    entered, for imported history (a project whose first records predate its entry here):
    no record of the engagement may be dated before it (the standard's order,
    :mod:`engagements.chronology`). Not after the day it was created, nor after any of its
    records; the reason is logged with the change."""
    require_same_firm(engagement.firm_id, by)
    if not getattr(by, "is_manager", False):
        raise ValidationError(_("Only the firm's managers set the opening date."))
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Say why the engagement opened earlier (e.g. "
                                           "the project's files start on that day).")})
    meaningful_text(reason, "reason")
    locked = Engagement.objects.select_for_update().get(pk=engagement.pk)
    created = timezone.localdate(locked.created_at)
    if opened_on > created:
        raise ValidationError({"opened_on": _(
            "The engagement cannot open after the day it was entered (%(date)s); the "
            "opening date only moves earlier, for imported history.")
            % {"date": chronology.show(created)}})
    chronology.check(locked, values={"opened_on": opened_on})  # no record before it
    old = locked.opened_on
    locked.opened_on = opened_on
    locked.save(update_fields=["opened_on", "updated_at"])
    engagement.opened_on = opened_on
    record_event(firm=locked.firm_id, by=by, verb="engagement.opened_on_set", obj=locked,
                 engagement=locked, clause="4",
                 params={"old": str(old), "new": str(opened_on), "reason": reason.strip()})
    return locked


@performed_by
def engagement_transition(*, engagement, transition, by, note="", expected_stage=None,
                          **kwargs) -> StageTransition:
    """Run one transition of the state machine, the only way a stage changes.

    Locks the engagement's row, checks that it is still in ``expected_stage`` (the stage
    the user saw), runs the transition (whose condition is the gate), saves, and writes
    the ``StageTransition`` row and the team's notice (an outbox job), all in one transaction.
    Two users at the same moment: the second waits for the lock, then finds the stage
    moved and gets :class:`StageConflict`; nothing of theirs is written.
    """
    try:
        with transaction.atomic():
            locked = Engagement.objects.select_for_update().get(
                pk=engagement.pk, firm_id=engagement.firm_id
            )
            if expected_stage is not None and locked.stage != expected_stage:
                raise StageConflict(
                    _("Someone else has just moved this engagement to “%(stage)s”. "
                      "Reload the page to see it.") % {"stage": locked.get_stage_display()}
                )
            method = getattr(locked, transition, None)
            if transition not in {*FORWARD.values(), "decline", "terminate"} or method is None:
                raise TransitionRefused(_("Unknown transition."))
            if not can_proceed(method, check_conditions=False):
                raise TransitionRefused(
                    _("“%(transition)s” is not possible from the stage “%(stage)s”.")
                    % {"transition": transition, "stage": locked.get_stage_display()}
                )
            if transition in ("decline", "terminate") and not (kwargs.get("reason") or "").strip():
                raise TransitionRefused(_("A reason is required."))
            if not can_proceed(method):
                raise GateClosed(gates.missing(locked))
            from_stage = locked.stage
            method(**kwargs)
            locked.stage_entered_at = timezone.now()
            locked.save()
            row = StageTransition.objects.create(
                firm_id=locked.firm_id, engagement=locked, transition=transition,
                from_stage=from_stage, to_stage=locked.stage, by=by,
                note=note or kwargs.get("reason", ""),
            )
            record_event(firm=locked.firm_id, by=by, verb="engagement.transition", obj=locked,
                         engagement=locked, clause=STAGE_CLAUSE.get(from_stage, "4"),
                         params={"from": from_stage, "to": locked.stage,
                                 "transition": transition})
            _notify_stage_changed(row)
    except ConcurrentTransition as exc:
        raise StageConflict(
            _("Someone else has just moved this engagement. Reload the page to see it.")
        ) from exc
    engagement.refresh_from_db()
    return row


def _notify_stage_changed(row):
    """The team hears of the move once it is committed (an outbox job: whatever the
    broker's state, the transition stands and the notice follows)."""
    from .tasks import notify_stage_changed

    enqueue(notify_stage_changed, row.firm_id, row.pk, firm=row.firm_id)


# The named transitions of DESIGN.md.
def engagement_confirm_needs(*, engagement, by, note="", expected_stage=None):
    return engagement_transition(engagement=engagement, transition="confirm_needs", by=by,
                                 note=note, expected_stage=expected_stage)


def engagement_confirm_framework(*, engagement, by, note="", expected_stage=None):
    return engagement_transition(engagement=engagement, transition="confirm_framework", by=by,
                                 note=note, expected_stage=expected_stage)


def engagement_sign_contract(*, engagement, by, note="", expected_stage=None):
    return engagement_transition(engagement=engagement, transition="sign_contract", by=by,
                                 note=note, expected_stage=expected_stage)


def engagement_hand_over(*, engagement, by, note="", expected_stage=None):
    return engagement_transition(engagement=engagement, transition="hand_over", by=by,
                                 note=note, expected_stage=expected_stage)


def engagement_accept(*, engagement, by, note="", expected_stage=None):
    return engagement_transition(engagement=engagement, transition="accept", by=by,
                                 note=note, expected_stage=expected_stage)


def engagement_close(*, engagement, by, note="", expected_stage=None):
    return engagement_transition(engagement=engagement, transition="close", by=by,
                                 note=note, expected_stage=expected_stage)


def engagement_decline(*, engagement, by, reason, expected_stage=None):
    return engagement_transition(engagement=engagement, transition="decline", by=by,
                                 reason=reason, expected_stage=expected_stage)


def engagement_terminate(*, engagement, by, reason, expected_stage=None):
    return engagement_transition(engagement=engagement, transition="terminate", by=by,
                                 reason=reason, expected_stage=expected_stage)


# -- the records of clauses 5 and 6 -----------------------------------------------


def _refuse_frozen(record):
    if record.pk is not None and record.is_frozen:
        raise FrozenRecord(
            _("This record met the gate of a stage the engagement has passed; it can no "
              "longer be changed.")
        )


def _kind(record):
    return str(record._meta.verbose_name)


@performed_by
@transaction.atomic
def record_save(*, record, by, m2m=None, event=None):
    """Create or update a clause 5–6 record (a model instance filled by its form).

    ``event``: the activity event's ``verb``, ``clause``, ``params``, ``client_visible``
    when the saving service names the act itself (default: "record.saved")."""
    _refuse_frozen(record)
    if record.pk is None:
        record.firm_id = record.engagement.firm_id
        record.created_by = by
    require_same_firm(record.firm_id, record.engagement)
    for users in (m2m or {}).values():
        _check_staff(record.firm_id, users)
    record.full_clean()
    chronology.check(record)  # dated in the standard's order
    record.save()
    for name, values in (m2m or {}).items():
        getattr(record, name).set(values)
    described = {"verb": "record.saved", "clause": record.clause,
                 "params": {"kind": _kind(record)}, **(event or {})}
    record_event(firm=record.firm_id, by=by, obj=record, engagement=record.engagement_id,
                 **described)
    return record


@performed_by
@transaction.atomic
def record_delete(*, record, by):
    _refuse_frozen(record)
    record_event(firm=record.firm_id, by=by, verb="record.deleted", obj=record,
                 engagement=record.engagement_id, clause=record.clause,
                 params={"kind": _kind(record)})
    record.delete()


@performed_by
@transaction.atomic
def needs_assessment_save(*, engagement, by, **fields) -> NeedsAssessment:
    """Clause 5. Saved as a draft whatever its completeness; the gate checks completeness."""
    assessment = NeedsAssessment.objects.filter(engagement=engagement).first()
    if assessment is None:
        assessment = NeedsAssessment(engagement=engagement, firm_id=engagement.firm_id,
                                     created_by=by)
    _refuse_frozen(assessment)
    if fields.get("assessor") is not None:
        _check_staff(engagement.firm_id, [fields["assessor"]])
    for name, value in fields.items():
        setattr(assessment, name, value)
    assessment.full_clean()
    chronology.check(assessment)  # clause 5: after the opening, before the exchange (6.3)
    lapsed = (assessment.blocker_approved_by_id is not None
              and assessment.blocker_approved_fingerprint != assessment.blocker_fingerprint)
    if lapsed:  # the manager approved other findings: their approval no longer holds
        assessment.blocker_approved_by = assessment.blocker_approved_at = None
        assessment.blocker_approval_reason = assessment.blocker_approved_fingerprint = ""
    assessment.save()
    record_event(firm=engagement.firm_id, by=by, verb="needs.saved", obj=assessment,
                 engagement=engagement, clause="5")
    if lapsed:
        record_event(firm=engagement.firm_id, by=by, verb="needs.blocker_approval_lapsed",
                     obj=assessment, engagement=engagement, clause="5")
    return assessment


@performed_by
@transaction.atomic
def needs_blocker_approve(*, assessment, by, reason) -> NeedsAssessment:
    """Clause 5: an assessment with a "blocker" verdict on any of the six dimensions
    proceeds only by a manager's decision, recorded with who, when and why, and bound to
    the findings the manager approved (a change of them lapses it)."""
    assessment = NeedsAssessment.objects.select_for_update().get(pk=assessment.pk)
    require_same_firm(assessment.firm_id, by)
    if not getattr(by, "is_manager", False):
        raise ValidationError(_("Clause 5: a “blocker” is a manager's decision; only the "
                                "firm's managers approve proceeding despite it."))
    _refuse_frozen(assessment)
    blockers = assessment.blockers()
    if not blockers:
        raise ValidationError(_("Clause 5: this assessment has no “blocker” verdict to "
                                "approve."))
    if assessment.blocker_approved:
        raise ValidationError(_("Clause 5: a manager has already approved proceeding "
                                "despite the blocker."))
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Clause 5: say why the engagement may proceed "
                                           "despite the blocker.")})
    meaningful_text(reason, "reason")
    assessment.blocker_approved_by = by
    assessment.blocker_approved_at = timezone.now()
    assessment.blocker_approval_reason = reason.strip()
    assessment.blocker_approved_fingerprint = assessment.blocker_fingerprint
    assessment.save()
    record_event(firm=assessment.firm_id, by=by, verb="needs.blocker_approved", obj=assessment,
                 engagement=assessment.engagement_id, clause="5",
                 params={"dimensions": "、".join(blockers), "reason": reason.strip()})
    return assessment


@performed_by
@transaction.atomic
def framework_save(*, engagement, by, **fields) -> ProjectFramework:
    """6.4. Edits the current draft version; once a version is confirmed, or a client
    contact has seen it in the portal, a change makes a new version (the one the client
    saw is kept as it was)."""
    current = ProjectFramework.objects.current_for(engagement)
    if current is None or current.is_confirmed or current.shown_to_client_at is not None:
        framework = ProjectFramework(
            engagement=engagement, firm_id=engagement.firm_id, created_by=by,
            version=(current.version + 1) if current else 1,
        )
        if current is not None:  # the new version starts from the one it changes
            for name in ProjectFramework.CONTENT_FIELDS:
                if name != "version":
                    setattr(framework, name, getattr(current, name))
    else:
        framework = current
    if engagement.has_passed(Stage.COMMUNICATION):
        raise FrozenRecord(_("The communication stage is passed; the framework is frozen."))
    for name, value in fields.items():
        setattr(framework, name, value)
    framework.full_clean()
    framework.save()
    record_event(firm=engagement.firm_id, by=by, verb="framework.saved", obj=framework,
                 engagement=engagement, clause="6.4", params={"version": framework.version})
    return framework


@performed_by
@transaction.atomic
def framework_shown_to_client(*, framework, by) -> None:
    """6.4: a client contact (``by``) opened this version in the portal: from now on it
    is not edited (a change is a new version). Recorded once, with an event."""
    if framework.shown_to_client_at is not None:
        return
    framework.shown_to_client_at = timezone.now()
    if not ProjectFramework.objects.filter(pk=framework.pk, shown_to_client_at__isnull=True,
                                           confirmed_on__isnull=True).update(
            shown_to_client_at=framework.shown_to_client_at):
        return  # shown meanwhile in another tab, or confirmed
    record_event(firm=framework.firm_id, by=by, verb="framework.shown", obj=framework,
                 engagement=framework.engagement_id, clause="6.4", client_visible=True,
                 params={"version": framework.version})


@performed_by
@transaction.atomic
def framework_confirm(*, framework, contact, confirmed_on, by,
                      fingerprint=None) -> ProjectFramework:
    """6.4: record that a named client contact confirmed this version on a date.
    ``fingerprint``: the content the client had on screen; refused
    (:class:`ContentChanged`) when the version's content is no longer that."""
    framework = ProjectFramework.objects.select_for_update().get(pk=framework.pk)
    if fingerprint is not None:
        check_fingerprint(fingerprint, framework.content_fingerprint)
    if framework.is_confirmed:
        raise ValidationError(_("This version is already confirmed."))
    if framework.engagement.has_passed(Stage.COMMUNICATION):
        raise FrozenRecord(_("The communication stage is passed; the framework is frozen."))
    require_same_firm(framework.firm_id, contact)
    if contact.client_id != framework.engagement.client_id:
        raise ValidationError(
            {"contact": _("The contact must be a person at this engagement's client.")}
        )
    if ProjectFramework.objects.current_for(framework.engagement_id).pk != framework.pk:
        raise ValidationError(_("Only the current version can be confirmed."))
    not_in_the_future(confirmed_on, "confirmed_on")
    # 6.4 after the completed needs assessment (5), before the contract's signing (7)
    chronology.check(framework, values={"confirmed_on": confirmed_on})
    # The model refuses to save a version that is confirmed in the database; this
    # save is the one that confirms it.
    framework.confirmed_by = contact
    framework.confirmed_on = confirmed_on
    framework.confirmation_recorded_by = by
    framework.confirmed_fingerprint = framework.content_fingerprint
    framework.save()
    # 6.4: the client's confirmation of the framework, visible to the client.
    record_event(firm=framework.firm_id, by=by, verb="framework.confirmed", obj=framework,
                 engagement=framework.engagement_id, clause="6.4", client_visible=True,
                 params={"version": framework.version, "contact": str(contact)})
    return framework

