"""Every state change of an engagement and its clause 5–6 records.

Each function runs in one transaction, writes its audit (``StageTransition`` for stage
changes; django-simple-history for records) and writes its follow-up work to the outbox
(``consultancy.outbox.enqueue``) in the same transaction.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_fsm import ConcurrentTransition, can_proceed

from consultancy.activity import verbs
from consultancy.activity.services import performed_by, record_event
from consultancy.outbox import enqueue
from consultancy.refusals import CONFLICT, Refusal
from consultancy.tenancy.models import Firm
from consultancy.tenancy.scoping import require_same_firm
from consultancy.tenancy.validators import not_in_the_future
from consultancy.tenancy.versioning import check_fingerprint

from . import gates
from .models import (
    Engagement,
    FrozenRecord,
    NeedsAssessment,
    ProjectFramework,
    StageTransition,
)
from .stages import FORWARD, PROCESS, Stage

STAGE_CLAUSE = dict(PROCESS)


def _stage_labels(params):
    return {key: str(Stage(params[key]).label) for key in ("from", "to")
            if params.get(key) in Stage.values}


verbs.register_all({
    "engagement.created": gettext_lazy("%(actor)s opened engagement %(number)s"),
    "engagement.imported": gettext_lazy("%(actor)s imported engagement %(number)s"),
    "engagement.updated": gettext_lazy("%(actor)s changed the engagement's details"),
    "engagement.transition": gettext_lazy(
        "%(actor)s moved the engagement from %(from)s to %(to)s"),
    "record.saved": gettext_lazy("%(actor)s saved the record “%(kind)s”"),
    "record.deleted": gettext_lazy("%(actor)s deleted the record “%(kind)s”"),
    "needs.saved": gettext_lazy("%(actor)s saved the needs assessment"),
    "framework.saved": gettext_lazy("%(actor)s saved version %(version)s of the framework"),
    "framework.shown": gettext_lazy(
        "%(actor)s opened version %(version)s of the framework in the portal"),
    "framework.confirmed": gettext_lazy(
        "%(actor)s recorded that %(contact)s confirmed version %(version)s of the framework"),
}, format=_stage_labels)


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


@performed_by
@transaction.atomic
def engagement_create(*, firm, by, client, title, service_type, origin, lead_consultant,
                      consultants=(), description="") -> Engagement:
    require_same_firm(firm.pk, client)
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
def engagement_update(*, engagement, by, consultants=None, **fields) -> Engagement:
    # A ModelForm may already have written its values onto ``engagement``: compare with
    # the stored row.
    stored = Engagement.objects.filter(pk=engagement.pk).values("client_id", "stage").get()
    if "client" in fields and fields["client"].pk != stored["client_id"]:
        require_same_firm(engagement.firm_id, fields["client"])
        if stored["stage"] != Stage.NEEDS_ANALYSIS:
            raise ValidationError(
                {"client": _("The client can be changed only during the needs analysis.")}
            )
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
    return engagement


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
    assessment.save()
    record_event(firm=engagement.firm_id, by=by, verb="needs.saved", obj=assessment,
                 engagement=engagement, clause="5")
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

