"""Every change of a hidden danger: one function per act, each in one transaction, with
its step row, its activity event and (for a notice) an outbox job.

Who may: the firm's staff who see the engagement (its lead, its consultants, its working
group, the firm's managers) record, notify, verify and record a refusal; a contact of
the engagement's client acknowledges and submits the rectification (in the portal, on
the content they saw). Anything else is refused with :class:`HazardRefused`.
"""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from consultancy.activity import verbs
from consultancy.activity.services import performed_by, record_event
from consultancy.documents.services import pdf_request
from consultancy.formats import dates_shown
from consultancy.outbox import enqueue
from consultancy.refusals import CONFLICT, Refusal
from consultancy.tenancy import firm_lists
from consultancy.tenancy.scoping import require_same_firm
from consultancy.tenancy.versioning import check_fingerprint
from engagements.models import Engagement, FrozenRecord
from engagements.selectors import engagements_visible_to

from . import criteria
from .models import (
    Grade,
    HiddenDanger,
    HiddenDangerPhoto,
    HiddenDangerStep,
    MajorHazardCriterion,
    State,
    acknowledge_deadline,
)

verbs.register_all({
    "hazard.recorded": gettext_lazy("%(actor)s recorded hidden danger %(number)s (%(grade)s) "
                                    "at %(location)s"),
    "hazard.notified": gettext_lazy("%(actor)s notified the client of hidden danger "
                                    "%(number)s, to be rectified by %(deadline)s"),
    "hazard.acknowledged": gettext_lazy("%(actor)s acknowledged hidden danger %(number)s"),
    "hazard.submitted": gettext_lazy("%(actor)s submitted the rectification of hidden danger "
                                     "%(number)s"),
    "hazard.verified": gettext_lazy("%(actor)s verified the rectification of hidden danger "
                                    "%(number)s: closed"),
    "hazard.verify_failed": gettext_lazy("%(actor)s did not pass the rectification of hidden "
                                         "danger %(number)s: %(reason)s"),
    "hazard.refused": gettext_lazy("%(actor)s recorded the client's refusal to rectify hidden "
                                   "danger %(number)s"),
    "hazard.photo_added": gettext_lazy("%(actor)s added a photo to hidden danger %(number)s"),
    "hazard.ledger_pdf": gettext_lazy("%(actor)s asked for the hidden danger ledger as a PDF"),
    "hazard.criterion_added": gettext_lazy("%(actor)s added major hidden danger criterion "
                                           "%(code)s (%(industry)s)"),
    "hazard.criterion_deactivated": gettext_lazy("%(actor)s took major hidden danger "
                                                 "criterion %(code)s out of use"),
    "hazard.criterion_reactivated": gettext_lazy("%(actor)s put major hidden danger "
                                                 "criterion %(code)s back in use"),
}, format=dates_shown)

CLAUSE = "8.4"


class HazardRefused(Refusal):
    """A step of a hidden danger that this person may not take, or not in this state."""

    code = "hazard.refused"
    kind = CONFLICT
    default_message = gettext_lazy("This step cannot be taken on this hidden danger now.")


# -- who may --------------------------------------------------------------------------


def _require_staff(danger, by):
    if not getattr(by, "is_firm_staff", False) or by.firm_id != danger.firm_id:
        raise HazardRefused(_("Only the firm's staff on this engagement take this step."))
    if not engagements_visible_to(by).filter(pk=danger.engagement_id).exists():
        raise HazardRefused(_("Only the firm's staff on this engagement take this step."))


def _require_contact(danger, contact, by):
    if (contact is None or not contact.is_active or contact.firm_id != danger.firm_id
            or contact.client_id != danger.engagement.client_id
            or getattr(contact, "user_id", None) != getattr(by, "pk", None)):
        raise HazardRefused(_("Only a contact of the client takes this step, in the portal."))


def _require_state(danger, *states):
    if danger.state == State.CLOSED:
        raise FrozenRecord(_("This hidden danger is verified and closed; it can be read but "
                             "no longer changed."))
    if danger.state not in states:
        raise HazardRefused(
            _("Hidden danger %(number)s is “%(state)s”: this step is not possible now.")
            % {"number": danger.number, "state": danger.get_state_display()})


def _require_open_engagement(engagement):
    if engagement.is_ended:
        raise HazardRefused(_("The engagement has ended: no hidden danger is recorded or "
                              "changed on it any more."))


def client_fingerprint(danger) -> str:
    """What the client sees and acts on: the content and the state it is in."""
    from consultancy.tenancy.versioning import content_fingerprint

    return content_fingerprint(danger, ["unit", "location", "description", "grade", "criterion",
                                        "basis", "recommendation", "responsible_person",
                                        "deadline", "state", "failed_verifications"])


def _locked(danger):
    return (HiddenDanger.objects.select_for_update(of=("self",))
            .select_related("engagement", "engagement__client", "criterion", "unit")
            .get(pk=danger.pk))


def _step(danger, *, transition, from_state, by, note=""):
    HiddenDangerStep.objects.create(firm_id=danger.firm_id, danger=danger,
                                    transition=transition, from_state=from_state,
                                    to_state=danger.state, by=by, note=note)


def _params(danger, **extra):
    return {"number": danger.number, "location": danger.place,
            "grade": str(danger.get_grade_display()),
            "deadline": danger.deadline.isoformat(), **extra}


def _event(danger, verb, by, *, client_visible=True, **extra):
    record_event(firm=danger.firm_id, by=by, verb=verb, obj=danger,
                 engagement=danger.engagement_id, clause=CLAUSE,
                 params=_params(danger, **extra), client_visible=client_visible)


# -- the firm's criteria ----------------------------------------------------------------


@transaction.atomic
def criteria_seed(*, firm) -> int:
    """Give the firm the seeded criteria it does not have yet (idempotent). Returns the
    number added."""
    firm_id = getattr(firm, "pk", firm)
    have = set(MajorHazardCriterion.objects.filter(firm_id=firm_id)
               .values_list("industry", "code"))
    rows = [MajorHazardCriterion(firm_id=firm_id, industry=industry, code=code, text=text,
                                 source=criteria.SOURCES[industry])
            for industry, items in criteria.SEED.items() for code, text in items
            if (industry, code) not in have]
    MajorHazardCriterion.objects.bulk_create(rows)
    return len(rows)


def _not_a_manager() -> HazardRefused:
    return HazardRefused(_("Only the firm's managers keep the criteria list."))


def _require_manager(firm_id, by):
    firm_lists.require_manager(firm_id, by, _not_a_manager())


@performed_by
@transaction.atomic
def criterion_add(*, criterion: MajorHazardCriterion, by) -> MajorHazardCriterion:
    """A manager adds a criterion of a 重大事故隐患判定标准 to the firm's list."""
    criterion.firm_id = by.firm_id

    def unique_code(item):
        if MajorHazardCriterion.objects.filter(firm_id=item.firm_id, industry=item.industry,
                                               code=item.code).exists():
            raise ValidationError({"code": _("This item is already on the list of this "
                                             "industry.")})

    firm_lists.save_item(MajorHazardCriterion, firm=criterion.firm_id, by=by, item=criterion,
                         fields={"code": criterion.code or ""}, complete=unique_code,
                         refusal=_not_a_manager())
    record_event(firm=criterion.firm_id, by=by, verb="hazard.criterion_added", obj=criterion,
                 clause=CLAUSE, params={"code": criterion.code,
                                        "industry": str(criterion.get_industry_display())})
    return criterion


@performed_by
@transaction.atomic
def criterion_set_active(*, criterion: MajorHazardCriterion, by,
                         active: bool) -> MajorHazardCriterion:
    """Take a criterion out of use (the record form no longer offers it; the hidden
    dangers that named it keep it), or put it back."""
    criterion = MajorHazardCriterion.objects.select_for_update().get(pk=criterion.pk)
    _require_manager(criterion.firm_id, by)
    if criterion.active == active:
        return criterion
    criterion.active = active
    criterion.save(update_fields=["active"])
    record_event(firm=criterion.firm_id, by=by, obj=criterion, clause=CLAUSE,
                 verb="hazard.criterion_reactivated" if active
                 else "hazard.criterion_deactivated", params={"code": criterion.code})
    return criterion


# -- the acts -------------------------------------------------------------------------


@performed_by
@transaction.atomic
def danger_record(*, danger: HiddenDanger, by, photos=()) -> HiddenDanger:
    """Record a hidden danger found on site (with its photos). A 重大隐患 is notified to
    the client at once, the same day."""
    engagement = danger.engagement
    danger.firm_id = engagement.firm_id
    _require_open_engagement(engagement)
    if danger.pk is not None:
        raise HazardRefused(_("This hidden danger is already recorded."))
    danger.created_by = by
    _require_staff(danger, by)
    require_same_firm(engagement.firm_id, danger.criterion, danger.risk_item, danger.unit)
    if danger.risk_item is not None and danger.risk_item.engagement_id != engagement.pk:
        raise ValidationError({"risk_item": _("The risk must be one of this engagement's.")})
    danger.full_clean(exclude=["engagement", "created_by"])
    # The engagement's row is the lock that numbers its hidden dangers one at a time
    # (PostgreSQL refuses FOR UPDATE on an aggregate).
    Engagement.objects.select_for_update().filter(pk=engagement.pk).values_list("pk").first()
    last = HiddenDanger.objects.filter(engagement=engagement).aggregate(n=Max("seq"))["n"] or 0
    danger.seq = last + 1
    danger.save()
    _step(danger, transition="record", from_state="", by=by)
    _event(danger, "hazard.recorded", by, client_visible=False)
    for photo in photos:
        _photo(danger, photo, by=by, stage=HiddenDangerPhoto.Stage.FOUND)
    if danger.grade == Grade.MAJOR:
        _notify(danger, by)
    return danger


def _photo(danger, file, *, by, stage, caption=""):
    photo = HiddenDangerPhoto(firm_id=danger.firm_id, danger=danger, stage=stage, file=file,
                              caption=caption, uploaded_by=by)
    photo.full_clean(exclude=["danger", "uploaded_by"])
    photo.save()
    return photo


@performed_by
@transaction.atomic
def photo_add(*, danger, file, by, caption="") -> HiddenDangerPhoto:
    """Another photo as found (staff), while the hidden danger is open."""
    danger = _locked(danger)
    _require_staff(danger, by)
    _require_state(danger, State.FOUND, State.NOTIFIED, State.ACKNOWLEDGED, State.SUBMITTED)
    photo = _photo(danger, file, by=by, stage=HiddenDangerPhoto.Stage.FOUND, caption=caption)
    _event(danger, "hazard.photo_added", by, client_visible=False)
    return photo


def _notify(danger, by):
    danger.notify()
    danger.notified_at = timezone.now()
    danger.acknowledge_by = acknowledge_deadline(danger.grade,
                                                 timezone.localdate(danger.notified_at))
    danger.save()
    _step(danger, transition="notify", from_state=State.FOUND, by=by)
    _event(danger, "hazard.notified", by)
    enqueue("hazards.tasks.notify_client", danger.firm_id, danger.pk, firm=danger.firm_id,
            key=f"hazard-notified:{danger.pk}")


@performed_by
@transaction.atomic
def danger_notify(*, danger, by) -> HiddenDanger:
    """Notify the client (portal and notice)."""
    danger = _locked(danger)
    _require_staff(danger, by)
    _require_open_engagement(danger.engagement)
    _require_state(danger, State.FOUND)
    _notify(danger, by)
    return danger


@performed_by
@transaction.atomic
def danger_acknowledge(*, danger, contact, by, fingerprint) -> HiddenDanger:
    """The client's contact acknowledges the hidden danger (portal), on what they saw."""
    danger = _locked(danger)
    _require_contact(danger, contact, by)
    _require_state(danger, State.NOTIFIED)
    check_fingerprint(fingerprint, client_fingerprint(danger))
    danger.acknowledge()
    danger.acknowledged_at, danger.acknowledged_by = timezone.now(), contact
    danger.save()
    _step(danger, transition="acknowledge", from_state=State.NOTIFIED, by=by)
    _event(danger, "hazard.acknowledged", by)
    return danger


@performed_by
@transaction.atomic
def danger_submit(*, danger, contact, by, fingerprint, measures, rectified_on,
                  photos=()) -> HiddenDanger:
    """The client's contact submits the rectification: the measures taken, the date, and
    at least one photo of the result."""
    danger = _locked(danger)
    _require_contact(danger, contact, by)
    _require_state(danger, State.ACKNOWLEDGED)
    check_fingerprint(fingerprint, client_fingerprint(danger))
    errors = {}
    if not (measures or "").strip():
        errors["measures"] = _("Say what was done to rectify it.")
    if rectified_on is None or rectified_on > timezone.localdate():
        errors["rectified_on"] = _("The date of the rectification cannot be in the future.")
    elif rectified_on < danger.found_on:
        errors["rectified_on"] = _("The rectification cannot be before the hidden danger was "
                                   "found.")
    if not photos:
        errors["photos"] = _("Add at least one photo of the rectified site.")
    if errors:
        raise ValidationError(errors)
    danger.submit()
    danger.measures, danger.rectified_on = measures.strip(), rectified_on
    danger.submitted_at, danger.submitted_by = timezone.now(), contact
    danger.save()
    for photo in photos:
        _photo(danger, photo, by=by, stage=HiddenDangerPhoto.Stage.RECTIFIED)
    _step(danger, transition="submit", from_state=State.ACKNOWLEDGED, by=by, note=measures)
    _event(danger, "hazard.submitted", by)
    enqueue("hazards.tasks.notify_staff", danger.firm_id, danger.pk, "hazard_submitted", firm=danger.firm_id,
            key=f"hazard-submitted:{danger.pk}:{danger.failed_verifications}")
    return danger


@performed_by
@transaction.atomic
def danger_verify(*, danger, by, passed: bool, note="") -> HiddenDanger:
    """The consultant's verification on site: passed closes it (frozen from then on); not
    passed sends it back to rectification with the reason."""
    danger = _locked(danger)
    _require_staff(danger, by)
    _require_state(danger, State.SUBMITTED)
    note = (note or "").strip()
    if passed:
        danger.verify_pass()
        danger.verified_at, danger.verified_by = timezone.now(), by
        danger.verification_note = note
        danger.save()
        _step(danger, transition="verify_pass", from_state=State.SUBMITTED, by=by, note=note)
        _event(danger, "hazard.verified", by)
    else:
        if not note:
            raise ValidationError({"note": _("Say why the rectification did not pass.")})
        danger.verify_fail()
        danger.failed_verifications += 1
        danger.verification_note = note
        danger.save()
        _step(danger, transition="verify_fail", from_state=State.SUBMITTED, by=by, note=note)
        _event(danger, "hazard.verify_failed", by, reason=note)
        enqueue("hazards.tasks.notify_client", danger.firm_id, danger.pk, firm=danger.firm_id,
                key=f"hazard-failed:{danger.pk}:{danger.failed_verifications}")
    return danger


@performed_by
@transaction.atomic
def danger_record_refusal(*, danger, by, reason, advice,
                          informed_in_writing_on: datetime.date | None) -> HiddenDanger:
    """The client refuses to rectify: its reason, our advice, and the day the client was
    informed in writing (what the hand-over gate asks of a refused 重大隐患)."""
    danger = _locked(danger)
    _require_staff(danger, by)
    _require_state(danger, State.NOTIFIED, State.ACKNOWLEDGED)
    errors = {}
    if not (reason or "").strip():
        errors["reason"] = _("Record the client's reason for refusing.")
    if not (advice or "").strip():
        errors["advice"] = _("Record our advice to the client.")
    if informed_in_writing_on is not None and informed_in_writing_on > timezone.localdate():
        errors["informed_in_writing_on"] = _("The date cannot be in the future.")
    if danger.is_major and informed_in_writing_on is None:
        errors["informed_in_writing_on"] = _(
            "A refused major hidden danger needs the day the client was informed in writing.")
    if errors:
        raise ValidationError(errors)
    from_state = danger.state
    danger.record_refusal()
    danger.refusal_reason, danger.refusal_advice = reason.strip(), advice.strip()
    danger.informed_in_writing_on = informed_in_writing_on
    danger.refused_at = timezone.now()
    danger.save()
    _step(danger, transition="record_refusal", from_state=from_state, by=by, note=reason)
    _event(danger, "hazard.refused", by)
    return danger


@performed_by
@transaction.atomic
def ledger_pdf_request(*, engagement, by):
    """The ledger as a PDF, rendered in the background (consultancy.documents)."""
    if not engagements_visible_to(by).filter(pk=engagement.pk).exists():
        raise HazardRefused(_("Only the firm's staff on this engagement take this step."))
    document = pdf_request(owner=engagement, kind="hazard_ledger", by=by)
    record_event(firm=engagement.firm_id, by=by, verb="hazard.ledger_pdf", obj=engagement,
                 engagement=engagement.pk, clause=CLAUSE)
    return document
