"""Evaluation and clause 9 pages: the client's acceptance and the provider's review, the
satisfaction survey and its public answer link."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from consultancy.refusals import Refusal, add_refusal_to_form, refusal_response
from consultancy.tenancy.mixins import apply_validation_error, firm_staff_required
from consultancy.tenancy.versioning import StaleEdit
from engagements.models import FrozenRecord
from engagements.pages import frozen_response, get_engagement, posted_pk
from engagements.stages import Stage

from . import selectors, services
from .errors import SurveyLinkError, SurveyLinkInvalid
from .forms import (
    AcceptanceForm,
    ActionDoneForm,
    ActionVerifyForm,
    ComplaintActionForm,
    ComplaintFilterForm,
    ComplaintForm,
    ComplaintStepForm,
    FollowUpGuidanceForm,
    FollowUpVisitForm,
    GeneralComplaintForm,
    NoActionForm,
    ObjectiveFormSet,
    ReviewForm,
    survey_answer_errors,
    survey_answers_posted,
    survey_rows,
)
from .models import (
    Complaint,
    ComplaintAction,
    FollowUpGuidance,
    FollowUpVisit,
    OutcomeReview,
    Reminder,
    Survey,
    SurveyInvitation,
)


def _refused(request, form, exc):
    """A service's refusal: on the form when it says which field, else as a message."""
    if isinstance(exc, ValidationError):
        if form is not None and hasattr(exc, "error_dict"):
            for field, errors in exc.error_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            for message in exc.messages:
                messages.error(request, message)
    else:
        messages.error(request, str(exc))


# -- evaluation -------------------------------------------------------------------------


@firm_staff_required
def evaluation(request, pk):
    engagement = get_engagement(request, pk)
    review = (OutcomeReview.objects.filter(engagement=engagement)
              .select_related("reviewer").first())
    which = request.POST.get("form") if request.method == "POST" else None
    acceptance_form = AcceptanceForm(request.POST if which == "acceptance" else None,
                                     engagement=engagement)
    if review is not None:
        review_initial = {"reviewer": review.reviewer_id, "reviewed_on": review.reviewed_on,
                          "conclusion": review.conclusion}
        rows = [{"objective": o.objective, "verdict": o.verdict, "evidence": o.evidence}
                for o in review.objectives.order_by("order", "pk")]
    else:
        review_initial = {"reviewer": request.user.pk, "reviewed_on": timezone.localdate()}
        rows = [{"objective": o} for o in selectors.review_objectives_suggested(engagement)]
    review_form = ReviewForm(request.POST if which == "review" else None,
                             initial=review_initial, firm=request.user.firm)
    formset = ObjectiveFormSet(request.POST if which == "review" else None,
                               initial=rows, prefix="objectives")
    back = reverse("feedback:evaluation", args=[engagement.pk])
    if which == "acceptance" and acceptance_form.is_valid():
        data = acceptance_form.cleaned_data
        try:
            services.acceptance_record(engagement=engagement, by=request.user, **data)
        except (ValidationError, Refusal) as exc:
            _refused(request, acceptance_form, exc)
        else:
            messages.success(request, _("The client's verdict is recorded."))
            return redirect(back + "#acceptance")
    elif which == "review" and review_form.is_valid() and formset.is_valid():
        data = review_form.cleaned_data
        try:
            services.review_save(engagement=engagement, by=request.user,
                                 objectives=[row for row in formset.cleaned_data if row], **data)
        except (ValidationError, Refusal) as exc:
            _refused(request, review_form, exc)
        else:
            messages.success(request, _("The review of the outcome is saved."))
            return redirect(back + "#review")
    return render(request, "feedback/evaluation.html", {
        "engagement": engagement,
        "acceptance": selectors.latest_acceptance(engagement),
        "review": review,
        "objectives": review.objectives.order_by("order", "pk") if review else [],
        "acceptance_form": acceptance_form, "review_form": review_form, "formset": formset,
        "requirements": engagement.requirements("evaluation"),
    })


# -- 9.1 to 9.4: follow-up guidance, visits, complaints ------------------------------------


@firm_staff_required
def follow_up(request, pk):
    engagement = get_engagement(request, pk)
    which = request.POST.get("form") if request.method == "POST" else None
    if which and engagement.has_passed(Stage.FOLLOW_UP):
        return frozen_response(request, engagement)
    today = timezone.localdate()
    guidance_form = FollowUpGuidanceForm(
        request.POST if which == "guidance" else None, firm=request.user.firm,
        initial={"given_on": today, "given_by": request.user.pk})
    visit_form = FollowUpVisitForm(
        request.POST if which == "visit" else None, firm=request.user.firm,
        initial={"visited_on": today, "visitors": [request.user.pk]})
    back = reverse("feedback:follow_up", args=[engagement.pk])
    form = {"guidance": guidance_form, "visit": visit_form}.get(which)
    if form is not None and form.is_valid():
        data = form.cleaned_data
        save = (services.follow_up_guidance_save if which == "guidance"
                else services.follow_up_visit_save)
        try:
            saved = save(engagement=engagement, by=request.user, **data)
        except (ValidationError, Refusal) as exc:
            _refused(request, form, exc)
        else:
            messages.success(request, _("Further technical guidance recorded (clause 9.1).")
                             if which == "guidance" else
                             _("The follow-up visit is recorded (clause 9.2)."))
            return redirect(back + f"#{which}-{saved.pk}")
    return render(request, "feedback/follow_up.html", {
        "engagement": engagement, "summary": selectors.follow_up_summary(engagement),
        "guidance": FollowUpGuidance.objects.filter(engagement=engagement)
        .select_related("given_by").order_by("-given_on", "-pk"),
        "visits": FollowUpVisit.objects.filter(engagement=engagement)
        .prefetch_related("visitors").order_by("-visited_on", "-pk"),
        "guidance_form": guidance_form, "visit_form": visit_form,
        "requirements": engagement.requirements("follow_up"),
        "frozen": engagement.has_passed(Stage.FOLLOW_UP),
    })


def _step_forms(complaint, user, *, bound=None, has_actions=True, causes=None):
    """The forms of the steps possible now: the next one, a revised answer while the
    complainant has not accepted, and escalation or (after an escalation) closing.
    ``bound``: a posted step form with its errors, shown in its step's place."""
    steps = []
    if complaint.next_step:
        steps.append(complaint.next_step)
    if complaint.status == Complaint.Status.RESPONDED:
        steps.append("respond")
    if complaint.status in Complaint.ESCALABLE:
        steps.append("escalate")
    if complaint.status == Complaint.Status.ESCALATED:
        steps.append("close")
    posted = bound.data.get("step") if bound is not None else None
    if posted in ComplaintStepForm.FIELDS and posted not in steps:
        steps.insert(0, posted)  # taken meanwhile: the input and why, kept
    show_waiver = (user.is_manager and not has_actions
                   and not complaint.no_action_reason.strip())
    forms_ = []
    for step in steps:
        label = services.STEP_LABELS.get(step, step)
        if step == "respond" and complaint.status == Complaint.Status.RESPONDED:
            label = _("give a revised answer")
        if bound is not None and bound.data.get("step") == step:
            step_form = bound
        else:
            step_form = ComplaintStepForm(initial={"step": step}, step=step,
                                          firm=complaint.firm_id, complaint=complaint,
                                          causes=causes,
                                          auto_id=f"id_c{complaint.pk}_{step}_%s")
        forms_.append({"step": step, "label": label, "form": step_form,
                       "fields": step_form.fields_for(step, manager=show_waiver)})
    return forms_


def _step_refused(form, exc):
    """A step's refusal on its form: a field's error on that field (a step's date on the
    form's date field), anything else as the form's error."""
    if isinstance(exc, ValidationError) and hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            if field in ComplaintStepForm.DATE_ARGUMENT.values():
                field = "on"
            form.add_error(field if field in form.fields else None, errors)
    elif isinstance(exc, ValidationError) and not isinstance(exc, Refusal):
        form.add_error(None, exc)
    else:
        add_refusal_to_form(form, exc)


def _run_step(request, complaint):
    """POST of a step form: the service runs it and ``None`` is returned, or the bound
    form comes back with the reason on it (a stale version, a date out of order, a
    missing text), the user's input kept."""
    step_form = ComplaintStepForm(request.POST, step=request.POST.get("step"),
                                  firm=complaint.firm_id, complaint=complaint,
                                  auto_id=f"id_c{complaint.pk}_{request.POST.get('step')}_%s")
    if not step_form.is_valid():
        return step_form
    step, kwargs = step_form.step_kwargs()
    try:
        with step_form.version_guard():
            STEP_SERVICES[step](complaint=complaint, by=request.user, **kwargs)
    except (ValidationError, Refusal) as exc:
        _step_refused(step_form, exc)
        return step_form
    complaint.refresh_from_db()
    messages.success(request, _("Complaint %(number)s: %(status)s.") % {
        "number": complaint.number, "status": complaint.get_status_display()})
    return None


STEP_SERVICES = {
    "acknowledge": services.complaint_acknowledge, "assess": services.complaint_assess,
    "investigate": services.complaint_investigate, "respond": services.complaint_respond,
    "close": services.complaint_close, "escalate": services.complaint_escalate,
}


@firm_staff_required
def complaints(request, pk):
    """9.4: the engagement's complaints (those the user may see), a form to register one,
    and the next step of each open complaint."""
    engagement = get_engagement(request, pk)
    visible = (selectors.complaints_visible_to(request.user).filter(engagement=engagement)
               .select_related("cause").annotate(action_count=Count("actions"))
               .order_by("-received_on", "-pk"))
    which = request.POST.get("form") if request.method == "POST" else None
    back = reverse("feedback:complaints", args=[engagement.pk])
    form = ComplaintForm(request.POST if which == "complaint" else None, engagement=engagement,
                         initial={"received_on": timezone.localdate()})
    bound, bound_pk = None, None
    if which == "complaint" and form.is_valid():
        try:
            complaint = services.complaint_receive(firm=engagement.firm, by=request.user,
                                                   engagement=engagement, **form.cleaned_data)
        except ValidationError as exc:
            _refused(request, form, exc)
        else:
            messages.success(request, _("Complaint %(number)s is registered (clause 9.4).") %
                             {"number": complaint.number})
            return redirect(back + f"#c{complaint.pk}")
    elif which == "step":
        complaint = get_object_or_404(visible, pk=posted_pk(request, "complaint"))
        bound = _run_step(request, complaint)
        if bound is None:
            return redirect(back + f"#c{complaint.pk}")
        bound_pk = complaint.pk
    today = timezone.localdate()
    causes = services.causes_for(engagement.firm_id)
    rows = [{"complaint": complaint, "overdue": complaint.is_overdue_on(today),
             "steps": _step_forms(complaint, request.user,
                                  bound=bound if complaint.pk == bound_pk else None,
                                  has_actions=complaint.action_count > 0, causes=causes)}
            for complaint in visible]
    return render(request, "feedback/complaints.html", {
        "engagement": engagement, "rows": rows, "form": form},
        status=400 if bound is not None or form.errors else 200)


# -- 9.5 the satisfaction survey --------------------------------------------------------


@firm_staff_required
def survey(request, pk):
    engagement = get_engagement(request, pk)
    if request.method == "POST":
        try:
            services.survey_send(engagement=engagement, by=request.user,
                                 base_url=request.build_absolute_uri("/"))
        except (ValidationError, Refusal) as exc:
            _refused(request, None, exc)
        else:
            messages.success(request, _("The satisfaction survey is sent."))
        return redirect("feedback:survey", engagement.pk)
    surveys = Survey.objects.filter(engagement=engagement)
    invitations = (SurveyInvitation.objects.filter(survey__engagement=engagement)
                   .select_related("contact", "survey").order_by("-survey__sent_at", "pk"))
    return render(request, "feedback/survey.html", {
        "engagement": engagement, "surveys": surveys, "invitations": invitations})


def _link_closed(request, exc):
    """The page of a link that cannot be answered: 404 for an unknown one, 410 for a used
    or expired one."""
    return refusal_response(request, exc, template="feedback/survey_closed.html",
                            status=404 if isinstance(exc, SurveyLinkInvalid) else 410)


def survey_answer(request, token):
    """Public: the one-time link of a client contact. A used or expired link answers 410,
    an unknown one 404; nothing is stored then."""
    try:
        link = selectors.survey_link(token)
    except SurveyLinkError as exc:
        return _link_closed(request, exc)
    errors = {}
    given = {}
    if request.method == "POST":
        given = survey_answers_posted(request.POST, link.questions)
        try:
            services.survey_answer(token=token, answers=given)
        except SurveyLinkError as exc:
            return _link_closed(request, exc)
        except ValidationError as exc:
            errors = survey_answer_errors(exc)
        else:
            return render(request, "feedback/survey_thanks.html", {"link": link})
    questions = survey_rows(link.questions, given, errors)
    return render(request, "feedback/survey_answer.html", {
        "link": link, "questions": questions, "form_error": errors.get("__all__", "")},
        status=400 if errors else 200)


# -- 9.4 the firm's complaint register ----------------------------------------------------


@firm_staff_required
def complaint_register(request):
    """9.4: every complaint the user may see (managers: all; consultants: those on their
    engagements), open and safety-related first, with the overdue ones flagged."""
    today = timezone.localdate()
    form = ComplaintFilterForm(request.GET or None)
    qs = form.filter(selectors.complaint_register(user=request.user)
                     .select_related("engagement__client", "contact__client"), today)
    page = Paginator(qs, 20).get_page(request.GET.get("page"))
    rows = [{"complaint": c, "overdue": c.is_overdue_on(today),
             "late_step": services.STEP_LABELS.get(c.next_step) if c.is_overdue_on(today)
             else None} for c in page.object_list]
    return render(request, "feedback/complaint_register.html", {
        "form": form, "page_obj": page, "rows": rows,
        "overdue_count": selectors.complaints_visible_to(request.user)
        .filter(status__in=list(Complaint.NEXT_STEP), due_on__lt=today).count(),
    })


@firm_staff_required
def complaint_receive(request):
    """9.4: enter a complaint in the register, about an engagement or about none."""
    form = GeneralComplaintForm(request.POST or None, user=request.user,
                                initial={"received_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            complaint = services.complaint_receive(firm=request.user.firm, by=request.user,
                                                   **form.cleaned_data)
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, _("Complaint %(number)s is registered (clause 9.4).") %
                             {"number": complaint.number})
            if selectors.complaints_visible_to(request.user).filter(pk=complaint.pk).exists():
                return redirect("feedback:complaint_detail", complaint.pk)
            return redirect("feedback:complaint_register")
    return render(request, "feedback/complaint_receive.html", {"form": form})


def _detail_forms(request, complaint, which):
    """The forms of the complaint page other than the steps: a new action and the
    manager's "no action needed"; the posted one bound."""
    post = request.POST if request.method == "POST" else None
    return {
        "action": ComplaintActionForm(post if which == "action" else None,
                                      firm=request.user.firm, prefix="action",
                                      initial={"owner": request.user.pk}),
        "no_action": NoActionForm(post if which == "no_action" else None, prefix="noaction"),
    }


def _action_forms(request, complaint, actions, which):
    """Each open action's "done" form and each done action's verification, with a prefix
    of its own; the posted one bound. Returns the posted form (or None)."""
    post = request.POST if request.method == "POST" else None
    posted_action = request.POST.get("action") if post is not None else None
    today = timezone.localdate()
    posted = None
    for action in actions:
        mine = posted_action == str(action.pk)
        action.done_form = action.verify_form = None
        if not action.is_done and complaint.is_open:
            action.done_form = ActionDoneForm(
                post if mine and which == "action_done" else None, prefix=f"done{action.pk}",
                initial={"done_on": today})
            if mine and which == "action_done":
                posted = action.done_form
        elif action.is_done and not action.is_verified:
            action.verify_form = ActionVerifyForm(
                post if mine and which == "action_verify" else None,
                prefix=f"verify{action.pk}", initial={"verified_on": today})
            if mine and which == "action_verify":
                posted = action.verify_form
    return posted


def _run_detail_form(request, complaint, which, forms_, posted_action_form):
    """POST of an action form or of the manager's "no action needed": the service runs
    it (True), or the form keeps the reason and the input (False)."""
    if which == "action":
        form = forms_["action"]
        call = lambda data: services.complaint_action_add(  # noqa: E731
            complaint=complaint, by=request.user, **data)
        done = _("The action is recorded (clause 9.4).")
    elif which == "no_action":
        form = forms_["no_action"]
        call = lambda data: services.complaint_no_action(  # noqa: E731
            complaint=complaint, by=request.user, **data)
        done = _("Recorded: no corrective action is needed.")
    else:
        form = posted_action_form
        if form is None:
            raise Http404
        action = get_object_or_404(ComplaintAction, complaint=complaint,
                                   pk=posted_pk(request, "action"))
        if which == "action_done":
            call = lambda data: services.complaint_action_done(  # noqa: E731
                action=action, by=request.user, **data)
            done = _("The action is recorded as done.")
        else:
            call = lambda data: services.complaint_action_verify(  # noqa: E731
                action=action, by=request.user, **data)
            done = _("The action's verification is recorded.")
    if not form.is_valid():
        return False
    try:
        call(form.cleaned_data)
    except ValidationError as exc:
        if isinstance(exc, Refusal):
            add_refusal_to_form(form, exc)
        else:
            apply_validation_error(form, exc)
        return False
    except Refusal as exc:
        add_refusal_to_form(form, exc)
        return False
    messages.success(request, done)
    return True


DETAIL_FORMS = ("action", "no_action", "action_done", "action_verify")


@firm_staff_required
def complaint_detail(request, pk):
    """9.4: one complaint: the limits it is held to, every step taken (who, when), the
    notices the complainant was sent, their replies, the corrective and preventive
    actions, and the forms of the next steps. Confidential: managers and the
    engagement's staff; anyone else gets a 404."""
    complaint = get_object_or_404(
        selectors.complaints_visible_to(request.user)
        .select_related("engagement__client", "contact__client", "received_by", "cause",
                        "limits_contract", "no_action_by"), pk=pk)
    which = request.POST.get("form", "step") if request.method == "POST" else None
    bound = None
    forms_ = _detail_forms(request, complaint, which)
    actions = list(complaint.actions.select_related("owner", "verified_by", "plan_version")
                   .order_by("due_on", "pk"))
    posted_action_form = _action_forms(request, complaint, actions, which)
    if which == "step":
        bound = _run_step(request, complaint)
        if bound is None:
            return redirect("feedback:complaint_detail", complaint.pk)
    elif which in DETAIL_FORMS:
        if _run_detail_form(request, complaint, which, forms_, posted_action_form):
            return redirect(reverse("feedback:complaint_detail", args=[complaint.pk])
                            + "#actions")
    today = timezone.localdate()
    failed = which is not None
    return render(request, "feedback/complaint_detail.html", {
        "c": complaint, "overdue": complaint.is_overdue_on(today),
        "late_step": services.STEP_LABELS.get(complaint.next_step),
        "steps_taken": complaint.steps.select_related("by").order_by("at", "pk"),
        "step_forms": _step_forms(complaint, request.user, bound=bound,
                                  has_actions=bool(actions)),
        "clause": selectors.complaint_clause(complaint),
        "actions": actions, "today": today, "forms": forms_,
        "notices": complaint.notices.order_by("created_at", "pk"),
        "replies": complaint.replies.select_related("contact").order_by("at", "pk"),
        "current_reply": selectors.reply_to_current_answer(complaint),
    }, status=400 if failed else 200)


# -- reminders ----------------------------------------------------------------------------


@firm_staff_required
@require_POST
def reminder_read(request, pk):
    """Mark one of the user's own reminders read; another user's is a 404."""
    reminder = get_object_or_404(Reminder, pk=pk, firm_id=request.user.firm_id,
                                 user=request.user)
    services.reminder_mark_read(reminder=reminder, by=request.user)
    if request.htmx:
        return HttpResponse("")
    return redirect("home")


# -- 9.1 and 9.2: changing a record while the engagement is not closed ----------------------


def _follow_up_record_edit(request, pk, record_pk, *, model, form_class, template_kind):
    engagement = get_engagement(request, pk)
    qs = model.objects.filter(engagement=engagement)
    if model is FollowUpVisit:
        qs = qs.prefetch_related("visitors")
    record = get_object_or_404(qs, pk=record_pk)
    frozen = record.is_frozen
    if frozen and request.method == "POST":
        return frozen_response(request, engagement, record)
    if model is FollowUpVisit:
        initial = {"visited_on": record.visited_on, "visitors": list(record.visitors.all()),
                   "client_participants": record.client_participants,
                   "discussed": record.discussed,
                   "plan_needs_adjusting": {True: "yes", False: "no"}.get(
                       record.plan_needs_adjusting),
                   "adjustment_notes": record.adjustment_notes,
                   "site_changes": record.site_changes}
        save, arg = services.follow_up_visit_save, "visit"
        done = _("The follow-up visit is saved (clause 9.2).")
    else:
        initial = {"given_on": record.given_on, "given_by": record.given_by_id,
                   "channel": record.channel, "topic": record.topic, "advice": record.advice}
        save, arg = services.follow_up_guidance_save, "guidance"
        done = _("The guidance record is saved (clause 9.1).")
    form = form_class(request.POST or None, initial=initial, firm=request.user.firm,
                      versioned=record)
    if request.method == "POST" and form.is_valid():
        try:
            with form.version_guard():
                save(engagement=engagement, by=request.user, **{arg: record},
                     **form.cleaned_data)
        except FrozenRecord as exc:
            return frozen_response(request, engagement, record, exc)
        except StaleEdit as exc:
            add_refusal_to_form(form, exc)
        except (ValidationError, Refusal) as exc:
            _refused(request, form, exc)
        else:
            messages.success(request, done)
            return redirect(reverse("feedback:follow_up", args=[engagement.pk])
                            + f"#{template_kind}-{record.pk}")
    if frozen:
        for field in form.fields.values():
            field.disabled = True
    return render(request, "feedback/follow_up_edit.html", {
        "engagement": engagement, "record": record, "form": form, "frozen": frozen,
        "kind": template_kind})


@firm_staff_required
def guidance_edit(request, pk, record_pk):
    return _follow_up_record_edit(request, pk, record_pk, model=FollowUpGuidance,
                                  form_class=FollowUpGuidanceForm, template_kind="guidance")


@firm_staff_required
def visit_edit(request, pk, record_pk):
    return _follow_up_record_edit(request, pk, record_pk, model=FollowUpVisit,
                                  form_class=FollowUpVisitForm, template_kind="visit")
