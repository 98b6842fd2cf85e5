"""8.4 implementation: the technical guidance log, the risk identification register (with
its chart of risks by level) and the progress reports shared with the client."""

from decimal import Decimal

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from consultancy.tenancy.mixins import firm_staff_required
from engagements.models import FrozenRecord
from engagements.services import record_save
from engagements.stages import Stage

from .. import risk, selectors, services
from ..forms import GuidanceLogForm, ProgressReportForm, RiskItemForm, SiteUnitForm
from ..models import GuidanceLog, ProgressReport, RiskItem, SiteUnit
from .common import apply_validation_error, frozen_response, get_engagement


def _closed(engagement):
    return engagement.is_ended or engagement.has_passed(Stage.DELIVERY)


def _disable(form):
    for field in form.fields.values():
        field.disabled = True


def _record(engagement, model, record_pk):
    """A new record of the engagement, or its record ``record_pk`` (404 if not its own)."""
    if record_pk is None:
        return model(engagement=engagement)
    record = get_object_or_404(model, pk=record_pk, engagement=engagement)
    record.engagement = engagement
    return record


def _edit(request, engagement, record, form, *, save, success, clause, back_url,
          template="delivery/record_form.html", extra=None):
    """The create/update page of one clause 8.4 record: read-only once frozen; a POST
    on a frozen record answers 409."""
    frozen = record.pk is not None and record.is_frozen
    if record.pk is None and _closed(engagement):
        return frozen_response(request, engagement)
    if frozen and request.method == "POST":
        return frozen_response(request, engagement, record)
    if request.method == "POST" and form.is_valid():
        try:
            with form.version_guard():
                saved = save(form)
        except ValidationError as exc:
            apply_validation_error(form, exc)
        except FrozenRecord as exc:
            return frozen_response(request, engagement, record, exc)
        else:
            messages.success(request, success(saved))
            return redirect(back_url + f"#r{saved.pk}")
    if frozen:
        _disable(form)
    return render(request, template, {
        "engagement": engagement, "form": form, "record": record, "frozen": frozen,
        "clause": clause, "verbose_name": record._meta.verbose_name, "back_url": back_url,
        **(extra or {}),
    })


# -- the guidance log -------------------------------------------------------------------


@firm_staff_required
def guidance_list(request, pk):
    engagement = get_engagement(request, pk)
    entries = GuidanceLog.objects.filter(engagement=engagement).select_related("given_by")
    return render(request, "delivery/guidance_list.html", {
        "engagement": engagement, "entries": entries, "closed": _closed(engagement)})


@firm_staff_required
def guidance_edit(request, pk, record_pk=None):
    engagement = get_engagement(request, pk)
    record = _record(engagement, GuidanceLog, record_pk)
    form = GuidanceLogForm(request.POST or None, instance=record, firm=request.user.firm,
                           initial=None if record.pk else {"given_by": request.user})
    return _edit(
        request, engagement, record, form,
        save=lambda form: record_save(record=form.save(commit=False), by=request.user),
        success=lambda saved: _("Technical guidance recorded (clause 8.4)."),
        clause="8.4", back_url=reverse("delivery:guidance", args=[engagement.pk]))


# -- the risk register ------------------------------------------------------------------

def _thresholds(firm):
    """The firm's thresholds as table rows, major → low: each level with its LEC and LS
    bands (``above`` < score ≤ ``upto``; None = open)."""
    row = services.risk_settings_for(firm)
    bands = {}
    for method in (risk.Method.LEC, risk.Method.LS):
        major, large, general = row.thresholds(method)
        bands[method] = [(major, None), (large, major), (general, large), (None, general)]
    return [
        {"level": level, "label": risk.LEVEL_SHORT[level](), "colour": risk.LEVEL_COLOURS[level],
         "text": risk.LEVEL_TEXT[level],
         "lec": dict(zip(("above", "upto"), bands[risk.Method.LEC][i], strict=True)),
         "ls": dict(zip(("above", "upto"), bands[risk.Method.LS][i], strict=True))}
        for i, level in enumerate(risk.LEVEL_ORDER)
    ]


@firm_staff_required
def risk_register(request, pk):
    engagement = get_engagement(request, pk)
    risks = list(RiskItem.objects.filter(engagement=engagement).select_related("unit")
                 .order_by("-score", "pk"))
    for item in risks:
        item.level_label = risk.LEVEL_SHORT[item.level]()
        item.text_colour = risk.LEVEL_TEXT[item.level]
        item.lacks = item.missing()
    counts = selectors.risk_counts(engagement)
    units = selectors.register_coverage(engagement, risks)
    requirements = [r for r in engagement.requirements(Stage.DELIVERY)
                    if r.code.startswith("8.4.risk")]
    return render(request, "delivery/risk_register.html", {
        "engagement": engagement, "risks": risks, "levels": risk.level_rows(counts),
        "chart": mark_safe(risk.risk_chart_svg(counts)),  # built from escaped parts
        "thresholds": _thresholds(request.user.firm),
        "closed": _closed(engagement), "units": units,
        "uncovered": [u for u in units if not u.risk_count],
        "requirements": requirements,
    })


@firm_staff_required
def risk_chart(request, pk):
    engagement = get_engagement(request, pk)
    response = HttpResponse(risk.risk_chart_svg(selectors.risk_counts(engagement)),
                            content_type="image/svg+xml; charset=utf-8")
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@firm_staff_required
def risk_edit(request, pk, record_pk=None):
    engagement = get_engagement(request, pk)
    record = _record(engagement, RiskItem, record_pk)
    initial = None
    if record.pk is None and request.GET.get("unit", "").isdigit():
        initial = {"unit": request.GET["unit"]}
    form = RiskItemForm(request.POST or None, instance=record, firm=request.user.firm,
                        engagement=engagement, initial=initial)

    def save(form):
        item = form.apply_factors(form.save(commit=False))
        return services.risk_save(record=item, by=request.user)

    def success(saved):
        return _("Risk saved (clause 8.4): %(method)s score %(score)s, level “%(level)s”.") % {
            "method": saved.method, "score": _number(saved.score),
            "level": risk.LEVEL_SHORT[saved.level]()}

    register_url = reverse("delivery:risks", args=[engagement.pk])
    return _edit(request, engagement, record, form, save=save, success=success, clause="8.4",
                 back_url=register_url, template="delivery/risk_form.html",
                 extra={"thresholds": _thresholds(request.user.firm),
                        "level_label": risk.LEVEL_SHORT[record.level]() if record.pk else "",
                        "level_text": risk.LEVEL_TEXT.get(record.level, "#fff")})


# -- the units and areas of the site ------------------------------------------------------


@firm_staff_required
def unit_edit(request, pk, record_pk=None):
    engagement = get_engagement(request, pk)
    record = _record(engagement, SiteUnit, record_pk)
    form = SiteUnitForm(request.POST or None, instance=record, firm=request.user.firm)
    return _edit(
        request, engagement, record, form,
        save=lambda form: services.site_unit_save(record=form.save(commit=False),
                                                  by=request.user),
        success=lambda saved: _("“%(name)s” is listed on the risk register; assess at least "
                                "one of its risks (clause 8.4).") % {"name": saved.name},
        clause="8.4", back_url=reverse("delivery:risks", args=[engagement.pk]),
        extra={"intro": _("Clause 8.4 asks for risks identified all round: list each unit or "
                          "area of the client's site found in the site research (8.1.1); "
                          "every listed unit needs at least one assessed risk.")})


@firm_staff_required
@require_POST
def unit_delete(request, pk, record_pk):
    engagement = get_engagement(request, pk)
    unit = get_object_or_404(SiteUnit, pk=record_pk, engagement=engagement)
    unit.engagement = engagement
    if unit.is_frozen:
        return frozen_response(request, engagement, unit)
    try:
        services.site_unit_delete(unit=unit, by=request.user)
    except FrozenRecord as exc:
        return frozen_response(request, engagement, unit, exc)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("“%(name)s” is taken off the register.")
                         % {"name": unit.name})
    return redirect(reverse("delivery:risks", args=[engagement.pk]) + "#units")


def _number(value: Decimal) -> str:
    text = format(value.normalize(), "f") if value is not None else ""
    return text


# -- progress reports -------------------------------------------------------------------


@firm_staff_required
def progress_list(request, pk):
    engagement = get_engagement(request, pk)
    reports = ProgressReport.objects.filter(engagement=engagement).select_related("shared_by")
    return render(request, "delivery/progress_list.html", {
        "engagement": engagement, "reports": reports, "closed": _closed(engagement)})


@firm_staff_required
def progress_edit(request, pk, record_pk=None):
    engagement = get_engagement(request, pk)
    record = _record(engagement, ProgressReport, record_pk)
    form = ProgressReportForm(request.POST or None, instance=record, firm=request.user.firm)
    return _edit(
        request, engagement, record, form,
        save=lambda form: record_save(record=form.save(commit=False), by=request.user),
        success=lambda saved: _("Progress report saved. Share it with the client when it is "
                                "ready (clause 8.4)."),
        clause="8.4", back_url=reverse("delivery:progress", args=[engagement.pk]),
        template="delivery/progress_form.html")


@firm_staff_required
@require_POST
def progress_share(request, pk, record_pk):
    engagement = get_engagement(request, pk)
    report = get_object_or_404(ProgressReport, pk=record_pk, engagement=engagement)
    report.engagement = engagement
    if report.is_frozen:
        return frozen_response(request, engagement, report)
    try:
        services.progress_report_share(report=report, by=request.user)
    except FrozenRecord as exc:
        return frozen_response(request, engagement, report, exc)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The progress report is shared with the client; it is now "
                                    "read-only (clause 8.4)."))
    return redirect(reverse("delivery:progress", args=[engagement.pk]) + f"#r{report.pk}")
