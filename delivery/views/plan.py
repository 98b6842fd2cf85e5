"""8.3: the consulting plan: written, approved by the project team, issued in writing
(PDF), confirmed by the client; versioned (a change after approval is a new version,
approved and confirmed again; the earlier versions stay readable)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from consultancy.formrows import next_row_response
from consultancy.tenancy.mixins import firm_staff_required
from consultancy.tenancy.versioning import current_version_of
from engagements.models import FrozenRecord
from engagements.stages import Stage

from .. import services
from ..forms_plan import (
    PLAN_FIELDS,
    PlanApproveForm,
    PlanConfirmForm,
    PlanForm,
    milestone_formset,
    milestone_rows,
)
from ..models import ConsultingPlan, PlanMilestone, PlanReview
from .common import apply_validation_error, frozen_response, get_engagement

CONTENT = [f for f in PLAN_FIELDS if f != "change_reason"]


def _versions(engagement):
    return list(ConsultingPlan.objects.filter(engagement=engagement)
                .select_related("approved_by", "confirmed_by", "issued_pdf")
                .order_by("-version"))


def _milestones(plan):
    milestones = list(PlanMilestone.objects.filter(plan=plan)) if plan else []
    if plan:
        plan._milestone_count = len(milestones)
    return milestones


def _edit_forms(request, engagement, current, milestones, data=None):
    new_version = current is not None and current.is_approved
    initial = None
    if current is not None:
        initial = {f: getattr(current, f) for f in PLAN_FIELDS}
        if new_version:
            initial["change_reason"] = ""
    form = PlanForm(data, initial=initial, new_version=new_version,
                    show_change_reason=current is not None and current.version > 1,
                    versioned=current, reload=current_version_of(
                        ConsultingPlan.objects.filter(engagement=engagement)))
    formset = milestone_formset(data, initial=[
        {"title": m.title, "due_date": m.due_date} for m in milestones])
    return form, formset


def _plan_page(request, engagement, *, form=None, formset=None, approve_form=None,
               confirm_form=None, status=200):
    versions = _versions(engagement)
    current = versions[0] if versions else None
    milestones = _milestones(current)
    passed = engagement.has_passed(Stage.DELIVERY)
    if form is None:
        form, formset = _edit_forms(request, engagement, current, milestones)
    if passed:
        for f in (form, *formset.forms):
            for field in f.fields.values():
                field.disabled = True
    members = rse_ids = ()
    if current and not passed:
        if not current.is_approved:
            members, rse_ids = _members(engagement)
        if approve_form is None and not current.is_approved:
            approve_form = _approve_form(engagement, members, rse_ids, request.user)
        if confirm_form is None and current.is_submitted and not current.is_confirmed:
            confirm_form = PlanConfirmForm(engagement=engagement)
    requirements = [r for r in engagement.requirements(Stage.DELIVERY)
                    if r.code.startswith("8.3.")]
    return render(request, "delivery/plan.html", {
        "engagement": engagement,
        "plan": current,
        "milestones": milestones,
        "missing": current.missing_content() if current else [],
        "versions": versions,
        "form": form,
        "formset": formset,
        "new_version": current is not None and current.is_approved,
        "approve_form": approve_form if current and not current.is_approved else None,
        "members": members,
        "confirm_form": confirm_form if current and current.is_submitted
        and not current.is_confirmed else None,
        "review": _review(current),
        "passed": passed,
        "requirements": requirements,
    }, status=status)


def _members(engagement):
    """Our side of the working group and who of it holds a valid RSE today (8.3.1)."""
    members = list(services.provider_members(engagement).values())
    return members, services.holds_valid_rse([m.user for m in members], timezone.localdate())


def _approve_form(engagement, members, rse_ids, user, data=None):
    initial = {"approved_by": user if any(m.user_id == user.pk for m in members) else None,
               "participants": [m.user_id for m in members
                                if m.user_id == engagement.lead_consultant_id
                                or m.user_id == user.pk]}
    return PlanApproveForm(data, engagement=engagement, members=members, rse_ids=rse_ids,
                           initial=initial)


def _review(plan):
    """The working group's review of ``plan`` (8.3.1), with its participants, or None."""
    if plan is None or not plan.is_approved:
        return None
    return (PlanReview.objects.filter(plan=plan).select_related("approved_by")
            .prefetch_related("participants").first())


def _back(engagement):
    return redirect("delivery:plan", engagement.pk)


def _unchanged(current, milestones, data, rows):
    """Whether saving would change nothing of the approved version's content."""
    return (all(data.get(f, getattr(current, f)) == getattr(current, f) for f in CONTENT)
            and sorted((r["due_date"], r["title"]) for r in rows)
            == sorted((m.due_date, m.title) for m in milestones))


@firm_staff_required
@require_safe
def milestone_row(request, pk):
    """htmx: the next empty milestone row of the plan's form (8.3.2 schedule;
    consultancy/formrows.py); another firm's engagement is a 404."""
    engagement = get_engagement(request, pk)
    if engagement.has_passed(Stage.DELIVERY):
        raise Http404
    return next_row_response(request, type(milestone_formset()), prefix="milestones",
                             template="delivery/_milestone_row.html")


@firm_staff_required
def plan_page(request, pk):
    engagement = get_engagement(request, pk)
    if request.method != "POST":
        return _plan_page(request, engagement)
    if engagement.has_passed(Stage.DELIVERY):
        return frozen_response(request, engagement, services.current_plan(engagement))
    current = services.current_plan(engagement)
    milestones = _milestones(current)
    form, formset = _edit_forms(request, engagement, current, milestones, data=request.POST)
    if form.is_valid() and formset.is_valid():
        rows = milestone_rows(formset)
        fields = {f: form.cleaned_data[f] for f in PLAN_FIELDS if f in form.cleaned_data}
        if current is not None and current.is_approved and _unchanged(current, milestones,
                                                                      fields, rows):
            form.add_error(None, _("Nothing in the plan changed, so no new version was made."))
        else:
            try:
                with form.version_guard():
                    saved = services.plan_save(engagement=engagement, by=request.user,
                                               milestones=rows, **fields)
            except ValidationError as exc:
                apply_validation_error(form, exc)
            except FrozenRecord as exc:
                return frozen_response(request, engagement, current, exc)
            else:
                if current is not None and saved.pk != current.pk:
                    messages.success(request, _(
                        "Version %(v)s is saved as a draft; version %(old)s is kept as it was. "
                        "The new version needs the team's approval and the client's "
                        "confirmation again (8.3.1).") % {"v": saved.version,
                                                          "old": current.version})
                else:
                    messages.success(request, _("Plan version %(v)s saved.")
                                     % {"v": saved.version})
                saved._milestone_count = len(rows)
                missing = saved.missing_content()
                if missing:
                    messages.warning(request, _("Before the team can approve it, the plan "
                                                "still lacks (8.3.2): %(items)s")
                                     % {"items": "、".join(missing)})
                return _back(engagement)
    return _plan_page(request, engagement, form=form, formset=formset)


def _plan_of(engagement, plan_pk):
    return get_object_or_404(ConsultingPlan, pk=plan_pk, engagement=engagement)


@firm_staff_required
@require_POST
def plan_approve(request, pk, plan_pk):
    engagement = get_engagement(request, pk)
    plan = _plan_of(engagement, plan_pk)
    if engagement.has_passed(Stage.DELIVERY):
        return frozen_response(request, engagement, plan)
    members, rse_ids = _members(engagement)
    form = _approve_form(engagement, members, rse_ids, request.user, data=request.POST)
    if form.is_valid():
        try:
            services.plan_approve(plan=plan, by=request.user,
                                  approved_by=form.cleaned_data["approved_by"],
                                  approved_on=form.cleaned_data["approved_on"],
                                  participants=form.cleaned_data["participants"],
                                  notes=form.cleaned_data["notes"])
        except ValidationError as exc:
            apply_validation_error(form, exc)
        except FrozenRecord as exc:
            return frozen_response(request, engagement, plan, exc)
        else:
            messages.success(request, _("Version %(v)s is passed by the working group; its "
                                        "discussion is recorded. Issue it in writing next "
                                        "(8.3.1).") % {"v": plan.version})
            return _back(engagement)
    if services.current_plan(engagement).pk != plan.pk:
        messages.error(request, " ".join(e for errs in form.errors.values() for e in errs))
        return _back(engagement)
    return _plan_page(request, engagement, approve_form=form)


@firm_staff_required
@require_POST
def plan_issue(request, pk, plan_pk):
    engagement = get_engagement(request, pk)
    plan = _plan_of(engagement, plan_pk)
    if engagement.has_passed(Stage.DELIVERY):
        return frozen_response(request, engagement, plan)
    try:
        services.plan_issue(plan=plan, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    except FrozenRecord as exc:
        return frozen_response(request, engagement, plan, exc)
    else:
        messages.success(request, _("Version %(v)s is issued: its PDF is being made. Once it "
                                    "is ready the plan counts as submitted in writing and the "
                                    "client is asked to confirm it (8.3.1).")
                         % {"v": plan.version})
    return _back(engagement)


@firm_staff_required
@require_POST
def plan_confirm(request, pk, plan_pk):
    engagement = get_engagement(request, pk)
    plan = _plan_of(engagement, plan_pk)
    if engagement.has_passed(Stage.DELIVERY):
        return frozen_response(request, engagement, plan)
    form = PlanConfirmForm(request.POST, engagement=engagement)
    if form.is_valid():
        try:
            services.plan_confirm(plan=plan, by=request.user, contact=form.cleaned_data["contact"],
                                  confirmed_on=form.cleaned_data["confirmed_on"])
        except ValidationError as exc:
            apply_validation_error(form, exc)
        except FrozenRecord as exc:
            return frozen_response(request, engagement, plan, exc)
        else:
            messages.success(request, _("The client's confirmation of version %(v)s is recorded "
                                        "(8.3.1).") % {"v": plan.version})
            return _back(engagement)
    current = services.current_plan(engagement)
    if current.pk != plan.pk or not current.is_issued or current.is_confirmed:
        messages.error(request, " ".join(e for errs in form.errors.values() for e in errs))
        return _back(engagement)
    return _plan_page(request, engagement, confirm_form=form)


@firm_staff_required
@require_safe
def plan_version(request, pk, plan_pk):
    """Any version, read-only (earlier versions stay readable as they were)."""
    engagement = get_engagement(request, pk)
    plan = get_object_or_404(
        ConsultingPlan.objects.select_related("approved_by", "confirmed_by", "issued_pdf",
                                              "created_by", "confirmation_recorded_by"),
        pk=plan_pk, engagement=engagement)
    milestones = _milestones(plan)
    latest = ConsultingPlan.objects.current_for(engagement).version
    return render(request, "delivery/plan_version.html", {
        "engagement": engagement, "plan": plan, "milestones": milestones,
        "missing": plan.missing_content(), "is_current": plan.version == latest,
        "latest": latest, "review": _review(plan),
    })
