"""The manager's pages: thin; reads come from ``selectors``, changes go through the clause
apps' services."""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from consultancy.documents.charts import Bar, Series, bar_chart, hbar_chart, line_chart
from consultancy.tenancy.mixins import apply_validation_error, firm_staff_required, manager_required
from consultancy.tenancy.pagecache import cached_page
from delivery import services as delivery_services
from delivery.services import risk_settings_for
from engagements import selectors as engagement_selectors
from engagements.forms import EngagementFilterForm
from engagements.pages import get_engagement
from engagements.stages import ACTIVE
from feedback import services as feedback_services
from feedback.selectors import complaint_register, feedback_settings_for

from . import exports, notices, selectors
from .forms import FeedbackSettingsForm, RiskThresholdsForm
from .pdf import may_see_dossier, request_dossier

FORMATS = ("csv", "xlsx")


def _charts(pipeline, trend, complaints):
    active = [row for row in pipeline if row.stage in ACTIVE]
    return {
        # every chart is built from escaped parts (consultancy.documents.charts)
        "pipeline_chart": mark_safe(bar_chart(
            [Bar(row.label, row.count) for row in active],
            title=_("Engagements by stage"), empty_text=_("No engagements yet"))),
        "value_chart": mark_safe(hbar_chart(
            [Bar(row.label, row.value) for row in active],
            title=_("Contract value by stage (CNY)"), empty_text=_("No contract value yet"))),
        "trend_chart": mark_safe(line_chart(
            [q.label for q in trend],
            [Series(_("Overall satisfaction"), [q.average for q in trend])],
            title=_("Overall satisfaction per quarter (1–5)"), minimum=1, maximum=5,
            empty_text=_("No survey answers in the last eight quarters"))),
        "complaints_chart": mark_safe(hbar_chart(
            [Bar(label, n) for _value, label, n in complaints],
            title=_("Complaints by status"), empty_text=_("No complaints"))),
    }


# The dashboard's lists that grow with the firm, each paged by its own query parameter.
SECTIONS = ("visits", "complaints", "progress", "qualifications")


def _section_links(request, name, section):
    """The previous and next pages' URLs of section ``name`` (the other sections' pages
    kept), or None."""
    def url(number):
        query = request.GET.copy()
        query[name] = number
        return f"?{query.urlencode()}#{name}-section"

    section.previous_url = url(section.page - 1) if section.has_previous else None
    section.next_url = url(section.page + 1) if section.has_next else None
    return section


@manager_required
@cached_page
def dashboard(request):
    firm = request.user.firm
    page = {name: selectors.page_number(request.GET.get(name)) for name in SECTIONS}
    pipeline = selectors.pipeline(firm)
    trend = selectors.satisfaction_trend(firm)
    complaints = selectors.complaints_by_status(firm)
    qualifications = selectors.qualifications_due(firm, page=page["qualifications"])
    sections = {
        "visits": selectors.overdue_visits(firm, page=page["visits"]),
        "complaints": selectors.overdue_complaint_steps(firm, page=page["complaints"]),
        "progress": selectors.overdue_progress_reports(firm, page=page["progress"]),
        "qualifications": qualifications["section"],
    }
    for name, section in sections.items():
        _section_links(request, name, section)
    ctx = {
        "pipeline": pipeline,
        "pipeline_active": [r for r in pipeline if r.stage in ACTIVE],
        "pipeline_ended": [r for r in pipeline if r.stage not in ACTIVE],
        "active_count": sum(r.count for r in pipeline if r.stage in ACTIVE),
        "active_value": sum(r.value for r in pipeline if r.stage in ACTIVE),
        "stuck": selectors.stuck(firm),
        "overdue_visits": sections["visits"].rows,
        "overdue_complaints": sections["complaints"].rows,
        "overdue_progress": sections["progress"].rows,
        "sections": sections,
        "progress_days": selectors.PROGRESS_REPORT_DAYS,
        "trend": trend,
        "complaints": complaints,
        "open_complaints": sum(n for value, _label, n in complaints if value != "closed"),
        "expired": qualifications["expired"],
        "expiring": qualifications["expiring"],
        "warning_days": selectors.QUALIFICATION_WARNING_DAYS,
        # the export's choices that need no query; by client or consultant, from the
        # engagement list's filters (its export keeps them)
        "filter_form": EngagementFilterForm(firm=firm),
        "failed_notices": notices.failure_count(firm),
        **_charts(pipeline, trend, complaints),
    }
    ctx["overdue_total"] = sum(sections[name].total
                               for name in ("visits", "complaints", "progress"))
    return render(request, "dashboard/dashboard.html", ctx)


# -- notices that failed -------------------------------------------------------------------


@manager_required
def notice_failures(request):
    """The firm's notices that did not reach someone, with the address, the error and the
    number of attempts, and its background jobs that gave up (the last 30 days)."""
    firm = request.user.firm
    page = Paginator(notices.failed_deliveries(firm).select_related("user"), 25).get_page(
        request.GET.get("page"))
    for delivery in page.object_list:
        delivery.label = notices.notice_label(delivery.kind)
    jobs = list(notices.failed_jobs(firm)[:50])
    for job in jobs:
        job.label = notices.task_label(job.task)
    return render(request, "dashboard/notices.html", {
        "page_obj": page, "deliveries": page.object_list, "jobs": jobs,
        "days": notices.RECENT_DAYS})


# -- exports ------------------------------------------------------------------------------


@manager_required
def export_engagements(request, fmt):
    """The engagement list with the list page's filters, as CSV or Excel."""
    if fmt not in FORMATS:
        raise Http404
    form = EngagementFilterForm(request.GET or None, firm=request.user.firm)
    queryset = form.filter(engagement_selectors.engagement_list(user=request.user))
    return exports.respond(exports.engagement_table(queryset), fmt)


@manager_required
def export_complaints(request, fmt):
    """The complaint register (9.4), as CSV or Excel; ``?open=1`` for open ones only."""
    if fmt not in FORMATS:
        raise Http404
    queryset = complaint_register(user=request.user, open_only=request.GET.get("open") == "1")
    return exports.respond(exports.complaint_table(queryset), fmt)


# -- the engagement dossier ----------------------------------------------------------------


@firm_staff_required
@require_POST
def dossier_request(request, pk):
    """Ask for the engagement's dossier PDF; answers the status fragment (htmx) or goes
    back to the engagement page."""
    engagement = get_engagement(request, pk)
    if not may_see_dossier(request.user, engagement):
        raise Http404
    documents = request_dossier(engagement, by=request.user)
    for document in documents:
        document.refresh_from_db()  # an eager task may already have rendered it
    if len(documents) > 1:
        text = _("This engagement has too many records for one dossier file (the limit is "
                 "%(limit)s records). You get it in %(count)s volumes instead, one per group "
                 "of clauses (5–6, 7, 8, evaluation and 9, then the stage history and the "
                 "activity log); each appears on this page when it is ready.") % {
                     "limit": settings.DOSSIER_VOLUME_RECORDS, "count": len(documents)}
    else:
        text = _("The dossier is being generated; it appears on this page when it is ready.")
    if request.htmx:
        return render(request, "dashboard/_dossier_status.html",
                      {"documents": documents, "notice": text if len(documents) > 1 else ""})
    messages.info(request, text)
    return redirect(engagement.get_absolute_url() + "#dossier-panel")


# -- the firm's settings -------------------------------------------------------------------


@manager_required
def firm_settings(request):
    firm = request.user.firm
    current = feedback_settings_for(firm)
    form = FeedbackSettingsForm(request.POST or None, instance=current)
    if request.method == "POST" and form.is_valid():
        try:
            with form.version_guard():
                feedback_services.feedback_settings_update(firm=firm, by=request.user,
                                                           **form.cleaned_data)
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, _("Complaint time limits and survey settings saved "
                                        "(clauses 9.4 and 9.5)."))
            return redirect("dashboard:settings")
    return _settings_page(request, form=form, risk_form=RiskThresholdsForm(
        instance=risk_settings_for(firm), prefix="risk"))


@manager_required
@require_POST
def risk_thresholds_update(request):
    """Clause 8.4: the firm's risk level thresholds, for risks assessed from now on."""
    firm = request.user.firm
    risk_form = RiskThresholdsForm(request.POST, instance=risk_settings_for(firm), prefix="risk")
    if risk_form.is_valid():
        try:
            with risk_form.version_guard():
                delivery_services.risk_settings_update(firm=firm, by=request.user,
                                                       **risk_form.cleaned_data)
        except ValidationError as exc:
            apply_validation_error(risk_form, exc)
        else:
            messages.success(request, _("Risk level thresholds saved (clause 8.4). They apply "
                                        "to risks assessed from now on."))
            return redirect("dashboard:settings")
    form = FeedbackSettingsForm(instance=feedback_settings_for(firm))
    return _settings_page(request, form=form, risk_form=risk_form, status=400)


def _settings_page(request, *, form, risk_form, status=200):
    firm = request.user.firm
    return render(request, "dashboard/settings.html", {
        "firm": firm,
        "form": form,
        "risk_form": risk_form,
    }, status=status)
