"""The client portal: what a client contact sees of their company's engagements,
and the few acts the standard asks of the client.

Reads answer GET/HEAD only (``require_safe``): any other method is a 405 and writes
nothing. Client acts answer POST only, each a single confirm step that calls the same
service the firm's staff use (so gates and audit rows stay identical), with the contact
as the one who did it. An act on something that no longer awaits the client is refused
with a message. Everything another company's or another firm's is a 404; staff opening
the portal are sent home by the middleware.
"""

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from consultancy.activity.selectors import timeline
from consultancy.documents.serving import private_file_response
from consultancy.formats import show_date
from consultancy.notifications.service import render as render_notice
from consultancy.refusals import Refusal
from consultancy.tenancy.mixins import apply_validation_error
from consultancy.tenancy.pagecache import cached_page
from consultancy.tenancy.versioning import FINGERPRINT_FIELD
from contracts.models import Contract
from delivery import risk
from delivery import selectors as delivery_selectors
from delivery import services as delivery_services
from delivery.models import ConsultingPlan, DocumentDelivery, RiskItem
from engagements import services as engagement_services
from engagements.models import ProjectFramework
from engagements.pages import SectionPage, process_steps, share_firm
from engagements.stages import ENDED, Stage
from feedback import selectors as feedback_selectors
from feedback import services as feedback_services
from feedback.errors import SurveyLinkError
from feedback.forms import survey_answer_errors, survey_answers_posted, survey_rows
from feedback.models import Complaint, FollowUpVisit, SurveyInvitation
from feedback.notices import complainant_notice_context
from feedback.selectors import latest_acceptance
from hazards import selectors as hazard_selectors

from . import selectors
from .forms import AcceptanceForm, ComplaintForm, ComplaintReplyForm

PAGE_SIZE = 20
# a pk no engagement has, replaced in the reversed URL by each row's
URL_MARK = 987654321987

# What the firm is doing in each stage, as the client reads it (Figure 1).
DOING_NOW = {
    Stage.NEEDS_ANALYSIS: gettext_lazy("The firm is analysing your needs (clause 5)."),
    Stage.COMMUNICATION: gettext_lazy(
        "The firm is agreeing the project framework with you (clause 6)."),
    Stage.CONTRACTING: gettext_lazy("The written contract is being concluded (clause 7)."),
    Stage.DELIVERY: gettext_lazy("The firm is providing the consulting service (clause 8)."),
    Stage.EVALUATION: gettext_lazy("The results are handed over and being evaluated."),
    Stage.FOLLOW_UP: gettext_lazy("The firm follows up after delivery (clause 9)."),
    Stage.CLOSED: gettext_lazy("The engagement is closed."),
    Stage.DECLINED: gettext_lazy("The engagement was declined."),
    Stage.TERMINATED: gettext_lazy("The engagement was terminated."),
}


def portal_view(view):
    """A logged-in client contact only (their ``ClientContact`` passed on); else 404.
    ``cached_page`` goes outside it: a page is kept only once this passed for the user,
    and a change of the contact (a write of the firm) renews it."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        contact = selectors.contact_for(request.user)
        return view(request, contact, *args, **kwargs)

    return wrapper


def _refused(request, engagement, message, tab="overview"):
    messages.error(request, message)
    return redirect(engagement_url(engagement.pk, tab))


def _fingerprint(request):
    """The fingerprint of the content the client's page showed (None from a page that
    carries none)."""
    return request.POST.get(FINGERPRINT_FIELD) or None


def _message_of(exc) -> str:
    if isinstance(exc, ValidationError):
        return " ".join(exc.messages)
    return str(exc)


# -- home ------------------------------------------------------------------------------


@require_safe
@login_required
@cached_page
def portal_home(request):
    """The company's engagements, each on Figure 1, with what awaits the client. A portal
    login not linked to an active contact sees only a word on what to do."""
    try:
        contact = selectors.contact_for(request.user)
    except Http404:
        if not request.user.is_client_contact:
            raise
        return render(request, "portal/unlinked.html")
    show = request.GET.get("show", "active")
    qs = selectors.engagements_for(contact).select_related("lead_consultant")
    if show == "ended":
        qs = qs.filter(stage__in=ENDED)
    elif show != "all":
        show = "active"
        qs = qs.exclude(stage__in=ENDED)
    page = Paginator(qs.order_by("-created_at", "-pk"), PAGE_SIZE).get_page(request.GET.get("page"))
    engagements = list(page.object_list)
    awaiting = selectors.awaiting_for(contact, engagements)
    progress = selectors.latest_progress([e.pk for e in engagements])
    # Each engagement's URL reversed once (not per link), and Figure 1 rendered once per
    # distinct state of its steps, not per engagement (docs/performance.md).
    prefix, _pk, suffix = reverse("portal:engagement", args=[URL_MARK]).rpartition(str(URL_MARK))
    figures = {}

    def figure(e):
        steps = process_steps(e)
        key = tuple(step["state"] for step in steps)
        if key not in figures:
            figures[key] = render_to_string("engagements/_process.html", {"steps": steps},
                                            request=request)
        return figures[key]

    rows = [{"e": e, "url": f"{prefix}{e.pk}{suffix}", "figure": figure(e),
             "doing": str(DOING_NOW[e.stage]),
             "awaiting": awaiting[e.pk], "progress": progress.get(e.pk)} for e in engagements]
    open_surveys = [i for a in awaiting.values() for i in a.surveys]
    hazard_stats = hazard_selectors.client_statistics(
        selectors.engagements_for(contact), **hazard_selectors.statistics_options(request))
    return render(request, "portal/home.html", {
        "contact": contact, "rows": rows, "page": page, "show": show,
        "awaiting_total": sum(a.count for a in awaiting.values()),
        "open_surveys": open_surveys, "hazard_stats": hazard_stats,
    })


# -- one engagement --------------------------------------------------------------------


# The engagement's page is split into tabs, each its own URL (a real link, phone-friendly),
# so that each reads only its own sections: within the 12-query budget whatever the number
# of records. Every tab is scoped like the others (another firm's or company's -> 404).
# What each tab shows, by the anchors links elsewhere use:
#   overview  #framework #contract #plan #acceptance (what awaits the client's confirmation)
#   progress  #team #progress, and the activity shared with the client
#   documents #documents
#   risks     #risks #hazards
#   follow_up #visits #complaints
TABS = [
    ("overview", "portal:engagement", gettext_lazy("Overview")),
    ("progress", "portal:engagement_progress", gettext_lazy("Progress")),
    ("documents", "portal:engagement_documents", gettext_lazy("Documents")),
    ("risks", "portal:engagement_risks", gettext_lazy("Risks and hidden dangers")),
    ("follow_up", "portal:engagement_follow_up", gettext_lazy("Follow-up and complaints")),
]
TAB_URL = {key: name for key, name, _label in TABS}


def engagement_url(engagement_pk, tab="overview", anchor=""):
    """The portal URL of the tab of an engagement showing a section (``anchor``)."""
    return reverse(TAB_URL[tab], args=[engagement_pk]) + anchor


def _overview(request, engagement, awaiting):
    if awaiting.framework is not None and awaiting.framework.shown_to_client_at is None:
        # 6.4: the version on this page is the one the client has seen: not edited again.
        engagement_services.framework_shown_to_client(framework=awaiting.framework,
                                                      by=request.user)
    # The client's verdict on the results: read with what awaits them in evaluation; none
    # before the hand-over; asked for after it (follow-up, closed, ended).
    if engagement.stage == Stage.EVALUATION:
        acceptance = awaiting.latest_acceptance
    elif engagement.has_passed(Stage.DELIVERY):
        acceptance = latest_acceptance(engagement)
    else:
        acceptance = None
    return {
        "frameworks": selectors.frameworks_shown(engagement),
        "contracts": selectors.contracts_shown(engagement),
        "plans": selectors.plans_shown(engagement),
        "acceptance": acceptance,
        "acceptance_form": AcceptanceForm() if awaiting.acceptance else None,
        "results_fingerprint": feedback_services.results_fingerprint(engagement)
        if awaiting.acceptance else "",
    }


def _progress(request, engagement, awaiting):
    return {
        "team": delivery_selectors.team_with_certificates(engagement),
        "progress": SectionPage(request, selectors.progress_shown(engagement), "progress_page",
                                anchor="progress"),
        # What the client did and what was shared with them.
        "activity": timeline(request, firm_id=engagement.firm_id, engagement_id=engagement.pk,
                             client_visible_only=True),
    }


def _documents(request, engagement, awaiting):
    return {"deliveries": SectionPage(request, selectors.deliveries_shown(engagement), "docs",
                                      per_page=50, anchor="documents")}


def _risks(request, engagement, awaiting):
    counts = delivery_selectors.risk_counts(engagement)
    # Each list: its first SECTION_SIZE rows and a link to the rest, one query each.
    risks = SectionPage(request, RiskItem.objects.filter(engagement=engagement)
                        .select_related("unit").order_by("-score", "pk"), "risks_page",
                        anchor="risks")
    for item in risks:
        item.level_label = risk.LEVEL_SHORT[item.level]()
        item.text_colour = risk.LEVEL_TEXT[item.level]
    return {
        "risks": risks, "levels": risk.level_rows(counts),
        "chart": mark_safe(risk.risk_chart_svg(counts)),  # built from escaped parts
        "hazards": SectionPage(request, hazard_selectors.client_ledger(engagement),
                               "hazards_page", anchor="hazards"),
        "hazard_stats": hazard_selectors.client_statistics([engagement.pk]),
    }


def _follow_up(request, engagement, awaiting):
    return {
        "visits": SectionPage(request, FollowUpVisit.objects.filter(engagement=engagement)
                              .order_by("-visited_on", "-pk"), "visits_page", anchor="visits"),
        "complaints": SectionPage(request, Complaint.objects.filter(engagement=engagement)
                                  .order_by("-received_on", "-pk"), "complaints_page",
                                  anchor="complaints"),
    }


TAB_CONTENT = {"overview": _overview, "progress": _progress, "documents": _documents, "risks": _risks,
               "follow_up": _follow_up}


def _engagement_tab(request, contact, pk, tab):
    engagement = selectors.engagement_for(contact, pk)
    awaiting = selectors.awaiting_for(contact, [engagement])[engagement.pk]
    share_firm(request.user, engagement)
    context = TAB_CONTENT[tab](request, engagement, awaiting)
    return render(request, "portal/engagement.html", {
        "contact": contact, "engagement": engagement, "steps": process_steps(engagement),
        "doing": str(DOING_NOW[engagement.stage]), "awaiting": awaiting, "tab": tab,
        "tabs": [{"key": key, "url": reverse(name, args=[engagement.pk]), "label": label}
                 for key, name, label in TABS],
        "today": timezone.localdate(), **context,
    })


@require_safe
@cached_page
@portal_view
def engagement_detail(request, contact, pk):
    """The overview: the stage, and the framework, contract, plan and evaluation (what
    awaits the client's confirmation)."""
    return _engagement_tab(request, contact, pk, "overview")


@require_safe
@cached_page
@portal_view
def engagement_progress(request, contact, pk):
    """8.2 the working group, 8.4 the progress reports, and the activity shared."""
    return _engagement_tab(request, contact, pk, "progress")


@require_safe
@cached_page
@portal_view
def engagement_documents(request, contact, pk):
    """8.5: the delivered documents, each to acknowledge (8.5.2)."""
    return _engagement_tab(request, contact, pk, "documents")


@require_safe
@cached_page
@portal_view
def engagement_risks(request, contact, pk):
    """8.4: the risk identification register and the hidden dangers to rectify."""
    return _engagement_tab(request, contact, pk, "risks")


@require_safe
@cached_page
@portal_view
def engagement_follow_up(request, contact, pk):
    """9.2 follow-up visits and 9.4 complaints about this engagement."""
    return _engagement_tab(request, contact, pk, "follow_up")


# -- downloads (the firm and the company checked first) ---------------------------------


@require_safe
@portal_view
def contract_pdf(request, contact, pk, contract_pk):
    """Clause 7: the contract (or an amendment) as issued, the PDF whose SHA-256 is shown."""
    engagement = selectors.engagement_for(contact, pk)
    contract = get_object_or_404(Contract.objects.exclude(status=Contract.Status.DRAFT)
                                 .select_related("issued_pdf"),
                                 pk=contract_pk, engagement=engagement, firm_id=contact.firm_id)
    document = contract.issued_pdf
    if document is None or not document.is_ready:
        raise Http404
    return private_file_response(document.file, filename=document.download_filename)


@require_safe
@portal_view
def contract_signed_copy(request, contact, pk, contract_pk):
    engagement = selectors.engagement_for(contact, pk)
    contract = get_object_or_404(Contract, pk=contract_pk, engagement=engagement,
                                 firm_id=contact.firm_id,
                                 status__in=[Contract.Status.SIGNED, Contract.Status.TERMINATED])
    return private_file_response(contract.signed_copy)


@require_safe
@portal_view
def plan_pdf(request, contact, pk, plan_pk):
    """8.3.1: a plan version as issued in writing."""
    engagement = selectors.engagement_for(contact, pk)
    plan = get_object_or_404(ConsultingPlan.objects.select_related("issued_pdf"), pk=plan_pk,
                             engagement=engagement, firm_id=contact.firm_id,
                             issued_pdf__isnull=False)
    if not plan.issued_pdf.is_ready:
        raise Http404
    return private_file_response(plan.issued_pdf.file,
                                 filename=plan.issued_pdf.download_filename)


@require_safe
@portal_view
def delivery_file(request, contact, pk, delivery_pk):
    """8.5.2: a delivered document version (only delivered versions are ever served)."""
    engagement = selectors.engagement_for(contact, pk)
    delivery = get_object_or_404(DocumentDelivery.objects.select_related("version"), pk=delivery_pk,
                                 engagement=engagement, firm_id=contact.firm_id)
    return private_file_response(delivery.version.file)


# -- client acts (POST only, one confirm step each) --------------------------------------


@require_POST
@portal_view
def framework_confirm(request, contact, pk, framework_pk):
    """6.4: the contact confirms exactly this framework version."""
    engagement = selectors.engagement_for(contact, pk)
    framework = get_object_or_404(ProjectFramework, pk=framework_pk, engagement=engagement,
                                  firm_id=contact.firm_id)
    if engagement.stage != Stage.COMMUNICATION:
        return _refused(request, engagement, _("The framework no longer awaits your "
                                               "confirmation."))
    try:
        engagement_services.framework_confirm(framework=framework, contact=contact,
                                              confirmed_on=timezone.localdate(),
                                              by=request.user,
                                              fingerprint=_fingerprint(request))
    except (ValidationError, Refusal) as exc:
        return _refused(request, engagement, _("This framework version no longer awaits your "
                                               "confirmation: %(why)s") %
                        {"why": _message_of(exc)})
    messages.success(request, _("You confirmed version %(v)s of the project framework (6.4).")
                     % {"v": framework.version})
    return redirect("portal:engagement", engagement.pk)


@require_POST
@portal_view
def plan_confirm(request, contact, pk, plan_pk):
    """8.3.1: the contact confirms exactly this plan version (not a later one)."""
    engagement = selectors.engagement_for(contact, pk)
    plan = get_object_or_404(ConsultingPlan, pk=plan_pk, engagement=engagement,
                             firm_id=contact.firm_id, issued_pdf__isnull=False)
    try:
        delivery_services.plan_confirm(plan=plan, contact=contact,
                                       confirmed_on=timezone.localdate(), by=request.user,
                                       fingerprint=_fingerprint(request))
    except (ValidationError, Refusal) as exc:
        return _refused(request, engagement, _("Version %(v)s of the plan no longer awaits "
                                               "your confirmation: %(why)s") %
                        {"v": plan.version, "why": _message_of(exc)})
    messages.success(request, _("You confirmed version %(v)s of the consulting plan (8.3.1).")
                     % {"v": plan.version})
    return redirect("portal:engagement", engagement.pk)


@require_POST
@portal_view
def delivery_acknowledge(request, contact, pk, delivery_pk):
    """8.5.2: the contact acknowledges receipt of a delivered document."""
    engagement = selectors.engagement_for(contact, pk)
    delivery = get_object_or_404(DocumentDelivery, pk=delivery_pk, engagement=engagement,
                                 firm_id=contact.firm_id)
    try:
        delivery_services.delivery_acknowledge(delivery=delivery, contact=contact,
                                               acknowledged_on=timezone.localdate(),
                                               by=request.user,
                                               fingerprint=_fingerprint(request))
    except (ValidationError, Refusal) as exc:
        return _refused(request, engagement, _("This document no longer awaits your "
                                               "acknowledgement: %(why)s") %
                        {"why": _message_of(exc)}, tab="documents")
    messages.success(request, _("You acknowledged receipt of the document (8.5.2)."))
    return redirect(engagement_url(engagement.pk, "documents", "#documents"))


@require_POST
@portal_view
def acceptance(request, contact, pk):
    """Evaluation: the contact's verdict on the delivered results."""
    engagement = selectors.engagement_for(contact, pk)
    if not selectors.awaiting_for(contact, [engagement])[engagement.pk].acceptance:
        return _refused(request, engagement, _("The results no longer await your verdict."))
    form = AcceptanceForm(request.POST)
    if not form.is_valid():
        errors = "; ".join(str(e) for errs in form.errors.values() for e in errs)
        return _refused(request, engagement, _("Your verdict was not recorded: %(why)s") %
                        {"why": errors})
    try:
        feedback_services.acceptance_record(
            engagement=engagement, by=request.user, contact=contact,
            accepted_on=timezone.localdate(), verdict=form.cleaned_data["verdict"],
            reasons=form.cleaned_data["reasons"], fingerprint=_fingerprint(request))
    except (ValidationError, Refusal) as exc:
        return _refused(request, engagement, _("Your verdict was not recorded: %(why)s") %
                        {"why": _message_of(exc)})
    messages.success(request, _("Your verdict on the results is recorded."))
    return redirect("portal:engagement", engagement.pk)


# -- 9.5 the satisfaction survey ---------------------------------------------------------


@require_http_methods(["GET", "HEAD", "POST"])
@portal_view
def survey(request, contact, pk):
    """9.5: the contact's own open survey invitation, answered while logged in."""
    invitation = get_object_or_404(
        SurveyInvitation.objects.select_related("survey__engagement"), pk=pk,
        firm_id=contact.firm_id, contact=contact)
    engagement = selectors.engagement_for(contact, invitation.survey.engagement_id)
    if invitation.is_used or invitation.is_expired:
        messages.info(request, _("This survey no longer awaits your answers."))
        return redirect("portal:engagement", engagement.pk)
    questions = list(invitation.survey.questions.order_by("order", "pk"))
    errors, given = {}, {}
    if request.method == "POST":
        given = survey_answers_posted(request.POST, questions)
        try:
            feedback_services.survey_answer_by_contact(invitation=invitation, by=request.user,
                                                       answers=given)
        except SurveyLinkError as exc:
            return _refused(request, engagement, str(exc))
        except ValidationError as exc:
            errors = survey_answer_errors(exc)
        else:
            messages.success(request, _("Thank you: your answers to the satisfaction survey "
                                        "are recorded (9.5)."))
            return redirect("portal:engagement", engagement.pk)
    rows = survey_rows(questions, given, errors)
    return render(request, "portal/survey.html", {
        "contact": contact, "engagement": engagement, "invitation": invitation,
        "questions": rows, "form_error": errors.get("__all__", "")},
        status=400 if errors else 200)


# -- 9.4 complaints --------------------------------------------------------------------


@require_safe
@portal_view
def complaint_list(request, contact):
    qs = selectors.complaints_of(contact)
    state = request.GET.get("state", "")
    if state == "open":
        qs = qs.exclude(status=Complaint.Status.CLOSED)
    elif state == "closed":
        qs = qs.filter(status=Complaint.Status.CLOSED)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "portal/complaints.html", {"contact": contact, "page": page,
                                                      "state": state})


@require_http_methods(["GET", "HEAD", "POST"])
@portal_view
def complaint_new(request, contact):
    """9.4: file a complaint, about an engagement or in general."""
    engagements = selectors.engagements_for(contact).order_by("-created_at", "-pk")
    initial = {}
    if request.GET.get("engagement", "").isdigit():
        initial["engagement"] = engagements.filter(pk=request.GET["engagement"]).first()
    form = ComplaintForm(request.POST or None, engagements=engagements,
                         initial={**initial, "phone_or_email": contact.phone or contact.email})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            complaint = feedback_services.complaint_receive(
                firm=contact.firm, by=request.user, received_on=timezone.localdate(),
                channel=Complaint.Channel.PORTAL, complainant_name=contact.name,
                complainant_contact=data["phone_or_email"], contact=contact,
                engagement=data["engagement"], description=data["description"],
                remedy_sought=data["remedy_sought"], safety_related=data["safety_related"])
        except (ValidationError, Refusal) as exc:
            form.add_error(None, _message_of(exc))
        else:
            messages.success(request, _("Your complaint %(number)s is filed. The firm "
                                        "acknowledges it by %(due)s.") % {
                "number": complaint.number,
                "due": show_date(complaint.due_on) or "-"})
            return redirect("portal:complaint", complaint.pk)
    return render(request, "portal/complaint_form.html", {"contact": contact, "form": form},
                  status=400 if form.errors else 200)


def _complaint_page(request, contact, complaint, reply_form=None, status=200):
    """9.4: the complaint as the complainant sees it: its steps, the notices the firm sent
    them (in the reader's language), their replies, and, while the written answer awaits
    them, the form to accept it (or not) and rate the handling."""
    steps = list(complaint.steps.order_by("at", "pk"))
    notices = []
    for notice in complaint.notices.order_by("created_at", "pk"):
        notice.complaint = complaint
        subject, body = render_notice(notice.notification_kind,
                                      {**complainant_notice_context(notice), "firm": complaint.firm})
        notices.append({"notice": notice, "subject": subject, "body": body})
    replies = list(complaint.replies.order_by("at", "pk"))
    awaiting = (complaint.status == Complaint.Status.RESPONDED
                and complaint.contact_id == contact.pk
                and feedback_selectors.reply_to_current_answer(complaint) is None)
    if awaiting and reply_form is None:
        reply_form = ComplaintReplyForm()
    return render(request, "portal/complaint.html", {
        "contact": contact, "complaint": complaint, "steps": steps, "notices": notices,
        "replies": replies, "reply_form": reply_form if awaiting else None,
        "answer_fingerprint": feedback_selectors.answer_fingerprint(complaint)
        if awaiting else ""}, status=status)


def _complaint_of(contact, pk):
    return get_object_or_404(selectors.complaints_of(contact).select_related(
        "firm", "limits_contract", "contact__user"), pk=pk)


@require_safe
@portal_view
def complaint_detail(request, contact, pk):
    return _complaint_page(request, contact, _complaint_of(contact, pk))


@require_POST
@portal_view
def complaint_reply(request, contact, pk):
    """9.4: the complainant accepts the written answer or not, and rates the handling:
    their own act, bound to the answer on their screen."""
    complaint = _complaint_of(contact, pk)
    form = ComplaintReplyForm(request.POST)
    if not form.is_valid():
        return _complaint_page(request, contact, complaint, form, status=400)
    data = form.cleaned_data
    try:
        feedback_services.complaint_reply(
            complaint=complaint, by=request.user, accepts=data["accepts"],
            handling_rating=data["handling_rating"], comment=data["comment"],
            fingerprint=_fingerprint(request))
    except ValidationError as exc:
        if isinstance(exc, Refusal):
            messages.error(request, _("Your reply was not recorded: %(why)s") %
                           {"why": _message_of(exc)})
            return redirect("portal:complaint", complaint.pk)
        apply_validation_error(form, exc)
        return _complaint_page(request, contact, complaint, form, status=400)
    except Refusal as exc:
        messages.error(request, _("Your reply was not recorded: %(why)s") %
                       {"why": _message_of(exc)})
        return redirect("portal:complaint", complaint.pk)
    messages.success(request, _("Thank you: your reply to the answer is recorded (9.4)."))
    return redirect("portal:complaint", complaint.pk)
