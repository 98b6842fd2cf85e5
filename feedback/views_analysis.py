"""The managers' complaint analysis (9.4, for continual improvement): a period's figures
with charts, the CSV of its complaints and the PDF report. Managers only: anyone else of
the firm gets a 404 (``manager_required``), another firm's report a 404 too."""

import csv

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from consultancy.documents.spreadsheets import csv_row
from consultancy.tenancy.mixins import manager_required

from . import complaint_analysis, services
from .forms_statistics import StatisticsPeriodForm
from .models import ComplaintReport

ROWS_SHOWN = 100  # on the page; the CSV and the PDF have them all


def _period(request):
    form = StatisticsPeriodForm(request.GET)
    return form, form.period()


def _query(period) -> str:
    return urlencode({"preset": "custom", "date_from": period["date_from"].isoformat(),
                      "date_to": period["date_to"].isoformat(),
                      "group_by": period["group_by"]})


@require_GET
@manager_required
def analysis_page(request):
    """9.4: the complaints of a period analysed, with charts, the CSV and the PDF."""
    form, period = _period(request)
    firm = request.user.firm
    analysis = complaint_analysis.compute(firm, **period)
    reports = list(ComplaintReport.objects.filter(firm=firm)
                   .select_related("document", "requested_by")[:5])
    return render(request, "feedback/complaint_analysis.html", {
        "form": form, "analysis": analysis, "period": period, "query": _query(period),
        "charts": complaint_analysis.build_charts(analysis),
        "titles": complaint_analysis.chart_titles(), "reports": reports,
        "rows": analysis.rows[-ROWS_SHOWN:][::-1],
        "breakdowns": [("causes", _("By cause"), analysis.causes),
                       ("severities", _("By severity"), analysis.severities),
                       ("channels", _("By channel"), analysis.channels)],
    })


@require_GET
@manager_required
def analysis_csv(request):
    """The complaints of the period as CSV, one row each with its figures (UTF-8 with a
    BOM, so that Excel reads the Chinese; every cell through the formula guard)."""
    _form, period = _period(request)
    analysis = complaint_analysis.compute(request.user.firm, **period)
    name = f"complaints-{period['date_from']:%Y%m%d}-{period['date_to']:%Y%m%d}.csv"
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response.write("\ufeff")
    writer = csv.writer(response)
    writer.writerow(csv_row(complaint_analysis.csv_header()))
    for row in analysis.rows:
        writer.writerow(csv_row(complaint_analysis.csv_values(row)))
    return response


@require_POST
@manager_required
def analysis_pdf(request):
    """Ask for the PDF of the period; answers the status fragment (htmx) or goes back to
    the page, where the report's status shows."""
    form = StatisticsPeriodForm(request.POST)
    period = form.period()
    report = services.complaint_report_request(
        firm=request.user.firm, by=request.user, period_from=period["date_from"],
        period_to=period["date_to"], group_by=period["group_by"])
    if getattr(request, "htmx", False) or request.headers.get("HX-Request"):
        report.document.refresh_from_db()
        return render(request, "documents/_status.html", {"document": report.document})
    messages.success(request, _("The PDF report is being generated."))
    return redirect(reverse("feedback:complaint_analysis") + "?" + _query(period) + "#reports")


@require_GET
@manager_required
def analysis_report(request, pk):
    """One requested report: its PDF's status (another firm's report is a 404)."""
    report = get_object_or_404(ComplaintReport.objects.select_related("document"),
                               pk=pk, firm_id=request.user.firm_id)
    if report.document is None:
        raise Http404
    return render(request, "documents/_status.html", {"document": report.document})
