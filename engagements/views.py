"""The consultants' engagement pages: thin; every change goes through ``services``."""

from django.contrib import messages
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_fsm import ConcurrentTransition

from consultancy.activity.selectors import timeline
from consultancy.refusals import refusal_response
from consultancy.tenancy.mixins import (
    apply_validation_error,
    firm_staff_required,
    manager_required,
)
from consultancy.tenancy.models import User
from consultancy.tenancy.pagecache import cached_page
from consultancy.tenancy.versioning import current_version_of

from . import chronology, gates, panels, selectors, services
from .forms import (
    BlockerApprovalForm,
    CommunicationRecordForm,
    EngagementFilterForm,
    EngagementForm,
    ExchangeRecordForm,
    FrameworkConfirmForm,
    NeedsAssessmentForm,
    OpenedOnForm,
    ProjectFrameworkForm,
    SiteVisitForm,
    TransitionForm,
)
from .models import (
    CommunicationRecord,
    ExchangeRecord,
    FrozenRecord,
    NeedsAssessment,
    ProjectFramework,
    SiteVisit,
    StageTransition,
)
from .pages import (
    SectionPage,
    frozen_response,
    get_engagement,
    lazy_section_url,
    process_steps,
)
from .stages import DECLINABLE, ENDED, FORWARD, TERMINABLE, TRANSITION_LABELS, Stage

# -- list, home -------------------------------------------------------------------


# a pk no engagement has, replaced in the reversed URL by each row's
URL_MARK = 987654321987


@firm_staff_required
@cached_page
def engagement_list(request):
    form = EngagementFilterForm(request.GET or None, firm=request.user.firm)
    qs = form.filter(selectors.engagement_list(user=request.user))
    page = Paginator(qs, 20).get_page(request.GET.get("page"))
    statuses = gates.statuses_for_many(page.object_list)
    # The engagement page's URL reversed once, not per row (docs/performance.md).
    prefix, _pk, suffix = reverse("engagements:detail", args=[URL_MARK]).rpartition(
        str(URL_MARK))
    rows = [
        {"engagement": e, "url": f"{prefix}{e.pk}{suffix}",
         "missing": [r for r in statuses[e.pk] if not r.met],
         "gate_empty": e.stage in FORWARD and not statuses[e.pk]}
        for e in page.object_list
    ]
    return render(request, "engagements/engagement_list.html",
                  {"form": form, "page_obj": page, "rows": rows})


# -- the engagement ---------------------------------------------------------------


@firm_staff_required
def engagement_create(request):
    form = EngagementForm(request.POST or None, firm=request.user.firm,
                          initial={"lead_consultant": request.user,
                                   "client": request.GET.get("client")})
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            engagement = services.engagement_create(
                firm=request.user.firm, by=request.user,
                consultants=list(data.pop("consultants")), **data)
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, _("Engagement %(number)s created. Start with the needs "
                                        "analysis (clause 5).") % {"number": engagement.number})
            return redirect(engagement)
    return render(request, "engagements/engagement_form.html", {"form": form})


@firm_staff_required
def engagement_update(request, pk):
    engagement = get_engagement(request, pk)
    if engagement.is_ended:
        raise Http404
    form = EngagementForm(request.POST or None, instance=engagement, firm=request.user.firm)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            with form.version_guard():
                services.engagement_update(engagement=engagement, by=request.user,
                                           consultants=list(data.pop("consultants")), **data)
        except ValidationError as exc:
            apply_validation_error(form, exc)
        except ConcurrentTransition:
            # The stage moved while the form was open: nothing is saved (4.3).
            return refusal_response(request, services.StageConflict(),
                                    context={"engagement": engagement,
                                             "back": engagement.get_absolute_url()})
        else:
            messages.success(request, _("Engagement saved."))
            return redirect(engagement)
    return render(request, "engagements/engagement_form.html",
                  {"form": form, "engagement": engagement})


@manager_required
def engagement_opened_on(request, pk):
    """A manager sets the opening date earlier, for imported history (the standard's
    order: no record of the engagement is dated before it)."""
    engagement = get_engagement(request, pk)
    form = OpenedOnForm(request.POST or None, engagement=engagement)
    if request.method == "POST" and form.is_valid():
        try:
            with form.version_guard():
                services.engagement_set_opened_on(
                    engagement=engagement, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, _("The opening date is now %(date)s.")
                             % {"date": chronology.show(engagement.opened_on)})
            return redirect(engagement)
    return render(request, "engagements/opened_on_form.html",
                  {"form": form, "engagement": engagement})


def _assessment_of(engagement):
    """The needs assessment read with the engagement (``select_related``), or None."""
    try:
        return engagement.needs_assessment
    except ObjectDoesNotExist:
        return None


@firm_staff_required
@cached_page
def engagement_detail(request, pk):
    engagement = get_engagement(
        request, pk,
        queryset=panels.annotate(selectors.engagements_visible_to(request.user))
        .select_related("needs_assessment__assessor", "needs_assessment__blocker_approved_by")
        .prefetch_related(Prefetch("consultants", queryset=User.objects.order_by("full_name"))),
    )
    # Read through ``engagements_visible_to``: the panels need not ask again.
    engagement.visible_to_user_pk = request.user.pk
    requirements = engagement.requirements() if engagement.stage in FORWARD else []
    gate_open = bool(requirements) and all(r.met for r in requirements)
    # Clause 6's records: on the page while they are kept; once frozen (past 6), loaded
    # after it like the history (issue 19: four queries fewer from contracting on).
    communication_passed = engagement.has_passed(Stage.COMMUNICATION)
    ctx = {
        "engagement": engagement,
        "steps": process_steps(engagement),
        "requirements": requirements,
        "gate_open": gate_open,
        "forward": FORWARD.get(engagement.stage),
        "forward_label": TRANSITION_LABELS.get(FORWARD.get(engagement.stage)),
        "can_decline": engagement.stage in DECLINABLE,
        "can_terminate": engagement.stage in TERMINABLE,
        # The stage history and the activity timeline load after the page (htmx, with a
        # link as fallback), each from its own page: issue 19's budget of 12 queries.
        "history_url": lazy_section_url(request, "engagements:history", engagement),
        "clause6_url": (lazy_section_url(request, "engagements:clause6", engagement)
                        if communication_passed else ""),
        "assessment": _assessment_of(engagement),
        "communication_passed": communication_passed,
        "needs_passed": engagement.has_passed(Stage.NEEDS_ANALYSIS),
        "transition_form": TransitionForm(initial={"expected_stage": engagement.stage}),
        "ended": engagement.stage in ENDED,
        "panels": panels.render_context(engagement, request),
    }
    if not communication_passed:
        ctx.update(_clause6(request, engagement))
    return render(request, "engagements/engagement_detail.html", ctx)


def _clause6(request, engagement):
    """Clause 6's records (6.1–6.4): each list its first SECTION_SIZE rows and a link to
    the rest (``?<section>_page=``), one query each whatever their number."""
    return {
        "communication_passed": engagement.has_passed(Stage.COMMUNICATION),
        "visits": SectionPage(
            request, SiteVisit.objects.filter(engagement=engagement)
            .prefetch_related("visitors").order_by("-visited_on", "-pk"),
            "visits_page", anchor="visits"),
        "communications": SectionPage(
            request, CommunicationRecord.objects.filter(engagement=engagement)
            .order_by("-held_on", "-pk"), "communications_page", anchor="communications"),
        "exchanges": SectionPage(
            request, ExchangeRecord.objects.filter(engagement=engagement)
            .order_by("-held_on", "-pk"), "exchanges_page", anchor="exchanges"),
        "frameworks": SectionPage(
            request, ProjectFramework.objects.filter(engagement=engagement)
            .select_related("confirmed_by").order_by("-version"),
            "frameworks_page", anchor="frameworks"),
    }


def _history(request, engagement):
    transitions = StageTransition.objects.filter(engagement=engagement).select_related("by")
    return {"transitions": SectionPage(request, transitions, "history_page", anchor="history")}


def _activity(request, engagement):
    return {"activity": timeline(request, firm_id=engagement.firm_id,
                                 engagement_id=engagement.pk)}


SECTIONS = {"history": ("engagements/_history.html", _history),
            "clause6": ("engagements/_clause6.html", _clause6),
            "activity": ("activity/_timeline.html", _activity)}


@firm_staff_required
def engagement_section(request, pk, section):
    """A section of the engagement page loaded after it (``hx-get``): only the section
    for htmx, a page of its own otherwise (the placeholder's link). Another firm's
    engagement is a 404, as on the engagement page."""
    engagement = get_engagement(request, pk)
    template_name, context = SECTIONS[section]
    ctx = {"engagement": engagement, "section_template": template_name,
           **context(request, engagement)}
    if request.htmx:
        return render(request, template_name, ctx)
    return render(request, "engagements/engagement_section.html", ctx)


@firm_staff_required
@require_POST
def engagement_transition(request, pk, transition):
    engagement = get_engagement(request, pk)
    form = TransitionForm(request.POST)
    if transition not in {*FORWARD.values(), "decline", "terminate"} or not form.is_valid():
        raise Http404
    kwargs = {}
    if transition in ("decline", "terminate"):
        kwargs["reason"] = form.cleaned_data["reason"]
    try:
        services.engagement_transition(
            engagement=engagement, transition=transition, by=request.user,
            note=form.cleaned_data["note"], expected_stage=form.cleaned_data["expected_stage"],
            **kwargs)
    except services.TransitionRefused as exc:
        return refusal_response(request, exc, template="engagements/transition_refused.html",
                                context={"engagement": engagement, "error": exc,
                                         "missing": getattr(exc, "missing", [])})
    messages.success(request, _("The engagement moved to “%(stage)s”.")
                     % {"stage": engagement.get_stage_display()})
    return redirect(engagement)


# -- clause 5 ---------------------------------------------------------------------


@firm_staff_required
def needs_assessment(request, pk):
    engagement = get_engagement(request, pk)
    assessment = NeedsAssessment.objects.filter(engagement=engagement).first()
    frozen = assessment is not None and assessment.is_frozen
    if frozen and request.method == "POST":
        return frozen_response(request, engagement, assessment)
    form = NeedsAssessmentForm(request.POST or None, instance=assessment or NeedsAssessment(
        engagement=engagement), firm=request.user.firm,
        initial={} if assessment else {"assessor": request.user})
    if request.method == "POST" and form.is_valid():
        data = {name: form.cleaned_data[name] for name in form.Meta.fields}
        try:
            with form.version_guard():
                saved = services.needs_assessment_save(engagement=engagement, by=request.user,
                                                       **data)
        except ValidationError as exc:
            apply_validation_error(form, exc)
        except FrozenRecord as exc:
            return frozen_response(request, engagement, assessment, exc)
        else:
            if saved.is_complete:
                messages.success(request, _("Needs assessment saved. It is complete (clause 5)."))
            else:
                messages.warning(request, _("Saved as a draft. Still missing: %(fields)s")
                                 % {"fields": "、".join(saved.missing_fields())})
            return redirect(engagement)
    if frozen:
        for field in form.fields.values():
            field.disabled = True
    return render(request, "engagements/needs_assessment_form.html",
                  {"form": form, "engagement": engagement, "assessment": assessment,
                   "frozen": frozen})


@firm_staff_required
def needs_blocker_approval(request, pk):
    """Clause 5: a "blocker" verdict is a manager's decision. Everyone sees what is
    blocked and whether (who, when, why) a manager approved proceeding; a manager decides."""
    engagement = get_engagement(request, pk)
    assessment = (NeedsAssessment.objects.select_related("blocker_approved_by")
                  .filter(engagement=engagement).first())
    if assessment is None:  # nothing assessed yet, so nothing to decide: assess first
        return redirect("engagements:needs_assessment", engagement.pk)
    may_decide = (request.user.is_manager and assessment.blocker_needs_approval
                  and not assessment.is_frozen)
    form = BlockerApprovalForm(request.POST or None, assessment=assessment) if may_decide else None
    if request.method == "POST":
        if form is None:
            raise Http404
        if form.is_valid():
            try:
                with form.version_guard():
                    services.needs_blocker_approve(assessment=assessment, by=request.user,
                                                   reason=form.cleaned_data["reason"])
            except ValidationError as exc:
                apply_validation_error(form, exc)
            except FrozenRecord as exc:
                return frozen_response(request, engagement, assessment, exc)
            else:
                messages.success(request, _("Your approval to proceed despite the blocker is "
                                            "recorded (clause 5)."))
                return redirect(engagement)
    dimensions = [
        {"name": NeedsAssessment.DIMENSION_NAMES[dim],
         "finding": getattr(assessment, f"{dim}_finding"),
         "verdict": getattr(assessment, f"get_{dim}_verdict_display")(),
         "blocker": getattr(assessment, f"{dim}_verdict") == "blocker"}
        for dim, _label in NeedsAssessment.DIMENSIONS
    ]
    return render(request, "engagements/blocker_approval.html", {
        "engagement": engagement, "assessment": assessment, "form": form,
        "dimensions": dimensions})


# -- clause 6: the records kept in lists ------------------------------------------

RECORD_KINDS = {
    "sitevisit": (SiteVisit, SiteVisitForm, "6.1", ["visitors"]),
    "communicationrecord": (CommunicationRecord, CommunicationRecordForm, "6.2", []),
    "exchangerecord": (ExchangeRecord, ExchangeRecordForm, "6.3", []),
}


@firm_staff_required
def record_edit(request, pk, kind, record_pk=None):
    model, form_class, clause, m2m_fields = RECORD_KINDS[kind]
    engagement = get_engagement(request, pk)
    if record_pk is None:
        if engagement.is_ended or engagement.has_passed(model.gate_stage):
            return frozen_response(request, engagement, None)
        record = model(engagement=engagement)
    else:
        record = get_object_or_404(model, pk=record_pk, engagement=engagement)
    frozen = record.pk is not None and record.is_frozen
    if frozen and request.method == "POST":
        return frozen_response(request, engagement, record)
    form = form_class(request.POST or None, instance=record, firm=request.user.firm)
    if request.method == "POST" and form.is_valid():
        record = form.save(commit=False)
        m2m = {name: list(form.cleaned_data[name]) for name in m2m_fields}
        try:
            with form.version_guard():
                services.record_save(record=record, by=request.user, m2m=m2m)
        except ValidationError as exc:
            apply_validation_error(form, exc)
        except FrozenRecord as exc:
            return frozen_response(request, engagement, record, exc)
        else:
            messages.success(request, _("%(record)s saved (clause %(clause)s).")
                             % {"record": model._meta.verbose_name, "clause": clause})
            return redirect(engagement)
    if frozen:
        for field in form.fields.values():
            field.disabled = True
    return render(request, "engagements/record_form.html",
                  {"form": form, "engagement": engagement, "record": record, "frozen": frozen,
                   "clause": clause, "verbose_name": model._meta.verbose_name,
                   "kind": kind})


@firm_staff_required
@require_POST
def record_delete(request, pk, kind, record_pk):
    model = RECORD_KINDS[kind][0]
    engagement = get_engagement(request, pk)
    record = get_object_or_404(model, pk=record_pk, engagement=engagement)
    try:
        services.record_delete(record=record, by=request.user)
    except FrozenRecord as exc:
        return frozen_response(request, engagement, record, exc)
    messages.success(request, _("Record deleted."))
    return redirect(engagement)


# -- 6.4: the project framework ---------------------------------------------------


@firm_staff_required
def framework(request, pk):
    engagement = get_engagement(request, pk)
    versions = list(ProjectFramework.objects.filter(engagement=engagement)
                    .select_related("confirmed_by", "confirmation_recorded_by"))
    current = versions[0] if versions else None
    passed = engagement.has_passed(Stage.COMMUNICATION)
    if passed and request.method == "POST":
        return frozen_response(request, engagement, current)
    # A confirmed version is never edited: the form starts the next version from it.
    initial_source = current
    form = ProjectFrameworkForm(
        request.POST or None,
        instance=current if current and not current.is_confirmed else None,
        initial={f: getattr(initial_source, f) for f in ProjectFrameworkForm.Meta.fields}
        if initial_source else None,
        firm=request.user.firm,
        versioned=current,
        reload=current_version_of(ProjectFramework.objects.filter(engagement=engagement)),
    )
    if request.method == "POST" and form.is_valid():
        try:
            with form.version_guard():
                saved = services.framework_save(engagement=engagement, by=request.user,
                                                **form.cleaned_data)
        except ValidationError as exc:
            apply_validation_error(form, exc)
        except FrozenRecord as exc:
            return frozen_response(request, engagement, current, exc)
        else:
            messages.success(request, _("Project framework version %(v)s saved. It now needs the "
                                        "client's confirmation (6.4).") % {"v": saved.version})
            return redirect(reverse("engagements:framework", args=[engagement.pk]))
    if passed:
        for field in form.fields.values():
            field.disabled = True
    confirm_form = None
    if current and not current.is_confirmed and not passed:
        confirm_form = FrameworkConfirmForm(engagement=engagement)
    return render(request, "engagements/framework.html",
                  {"engagement": engagement, "form": form, "versions": versions,
                   "current": current, "confirm_form": confirm_form, "passed": passed})


@firm_staff_required
@require_POST
def framework_confirm(request, pk, framework_pk):
    engagement = get_engagement(request, pk)
    version = get_object_or_404(ProjectFramework, pk=framework_pk, engagement=engagement)
    form = FrameworkConfirmForm(request.POST, engagement=engagement)
    if form.is_valid():
        try:
            services.framework_confirm(framework=version, by=request.user,
                                       contact=form.cleaned_data["contact"],
                                       confirmed_on=form.cleaned_data["confirmed_on"])
        except FrozenRecord as exc:
            return frozen_response(request, engagement, version, exc)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("The client's confirmation of version %(v)s is recorded "
                                        "(6.4).") % {"v": version.version})
    else:
        messages.error(request, " ".join(e for errs in form.errors.values() for e in errs))
    return redirect(reverse("engagements:framework", args=[engagement.pk]))
