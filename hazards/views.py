"""The staff's pages of hidden dangers: the ledger (隐患台账) with its filters, its Excel
export and statistics, the record form (a phone on site), one hidden danger with its
photos and steps, and the acts (notify, verify, record a refusal, add photos)."""

import io

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST, require_safe
from openpyxl import Workbook
from openpyxl.styles import Font

from consultancy.documents.selectors import latest_document
from consultancy.documents.serving import private_file_response
from consultancy.documents.spreadsheets import xlsx_append
from consultancy.refusals import Refusal, refusal_response
from consultancy.tenancy.mixins import (
    apply_validation_error,
    firm_staff_required,
    manager_required,
)
from delivery.models import SiteUnit
from engagements.models import FrozenRecord
from engagements.pages import frozen_response, get_engagement

from . import selectors, services
from .forms import CriterionForm, HiddenDangerForm, PhotoForm, RefusalForm, VerifyForm
from .models import (
    Category,
    Grade,
    HiddenDanger,
    HiddenDangerPhoto,
    HiddenDangerStep,
    MajorHazardCriterion,
    State,
)


def _filters(request):
    return {name: request.GET.get(name, "") for name in selectors.FILTERS}


def _danger(engagement, danger_pk):
    danger = get_object_or_404(
        HiddenDanger.objects.select_related("unit", "criterion", "risk_item", "created_by",
                                            "verified_by", "acknowledged_by", "submitted_by"),
        pk=danger_pk, engagement=engagement)
    danger.engagement = engagement
    return danger


@require_safe
@firm_staff_required
def today(request):
    """On a phone, on site: the open hidden dangers of the engagements this person works
    on, per site (the client), overdue and major ones first."""
    day = timezone.localdate()
    sites = {}
    for danger in selectors.todays_open(request.user, day)[:300]:
        sites.setdefault(danger.engagement.client, []).append(danger)
    return render(request, "hazards/today.html", {"sites": list(sites.items()), "today": day})


@require_safe
@firm_staff_required
def ledger(request, pk):
    engagement = get_engagement(request, pk)
    filters = _filters(request)
    dangers = list(selectors.ledger(engagement, filters)[:500])
    today = timezone.localdate()
    return render(request, "hazards/ledger.html", {
        "engagement": engagement, "dangers": dangers, "filters": filters, "today": today,
        "stats": selectors.engagement_statistics(engagement,
                                                 **selectors.statistics_options(request)),
        "states": State.choices, "grades": Grade.choices, "categories": Category.choices,
        "units": list(SiteUnit.objects.filter(engagement=engagement).order_by("pk")),
        "query": request.GET.urlencode(),
        "ledger_pdf": latest_document(engagement, "hazard_ledger"),
    })


HEADERS = [
    gettext_lazy("No."), gettext_lazy("Found on"), gettext_lazy("Found during"), gettext_lazy("Unit or area"), gettext_lazy("Description of the hidden danger"),
    gettext_lazy("Category"), gettext_lazy("Sub-type"), gettext_lazy("Grade"), gettext_lazy("Criterion"), gettext_lazy("Basis"),
    gettext_lazy("Recommended rectification"), gettext_lazy("Client's responsible person"), gettext_lazy("Rectify by"),
    gettext_lazy("State"), gettext_lazy("Overdue"), gettext_lazy("Measures taken"), gettext_lazy("Rectified on"), gettext_lazy("Verified on"),
    gettext_lazy("Verified by"),
]


@require_safe
@firm_staff_required
def ledger_export(request, pk):
    """The ledger as an Excel workbook, with the filters of the page; every text a person
    typed goes through the formula guard."""
    engagement = get_engagement(request, pk)
    today = timezone.localdate()
    book = Workbook()
    sheet = book.active
    sheet.title = "隐患台账"[:31]
    sheet.append([str(h) for h in HEADERS])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for d in selectors.ledger(engagement, _filters(request)):
        xlsx_append(sheet, [
            d.number, d.found_on, str(d.get_source_display()), d.place, d.description,
            str(d.get_category_display()), str(d.subtype_label), str(d.get_grade_display()),
            d.criterion.code if d.criterion else "", d.basis, d.recommendation,
            d.responsible_person, d.deadline, str(d.get_state_display()),
            _("yes") if d.is_overdue_on(today) else "", d.measures, d.rectified_on,
            timezone.localdate(d.verified_at) if d.verified_at else None,
            str(d.verified_by) if d.verified_by else "",
        ])
    for column, width in zip("ABCDEFGHIJKLMNOPQRS", (8, 12, 14, 16, 40, 14, 16, 12, 10, 30,
                                                     40, 14, 12, 16, 8, 40, 12, 12, 12),
                             strict=True):
        sheet.column_dimensions[column].width = width
    buffer = io.BytesIO()
    book.save(buffer)
    response = HttpResponse(
        buffer.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = (
        f'attachment; filename="hidden-dangers-{engagement.number}.xlsx"')
    return response


@require_POST
@firm_staff_required
def ledger_pdf(request, pk):
    """Ask for the ledger as a PDF (made in the background; the ledger shows its state)."""
    engagement = get_engagement(request, pk)
    try:
        services.ledger_pdf_request(engagement=engagement, by=request.user)
    except Refusal as exc:
        return refusal_response(request, exc)
    messages.success(request, _("The ledger's PDF is being made."))
    return redirect("hazards:ledger", engagement.pk)


@firm_staff_required
def record(request, pk):
    """One short form on a phone: where, what, photos, grade, deadline."""
    engagement = get_engagement(request, pk)
    if engagement.is_ended:
        return frozen_response(request, engagement)
    form = HiddenDangerForm(request.POST or None, request.FILES or None, engagement=engagement)
    if request.method == "POST" and form.is_valid():
        danger = form.save(commit=False)
        try:
            danger = services.danger_record(danger=danger, by=request.user,
                                            photos=form.cleaned_data.get("photos") or [])
        except ValidationError as exc:
            danger.pk = None
            apply_validation_error(form, exc)
        except Refusal as exc:
            return refusal_response(request, exc)
        else:
            if danger.is_major:
                messages.warning(request, _("Major hidden danger %(number)s recorded and "
                                            "notified to the client today.")
                                 % {"number": danger.number})
            else:
                messages.success(request, _("Hidden danger %(number)s recorded.")
                                 % {"number": danger.number})
            return redirect("hazards:detail", engagement.pk, danger.pk)
    return render(request, "hazards/record.html", {"engagement": engagement, "form": form})


@require_safe
@firm_staff_required
def detail(request, pk, danger_pk):
    engagement = get_engagement(request, pk)
    danger = _danger(engagement, danger_pk)
    return _detail(request, engagement, danger)


def _detail(request, engagement, danger, *, verify_form=None, refusal_form=None,
            photo_form=None, status=200):
    photos = list(HiddenDangerPhoto.objects.filter(danger=danger).order_by("pk"))
    return render(request, "hazards/detail.html", {
        "engagement": engagement, "danger": danger,
        "found_photos": [p for p in photos if p.stage == HiddenDangerPhoto.Stage.FOUND],
        "rectified_photos": [p for p in photos if p.stage == HiddenDangerPhoto.Stage.RECTIFIED],
        "steps": list(HiddenDangerStep.objects.filter(danger=danger).select_related("by")
                      .order_by("at", "pk")),
        "verify_form": verify_form or VerifyForm(),
        "refusal_form": refusal_form or RefusalForm(),
        "photo_form": photo_form or PhotoForm(),
        "today": timezone.localdate(),
    }, status=status)


def _act(request, engagement, danger, act, ok_message, **form_kwargs):
    try:
        act()
    except FrozenRecord as exc:
        return frozen_response(request, engagement, danger, exc)
    except ValidationError as exc:
        for form in form_kwargs.values():
            apply_validation_error(form, exc)
        return _detail(request, engagement, danger, status=400, **form_kwargs)
    except Refusal as exc:
        return refusal_response(request, exc)
    messages.success(request, ok_message)
    return redirect("hazards:detail", engagement.pk, danger.pk)


@require_POST
@firm_staff_required
def notify(request, pk, danger_pk):
    engagement = get_engagement(request, pk)
    danger = _danger(engagement, danger_pk)
    return _act(request, engagement, danger,
                lambda: services.danger_notify(danger=danger, by=request.user),
                _("The client is notified (portal and notice)."))


@require_POST
@firm_staff_required
def verify(request, pk, danger_pk):
    engagement = get_engagement(request, pk)
    danger = _danger(engagement, danger_pk)
    form = VerifyForm(request.POST)
    if not form.is_valid():
        return _detail(request, engagement, danger, verify_form=form, status=400)
    passed = form.cleaned_data["passed"]
    return _act(request, engagement, danger,
                lambda: services.danger_verify(danger=danger, by=request.user, passed=passed,
                                               note=form.cleaned_data["note"]),
                _("Verified and closed.") if passed
                else _("Not passed: the client is asked to rectify again."),
                verify_form=form)


@require_POST
@firm_staff_required
def refusal(request, pk, danger_pk):
    engagement = get_engagement(request, pk)
    danger = _danger(engagement, danger_pk)
    form = RefusalForm(request.POST)
    if not form.is_valid():
        return _detail(request, engagement, danger, refusal_form=form, status=400)
    data = form.cleaned_data
    return _act(request, engagement, danger,
                lambda: services.danger_record_refusal(
                    danger=danger, by=request.user, reason=data["reason"],
                    advice=data["advice"],
                    informed_in_writing_on=data["informed_in_writing_on"]),
                _("The client's refusal is recorded."), refusal_form=form)


@require_POST
@firm_staff_required
def photo_add(request, pk, danger_pk):
    engagement = get_engagement(request, pk)
    danger = _danger(engagement, danger_pk)
    form = PhotoForm(request.POST, request.FILES)
    if not form.is_valid():
        return _detail(request, engagement, danger, photo_form=form, status=400)

    def act():
        for upload in form.cleaned_data["photos"]:
            services.photo_add(danger=danger, file=upload, by=request.user)

    return _act(request, engagement, danger, act, _("Photos added."), photo_form=form)


@require_safe
@firm_staff_required
def photo_file(request, pk, photo_pk):
    engagement = get_engagement(request, pk)
    photo = get_object_or_404(HiddenDangerPhoto, pk=photo_pk, danger__engagement=engagement)
    return private_file_response(photo.file, as_attachment=False)


# -- the manager's dashboard ---------------------------------------------------------------


@require_safe
@manager_required
def firm_figures(request):
    """The hidden danger figures of the firm (8.4) on the manager's dashboard: loaded into
    it by htmx, as a request of their own (the dashboard stays within its query budget);
    without JavaScript, the dashboard links here and this is a page."""
    stats = selectors.firm_statistics(request.user, **selectors.statistics_options(request))
    template = "hazards/_dashboard.html" if request.htmx else "hazards/firm_figures.html"
    return render(request, template, {"hazard_stats": stats, "query": request.GET.urlencode()})


# -- the firm's list of major hidden danger criteria (managers) ---------------------------


@manager_required
def criteria(request):
    """The firm's 重大事故隐患判定标准 criteria, by industry: list, add, take out of use."""
    form = CriterionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            criterion = services.criterion_add(criterion=form.save(commit=False),
                                               by=request.user)
        except ValidationError as exc:
            apply_validation_error(form, exc)
        except Refusal as exc:
            return refusal_response(request, exc)
        else:
            messages.success(request, _("Criterion %(code)s added.") % {"code": criterion.code})
            return redirect("hazards:criteria")
    rows = list(MajorHazardCriterion.objects.filter(firm_id=request.user.firm_id)
                .order_by("industry", "-active", "code", "pk"))
    return render(request, "hazards/criteria.html", {"form": form, "criteria": rows},
                  status=400 if request.method == "POST" else 200)


@require_POST
@manager_required
def criterion_active(request, criterion_pk):
    criterion = get_object_or_404(MajorHazardCriterion, pk=criterion_pk,
                                  firm_id=request.user.firm_id)
    active = request.POST.get("active") == "1"
    try:
        services.criterion_set_active(criterion=criterion, by=request.user, active=active)
    except Refusal as exc:
        return refusal_response(request, exc)
    message = (_("Criterion %(code)s put back in use.") if active
               else _("Criterion %(code)s taken out of use."))
    messages.success(request, message % {"code": criterion.code})
    return redirect("hazards:criteria")
