"""Clause 8: every state change of the service's records, one transaction each, history
kept (django-simple-history); PDFs rendered in the background."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from consultancy.activity import verbs
from consultancy.activity.services import performed_by, record_event
from consultancy.documents.services import pdf_request, sha256_of
from consultancy.formats import show_date
from consultancy.tenancy.models import Qualification
from consultancy.tenancy.scoping import CrossFirmReference, require_same_firm
from consultancy.tenancy.validators import not_in_the_future
from consultancy.tenancy.versioning import StaleEdit, check_fingerprint
from engagements import chronology
from engagements.models import FrozenRecord
from engagements.services import record_delete, record_save
from engagements.stages import Stage

from . import risk, signals
from .models import (
    ConsultingPlan,
    DocumentDelivery,
    DocumentVersion,
    PlanMilestone,
    PlanReview,
    ProgressReport,
    ProjectDocument,
    ResearchAttachment,
    RiskItem,
    RiskSettings,
    RseJustification,
    SiteResearch,
    SiteUnit,
    SpecialtyFit,
    TeamMember,
)

verbs.register_all({
    "research.attachment_added": gettext_lazy("%(actor)s added the attachment “%(caption)s” "
                                              "to the site research"),
    "team.member_removed": gettext_lazy("%(actor)s removed %(name)s from the working group"),
    "rse.justified": gettext_lazy("%(actor)s recorded why the experience of %(name)s fits the "
                                  "client (8.2.2)"),
    "specialty_fit.saved": gettext_lazy("%(actor)s changed which RSE specialties fit an "
                                        "industry"),
    "specialty_fit.deleted": gettext_lazy("%(actor)s changed which RSE specialties fit an "
                                          "industry"),
    "plan.approved": gettext_lazy("%(actor)s recorded the team's approval of version "
                                  "%(version)s of the plan"),
    "plan.issued": gettext_lazy("%(actor)s issued version %(version)s of the plan to the client"),
    "plan.confirmed_by_client": gettext_lazy("%(contact)s confirmed version %(version)s of the "
                                             "plan (recorded by %(actor)s)"),
    "risk_settings.updated": gettext_lazy("%(actor)s changed the risk level thresholds"),
    "progress_report.shared": gettext_lazy("%(actor)s shared a progress report with the client"),
    "document.version_added": gettext_lazy("%(actor)s uploaded version %(version)s of "
                                           "“%(title)s”"),
    "documents.delivered": gettext_lazy("%(actor)s delivered %(count)s document(s) to the "
                                        "client"),
    "delivery.acknowledged": gettext_lazy("%(contact)s acknowledged receipt of “%(title)s” "
                                          "(recorded by %(actor)s)"),
})


def _open(engagement):
    if engagement.has_passed(Stage.DELIVERY):
        raise FrozenRecord(_("The service stage is passed; its records are frozen."))


def _plan_open(plan):
    """A plan version opened after delivery (9.3) stays open until the engagement is
    closed; the others freeze with the service stage."""
    if plan.after_delivery:
        if plan.engagement.has_passed(Stage.FOLLOW_UP):
            raise FrozenRecord(_("The engagement is closed; its plan is frozen."))
        return
    _open(plan.engagement)


# -- 8.1 ------------------------------------------------------------------------------


def unqualified_on(users, day) -> list:
    """Those of ``users`` without a safety qualification valid on ``day`` (8.1.1): a
    certificate of a kind the firm's list marks safety-related."""
    qualified = set(Qualification.objects.filter(
        holder__in=users, valid_from__lte=day, valid_until__gte=day,
        qualification_kind__safety_related=True,
    ).values_list("holder_id", flat=True))
    return [u for u in users if u.pk not in qualified]


@performed_by
@transaction.atomic
def site_research_save(*, record: SiteResearch, by, researchers) -> SiteResearch:
    researchers = list(researchers)
    if not researchers:
        raise ValidationError({"researchers": _("Name the staff who went on site.")})
    missing = unqualified_on(researchers, record.researched_on)
    if missing:
        raise ValidationError({"researchers": _(
            "Clause 8.1.1 asks for staff holding a safety qualification: %(names)s held no "
            "safety-related qualification valid on %(day)s (a kind of certificate counts once "
            "the firm's list marks it safety-related).") % {
                "names": "、".join(u.full_name for u in missing), "day": show_date(record.researched_on)}})
    return record_save(record=record, by=by, m2m={"researchers": researchers})


@performed_by
@transaction.atomic
def research_attachment_add(*, research, file, caption, by) -> ResearchAttachment:
    _open(research.engagement)
    attachment = ResearchAttachment(firm_id=research.firm_id, research=research, file=file,
                                    caption=caption, uploaded_by=by)
    attachment.full_clean()
    attachment.save()
    record_event(firm=research.firm_id, by=by, verb="research.attachment_added", obj=attachment,
                 engagement=research.engagement_id, clause="8.1",
                 params={"caption": caption})
    return attachment


# -- 8.2 ------------------------------------------------------------------------------


@performed_by
@transaction.atomic
def team_member_add(*, engagement, by, side, role, responsibilities, user=None,
                    contact=None) -> TeamMember:
    _open(engagement)
    require_same_firm(engagement.firm_id, user, contact)
    if side == TeamMember.Side.PROVIDER:
        if user is None or not user.is_firm_staff:
            raise ValidationError({"user": _("Choose a member of our staff.")})
        contact = None
    else:
        if contact is None or contact.client_id != engagement.client_id:
            raise ValidationError({"contact": _("Choose a contact of this engagement's client.")})
        user = None
    duplicate = TeamMember.objects.filter(engagement=engagement).filter(
        user=user) if user else TeamMember.objects.filter(engagement=engagement, contact=contact)
    if duplicate.exists():
        raise ValidationError(_("This person is already in the working group."))
    member = TeamMember(engagement=engagement, side=side, user=user, contact=contact, role=role,
                        responsibilities=responsibilities)
    return record_save(record=member, by=by)


@performed_by
@transaction.atomic
def team_member_remove(*, member, by):
    if member.is_frozen:
        raise FrozenRecord(_("The service stage is passed; the working group is frozen."))
    record_event(firm=member.firm_id, by=by, verb="team.member_removed", obj=member,
                 engagement=member.engagement_id, clause="8.2",
                 params={"name": str(member.user or member.contact)})
    member.delete()


def specialty_fits_for(firm) -> dict:
    """``{industry: {specialty, …}}``: the firm's mapping (8.2.2; seeded when the firm was
    created: consultancy.tenancy.firm_lists)."""
    firm_id = getattr(firm, "pk", firm)
    fits = {}
    for industry, specialty in SpecialtyFit.objects.filter(firm_id=firm_id).values_list(
            "industry", "specialty"):
        fits.setdefault(industry, set()).add(specialty)
    return fits


def _check_manager(firm_id, by):
    require_same_firm(firm_id, by)
    if not by.is_manager:
        raise ValidationError(_("Only the firm's managers change this."))


@performed_by
@transaction.atomic
def specialty_fit_save(*, firm, by, industry, specialty, fit=None) -> SpecialtyFit:
    """A manager adds (or changes) an RSE specialty that fits clients of an industry."""
    _check_manager(firm.pk, by)
    row = fit or SpecialtyFit(firm=firm)
    if fit is not None:
        require_same_firm(firm.pk, fit)
    row.industry, row.specialty = industry, specialty
    clash = SpecialtyFit.objects.filter(firm=firm, industry=industry, specialty=specialty)
    if row.pk:
        clash = clash.exclude(pk=row.pk)
    if clash.exists():
        raise ValidationError(_("This specialty already fits this industry."))
    row.full_clean()
    row.save()
    record_event(firm=firm, by=by, verb="specialty_fit.saved", obj=row, clause="8.2.2",
                 params={"industry": industry, "specialty": specialty})
    return row


@performed_by
@transaction.atomic
def specialty_fit_delete(*, fit, by):
    _check_manager(fit.firm_id, by)
    record_event(firm=fit.firm_id, by=by, verb="specialty_fit.deleted", obj=fit,
                 clause="8.2.2", params={"industry": fit.industry, "specialty": fit.specialty})
    fit.delete()


def rse_fit(engagement, members=None) -> dict:
    """8.2.2: ``{user_id: True/False}`` for our side's members holding an RSE valid today:
    whether the certificate's specialty fits the client's industry."""
    fits = specialty_fits_for(engagement.firm_id).get(engagement.client.industry, set())
    today = timezone.localdate()
    users = ([m.user_id for m in members] if members is not None else
             list(TeamMember.objects.filter(engagement=engagement, side="provider")
                  .values_list("user_id", flat=True)))
    result = {}
    for holder_id, specialty in Qualification.objects.filter(
            holder_id__in=users, kind=Qualification.Kind.RSE, valid_from__lte=today,
            valid_until__gte=today).values_list("holder_id", "specialty"):
        result[holder_id] = result.get(holder_id, False) or specialty in fits
    return result


@performed_by
@transaction.atomic
def rse_justification_save(*, engagement, by, holder, experience) -> RseJustification:
    """8.2.2 "相关经验和能力": no registered safety engineer of our side has a specialty that
    fits the client's industry; a manager records why ``holder``'s experience qualifies
    them."""
    _open(engagement)
    require_same_firm(engagement.firm_id, by, holder)
    if not by.is_manager:
        raise ValidationError(_("Clause 8.2.2: a manager records why an engineer's experience "
                                "fits the client."))
    if not TeamMember.objects.filter(engagement=engagement, side="provider",
                                     user=holder).exists():
        raise ValidationError({"holder": _("Clause 8.2.2: %(name)s is not a member of our side "
                                           "of the working group.") % {"name": holder}})
    if holder.pk not in rse_fit(engagement, [TeamMember(user=holder)]):
        raise ValidationError({"holder": _("Clause 8.2.2: %(name)s holds no registered safety "
                                           "engineer certificate valid today.") %
                               {"name": holder}})
    if not (experience or "").strip():
        raise ValidationError({"experience": _("Clause 8.2.2: describe the experience that "
                                               "qualifies them (projects, years).")})
    record = RseJustification(engagement=engagement, holder=holder,
                              experience=experience.strip())
    return record_save(record=record, by=by, event={
        "verb": "rse.justified", "clause": "8.2.2", "params": {"name": str(holder)}})


# -- 8.3 ------------------------------------------------------------------------------


def current_plan(engagement):
    return ConsultingPlan.objects.current_for(engagement)


@performed_by
@transaction.atomic
def plan_save(*, engagement, by, milestones=None, **fields) -> ConsultingPlan:
    """Edit the current draft version; once a version is approved, a change is a new
    version (the approved one is kept as it was)."""
    _open(engagement)
    return _plan_save(engagement, by, milestones, after_delivery=False, **fields)


@performed_by
@transaction.atomic
def plan_revise_after_delivery(*, engagement, by, change_reason, milestones=None,
                               **fields) -> ConsultingPlan:
    """9.3: after the hand-over, when the site changes, the plan is adjusted: a new version
    (a copy of the approved one), or the open draft of one, with the reason. It is then
    approved, issued and confirmed again like any version (``plan_approve``,
    ``plan_issue``, ``plan_confirm``), until the engagement is closed."""
    if not engagement.has_passed(Stage.DELIVERY) or engagement.has_passed(Stage.FOLLOW_UP):
        raise FrozenRecord(_("A plan version for a site change (9.3) is opened between the "
                             "hand-over and the closing of the engagement."))
    current = current_plan(engagement)
    if current is not None and not current.is_approved and not current.after_delivery:
        raise FrozenRecord(_("The service stage is passed; its records are frozen."))
    return _plan_save(engagement, by, milestones, after_delivery=True,
                      change_reason=change_reason, **fields)


def _plan_save(engagement, by, milestones, *, after_delivery, **fields) -> ConsultingPlan:
    current = current_plan(engagement)
    if current is None or current.is_approved:
        plan = ConsultingPlan(engagement=engagement, version=(current.version + 1) if current else 1,
                              after_delivery=after_delivery)
        if current:  # the new version starts as a copy of the approved one
            for name in ConsultingPlan.CONTENT_FIELDS:
                if name != "change_reason":
                    setattr(plan, name, getattr(current, name))
        if current and milestones is None:
            milestones = [{"title": m.title, "due_date": m.due_date}
                          for m in current.milestones.all()]
    else:
        plan = current
    if plan.version > 1 and not (fields.get("change_reason") or plan.change_reason).strip():
        raise ValidationError({"change_reason": _("Say what changed and why (e.g. the site "
                                                  "changed, 9.3).")})
    if fields.get("training_not_applicable") and not (fields.get("training_na_reason") or "").strip():
        raise ValidationError({"training_na_reason": _("Say why training is not applicable.")})
    for name, value in fields.items():
        setattr(plan, name, value)
    plan = record_save(record=plan, by=by)
    if milestones is not None:
        PlanMilestone.objects.filter(plan=plan).delete()
        for row in milestones:
            PlanMilestone.objects.create(firm_id=plan.firm_id, plan=plan, **row)
    return plan


def provider_members(engagement) -> dict:
    """``{user_id: TeamMember}``: our side of the engagement's working group (8.2)."""
    return {m.user_id: m for m in TeamMember.objects.filter(
        engagement=engagement, side=TeamMember.Side.PROVIDER).select_related("user")}


def holds_valid_rse(users, day) -> set:
    """The ids of ``users`` holding a registered safety engineer certificate valid on
    ``day``."""
    return set(Qualification.objects.filter(
        holder__in=users, kind=Qualification.Kind.RSE, valid_from__lte=day,
        valid_until__gte=day).values_list("holder_id", flat=True))


def _check_plan_review(plan, approved_by, approved_on, participants, conclusion):
    """8.3.1 "经项目小组讨论通过": a real decision of the working group: it exists, the
    approver and every participant are members of our side, the lead consultant and a
    member holding a valid registered safety engineer certificate took part, and the
    discussion has a conclusion."""
    engagement = plan.engagement
    members = provider_members(engagement)
    if not members:
        raise ValidationError(_(
            "Clause 8.3.1: the plan is passed by the project working group, and this "
            "engagement has none yet: form the working group first (8.2)."))
    if approved_by is None or not approved_by.is_firm_staff:
        raise ValidationError({"approved_by": _(
            "Clause 8.3.1: the plan is passed by our side of the working group; a client "
            "contact confirms it afterwards, they do not approve it.")})
    if approved_by.pk not in members:
        raise ValidationError({"approved_by": _(
            "Clause 8.3.1: %(name)s is not a member of the working group; the approval is "
            "the working group's.") % {"name": approved_by.full_name}})
    participants = list(participants or [])
    outsiders = [u for u in participants if u.pk not in members]
    if outsiders:
        raise ValidationError({"participants": _(
            "Clause 8.3.1: only members of our side of the working group take part in its "
            "discussion; not members: %(names)s.") % {
                "names": "、".join(u.full_name for u in outsiders)}})
    taking_part = {u.pk for u in participants}
    if approved_by.pk not in taking_part:
        raise ValidationError({"participants": _(
            "Clause 8.3.1: %(name)s approves for the working group, so took part in its "
            "discussion: tick them.") % {"name": approved_by.full_name}})
    if engagement.lead_consultant_id not in taking_part:
        raise ValidationError({"participants": _(
            "Clause 8.3.1: the lead consultant (%(name)s) takes part in the working group's "
            "discussion of the plan.") % {"name": engagement.lead_consultant.full_name}})
    if not holds_valid_rse(participants, approved_on):
        raise ValidationError({"participants": _(
            "Clause 8.3.1: a member holding a registered safety engineer certificate valid "
            "on %(day)s takes part in the discussion.") % {"day": show_date(approved_on)}})
    if not (conclusion or "").strip():
        raise ValidationError({"notes": _("Clause 8.3.1: record the conclusion of the working "
                                          "group's discussion.")})
    return participants


@performed_by
@transaction.atomic
def plan_approve(*, plan, by, approved_on, participants, notes, approved_by=None
                 ) -> ConsultingPlan:
    """8.3.1: the project working group discussed and passed this version: the review
    (date, the members of our side who took part, the conclusion) is recorded with it."""
    plan = ConsultingPlan.objects.select_for_update().get(pk=plan.pk)
    _plan_open(plan)
    if plan.is_approved:
        raise ValidationError(_("This version is already approved."))
    missing = plan.missing_content()
    if missing:
        raise ValidationError(_("The plan still lacks (8.3.2): %(items)s") %
                              {"items": "、".join(missing)})
    approved_by = approved_by or by
    require_same_firm(plan.firm_id, approved_by, *list(participants or []))
    not_in_the_future(approved_on, "approved_on")
    chronology.check(plan, values={"approved_on": approved_on})  # drafted ≤ approved
    participants = _check_plan_review(plan, approved_by, approved_on, participants, notes)
    plan.approved_by, plan.approved_on, plan.approval_notes = approved_by, approved_on, notes
    plan.save()
    review = PlanReview.objects.create(
        firm_id=plan.firm_id, plan=plan, engagement_id=plan.engagement_id,
        reviewed_on=approved_on, conclusion=notes.strip(), approved_by=approved_by,
        recorded_by=by)
    review.participants.set(participants)
    record_event(firm=plan.firm_id, by=by, verb="plan.approved", obj=plan,
                 engagement=plan.engagement_id, clause="8.3.1",
                 params={"version": plan.version,
                         "participants": [u.full_name for u in participants]})
    return plan


@performed_by
@transaction.atomic
def plan_issue(*, plan, by) -> ConsultingPlan:
    """8.3.1: submitted in writing: the PDF of this version is made (again, when making it
    failed). The client is asked to confirm once it is ready."""
    plan = ConsultingPlan.objects.select_for_update().get(pk=plan.pk)
    _plan_open(plan)
    if not plan.is_approved:
        raise ValidationError(_("The project team approves the plan before it is issued."))
    if plan.is_issued and not plan.pdf_failed:
        raise ValidationError(_("This version is already issued."))
    plan.issued_at = timezone.now()
    chronology.check(plan)  # approved ≤ issued
    plan.issued_pdf = pdf_request(owner=plan, kind="plan", by=by)
    plan.save()
    signals.plan_issued.send(sender=ConsultingPlan, plan=plan)
    record_event(firm=plan.firm_id, by=by, verb="plan.issued", obj=plan,
                 engagement=plan.engagement_id, clause="8.3.1", client_visible=True,
                 params={"version": plan.version})
    return plan


@performed_by
@transaction.atomic
def plan_confirm(*, plan, contact, confirmed_on, by, fingerprint=None) -> ConsultingPlan:
    """8.3.1: the client's confirmation of exactly this version. ``fingerprint``: the
    content the client had on screen; refused (:class:`ContentChanged`) when it changed."""
    plan = ConsultingPlan.objects.select_for_update().get(pk=plan.pk)
    if fingerprint is not None:
        check_fingerprint(fingerprint, plan.content_fingerprint)
    _plan_open(plan)
    if not plan.is_issued:
        raise ValidationError(_("Only an issued plan can be confirmed."))
    if not plan.is_submitted:
        raise ValidationError(_(
            "Clause 8.3.1: the plan is submitted in writing once its PDF is ready; it is "
            "still being made, or making it failed (issue it again). The client confirms "
            "the written plan."))
    if plan.is_confirmed:
        raise ValidationError(_("This version is already confirmed."))
    if current_plan(plan.engagement).pk != plan.pk:
        raise ValidationError(_("Only the current version can be confirmed."))
    require_same_firm(plan.firm_id, contact)
    if contact.client_id != plan.engagement.client_id:
        raise ValidationError({"contact": _("The contact must be a person at this client.")})
    not_in_the_future(confirmed_on, "confirmed_on")
    chronology.check(plan, values={"confirmed_on": confirmed_on})  # issued ≤ confirmed ≤ today
    plan.confirmed_by, plan.confirmed_on, plan.confirmation_recorded_by = contact, confirmed_on, by
    plan.confirmed_fingerprint = plan.content_fingerprint
    plan.save()
    # 8.3.1: the client's own act.
    record_event(firm=plan.firm_id, by=by, verb="plan.confirmed_by_client", obj=plan,
                 engagement=plan.engagement_id, clause="8.3.1", client_visible=True,
                 params={"version": plan.version, "contact": str(contact)})
    return plan


# -- 8.4 ------------------------------------------------------------------------------


def risk_settings_for(firm) -> RiskSettings:
    settings_row = RiskSettings.objects.filter(firm=firm).first()
    return settings_row or RiskSettings(firm=firm)  # the defaults, unsaved


RISK_THRESHOLD_FIELDS = ("lec_major", "lec_large", "lec_general",
                         "ls_major", "ls_large", "ls_general")


@performed_by
@transaction.atomic
def risk_settings_update(*, firm, by, **fields) -> RiskSettings:
    """A manager sets the firm's 8.4 risk level thresholds. They apply to risks assessed
    from now on: a risk keeps the level it was given (its register may be frozen)."""
    require_same_firm(firm.pk, by)
    if not by.is_manager:
        raise ValidationError(_("Only the firm's managers change this."))
    unknown = set(fields) - set(RISK_THRESHOLD_FIELDS)
    if unknown:
        raise ValueError(f"not a threshold: {sorted(unknown)}")
    row = RiskSettings.objects.select_for_update().filter(firm=firm).first() or (
        RiskSettings(firm=firm))
    for name, value in fields.items():
        setattr(row, name, value)
    errors = {}
    for method in ("lec", "ls"):
        major, large, general = (getattr(row, f"{method}_{level}")
                                 for level in ("major", "large", "general"))
        if general is not None and general <= 0:
            errors[f"{method}_general"] = _("A threshold must be above zero.")
        if not (major > large > general):
            errors[f"{method}_large"] = _(
                "The thresholds must fall from major to large to general (clause 8.4: "
                "four levels, each above the next).")
    if errors:
        raise ValidationError(errors)
    row.save()
    record_event(firm=firm, by=by, verb="risk_settings.updated", obj=row, clause="8.4")
    return row


@performed_by
@transaction.atomic
def site_unit_save(*, record: SiteUnit, by) -> SiteUnit:
    """8.4: a unit or area of the client's site, listed on the register (from the site
    research, 8.1.1); every listed unit needs at least one assessed risk."""
    record.name = (record.name or "").strip()
    if not record.name:
        raise ValidationError({"name": _("Clause 8.4: name the unit or area.")})
    clash = SiteUnit.objects.filter(engagement=record.engagement, name=record.name)
    if record.pk:
        clash = clash.exclude(pk=record.pk)
    if clash.exists():
        raise ValidationError({"name": _("Clause 8.4: this unit is already listed.")})
    return record_save(record=record, by=by)


@performed_by
@transaction.atomic
def site_unit_delete(*, unit: SiteUnit, by):
    """A unit listed by mistake; one with risks is kept (its risks name it)."""
    if unit.is_frozen:
        raise FrozenRecord(_("The service stage is passed; its records are frozen."))
    if RiskItem.objects.filter(unit=unit).exists():
        raise ValidationError(_("Clause 8.4: “%(name)s” has assessed risks; it stays on the "
                                "register.") % {"name": unit.name})
    record_delete(record=unit, by=by)


def _risk_refusals(record: RiskItem) -> dict:
    """What 8.4 asks of every risk, and of a 重大风险 or 较大风险, as form errors."""
    errors = {}
    if record.unit_id is None:
        errors["unit"] = _("Clause 8.4: choose the unit or area of the site.")
    elif record.unit.engagement_id != record.engagement_id:
        raise CrossFirmReference("A unit of another engagement.")
    texts = {
        "activity": _("Clause 8.4: name the activity or the equipment."),
        "hazard": _("Clause 8.4: describe the hazard."),
        "accident_type": _("Clause 8.4: choose the accident type it may cause (GB 6441)."),
        "existing_controls": _("Clause 8.4: describe the controls already in place."),
        "control_level": _("Clause 8.4: choose the control level (company, workshop, team "
                           "or post)."),
        "responsible_person": _("Clause 8.4: name the person responsible for the control."),
    }
    for name, message in texts.items():
        if not str(getattr(record, name) or "").strip():
            errors[name] = message
    if record.needs_measures:
        level = risk.LEVEL_SHORT[record.level]()
        if not (record.controls or "").strip():
            errors["controls"] = _("Clause 8.4: a %(level)s needs the control measures to "
                                   "take.") % {"level": level}
        if not (record.measures_responsible or "").strip():
            errors["measures_responsible"] = _(
                "Clause 8.4: a %(level)s needs a person responsible for its control "
                "measures.") % {"level": level}
        if record.measures_due_on is None:
            errors["measures_due_on"] = _("Clause 8.4: a %(level)s needs a due date for its "
                                          "control measures.") % {"level": level}
        elif record.identified_on and record.measures_due_on < record.identified_on:
            errors["measures_due_on"] = _("The measures cannot be due before the risk was "
                                          "identified.")
    return errors


@performed_by
@transaction.atomic
def risk_save(*, record: RiskItem, by) -> RiskItem:
    """Compute the score and the level with the firm's thresholds, check what 8.4 asks
    of the risk (and of its level), then save."""
    if record.method == risk.Method.LEC:
        if record.exposure is None or record.consequence is None:
            raise ValidationError(_("LEC needs L, E and C."))
        record.severity = None
    else:
        if record.severity is None:
            raise ValidationError({"severity": _("LS needs L and S.")})
        record.exposure = record.consequence = None
    # Stored with two decimals; every product of the scales' values has at most two.
    record.score = risk.score(record.method, record.likelihood, record.exposure,
                              record.consequence, record.severity).quantize(Decimal("0.01"))
    thresholds = risk_settings_for(record.engagement.firm).thresholds(record.method)
    record.level = risk.level_for(record.score, thresholds)
    errors = _risk_refusals(record)
    if errors:
        raise ValidationError(errors)
    return record_save(record=record, by=by)


@performed_by
@transaction.atomic
def progress_report_share(*, report, by) -> ProgressReport:
    """8.4: the report goes to the client (the portal shows shared reports)."""
    report = ProgressReport.objects.select_for_update().get(pk=report.pk)
    if report.shared_at is not None:
        raise ValidationError(_("This report is already shared."))
    _open(report.engagement)
    ProgressReport.objects.filter(pk=report.pk).update(shared_at=timezone.now(), shared_by=by)
    report.refresh_from_db()
    record_event(firm=report.firm_id, by=by, verb="progress_report.shared", obj=report,
                 engagement=report.engagement_id, clause="8.4", client_visible=True)
    return report


# -- 8.5 ------------------------------------------------------------------------------


@performed_by
@transaction.atomic
def document_create(*, engagement, by, category, title, file, deliverable=None,
                    note="") -> ProjectDocument:
    if deliverable is not None:
        require_same_firm(engagement.firm_id, deliverable)
        if deliverable.contract.engagement_id != engagement.pk:
            raise ValidationError({"deliverable": _("That deliverable is another engagement's.")})
    document = record_save(record=ProjectDocument(engagement=engagement, category=category,
                                                  title=title, deliverable=deliverable), by=by)
    document_version_add(document=document, file=file, note=note, by=by)
    return document


@performed_by
@transaction.atomic
def document_version_add(*, document, file, by, note="", seen_latest=None) -> DocumentVersion:
    """8.5: a new version of a document. ``seen_latest``: the latest version number the
    user's page showed (0: none); refused (:class:`StaleEdit`) when someone added a
    version meanwhile, so a version is never stored over one its author has not seen."""
    _open(document.engagement)
    ProjectDocument.objects.select_for_update().filter(pk=document.pk).first()  # one at a time
    last = DocumentVersion.objects.current_for(document)
    if seen_latest is not None and seen_latest != (last.version if last else 0):
        raise StaleEdit(_("Version %(v)s was added by %(who)s at %(when)s while you were on "
                          "this page: look at it first, then choose your file again.")
                        % {"v": last.version, "who": last.uploaded_by.full_name,
                           "when": date_format(timezone.localtime(last.uploaded_at),
                                               "DATETIME_FORMAT")})
    version = DocumentVersion(firm_id=document.firm_id, document=document,
                              version=(last.version + 1) if last else 1, file=file, note=note,
                              uploaded_by=by, sha256=sha256_of(file))
    version.full_clean()
    version.save()
    record_event(firm=document.firm_id, by=by, verb="document.version_added", obj=version,
                 engagement=document.engagement_id, clause="8.5",
                 params={"version": version.version, "title": document.title})
    return version


@performed_by
@transaction.atomic
def documents_deliver(*, engagement, versions, delivered_on, by) -> list[DocumentDelivery]:
    """8.5.2: hand document versions to the client; the hand-over list PDF is made."""
    _open(engagement)
    if not versions:
        raise ValidationError(_("Choose the documents to deliver."))
    deliveries = []
    for version in versions:
        require_same_firm(engagement.firm_id, version)
        if version.document.engagement_id != engagement.pk:
            raise CrossFirmReference("A version of another engagement's document.")
        delivery = DocumentDelivery(firm_id=engagement.firm_id, engagement=engagement,
                                    version=version, delivered_on=delivered_on, delivered_by=by)
        delivery.full_clean()
        chronology.check(delivery)  # 8.5.2: under the signed contract, not in the future
        delivery.save()
        deliveries.append(delivery)
    pdf_request(owner=engagement, kind="handover", by=by)
    signals.documents_delivered.send(sender=DocumentDelivery, engagement=engagement,
                                     deliveries=deliveries)
    # 8.5.2: documents handed to the client.
    record_event(firm=engagement.firm_id, by=by, verb="documents.delivered", obj=engagement,
                 engagement=engagement, clause="8.5.2", client_visible=True,
                 params={"count": len(deliveries),
                         "titles": [d.version.document.title for d in deliveries]})
    return deliveries


@performed_by
@transaction.atomic
def delivery_acknowledge(*, delivery, contact, acknowledged_on, by,
                         fingerprint=None) -> DocumentDelivery:
    """The client's acknowledgement of a delivered document (8.5.2). ``fingerprint``: the
    document the client had on screen; refused (:class:`ContentChanged`) when it changed."""
    delivery = DocumentDelivery.objects.select_for_update().get(pk=delivery.pk)
    if fingerprint is not None:
        check_fingerprint(fingerprint, delivery.content_fingerprint)
    _open(delivery.engagement)
    if delivery.is_acknowledged:
        raise ValidationError(_("This delivery is already acknowledged."))
    require_same_firm(delivery.firm_id, contact)
    if contact.client_id != delivery.engagement.client_id:
        raise ValidationError({"contact": _("The contact must be a person at this client.")})
    # 8.5.2: between the delivery and today
    chronology.check(delivery, values={"acknowledged_on": acknowledged_on})
    delivery.acknowledged_by, delivery.acknowledged_on = contact, acknowledged_on
    delivery.acknowledged_fingerprint = delivery.content_fingerprint
    delivery.save()
    # 8.5.2: the client's acknowledgement.
    record_event(firm=delivery.firm_id, by=by, verb="delivery.acknowledged", obj=delivery,
                 engagement=delivery.engagement_id, clause="8.5.2", client_visible=True,
                 params={"contact": str(contact), "title": delivery.version.document.title})
    return delivery
