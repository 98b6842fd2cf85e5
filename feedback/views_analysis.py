"""The managers' complaint analysis (9.4, for continual improvement): a period's figures
with charts, the CSV of its complaints and the PDF report. Managers only: anyone else of
the firm gets a 404 (``manager_required``), another firm's report a 404 too."""

import csv

from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from consultancy.documents.spreadsheets import csv_row
from consultancy.tenancy.mixins import manager_required

from . import complaint_analysis, services
from .models import ComplaintReport
from .period_reports import period_of, period_query, report_status, request_pdf

ROWS_SHOWN = 100  # on the page; the CSV and the PDF have them all


@require_GET
@manager_required
def analysis_page(request):
    """9.4: the complaints of a period analysed, with charts, the CSV and the PDF."""
    form, period = period_of(request)
    firm = request.user.firm
    analysis = complaint_analysis.compute(firm, **period)
    reports = list(ComplaintReport.objects.filter(firm=firm)
                   .select_related("document", "requested_by")[:5])
    return render(request, "feedback/complaint_analysis.html", {
        "form": form, "analysis": analysis, "period": period, "query": period_query(period),
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
    _form, period = period_of(request)
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
    return request_pdf(request, services.complaint_report_request, "feedback:complaint_analysis")


@require_GET
@manager_required
def analysis_report(request, pk):
    """One requested report: its PDF's status (another firm's report is a 404)."""
    return report_status(request, ComplaintReport, pk)
