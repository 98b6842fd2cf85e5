"""The engagement list and the complaint register as CSV (UTF-8 with a BOM, so that Excel
opens Chinese text correctly) and as Excel workbooks (openpyxl). A table is a header row
and data rows of plain values; both formats write the same table."""

import csv
import datetime
import io
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from consultancy.documents.spreadsheets import csv_row, xlsx_append

from .selectors import contract_fee_subquery, contract_number_subquery

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass
class Table:
    title: str
    filename: str  # without the extension
    header: list
    rows: list


def _cell(value):
    """A value as a spreadsheet keeps it: dates stay dates, amounts numbers."""
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).replace(tzinfo=None)
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    return value


def _text(value):
    if value == "" or value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    return str(value)


def engagement_table(queryset) -> Table:
    """The engagement list (the rows the list page's filters select)."""
    rows = []
    for e in (queryset.annotate(fee=contract_fee_subquery(),
                                contract_number=contract_number_subquery())
              .select_related("client", "lead_consultant", "service_type")
              .order_by("-created_at", "-pk")):
        rows.append([
            e.number, e.title, e.client.name, e.client.uscc, e.service_type.label,
            e.get_origin_display(), e.get_stage_display(), e.stage_entered_at,
            e.lead_consultant.full_name, e.contract_number or "", e.fee, e.created_at,
        ])
    header = [_("Number"), _("Title"), _("Client"), _("Unified social credit code"),
              _("Service type"), _("Origin"), _("Stage"), _("In this stage since"),
              _("Lead consultant"), _("Contract number"), _("Contract fee (CNY)"),
              _("Created at")]
    return Table(_("Engagements"), "engagements-" + timezone.localdate().isoformat(),
                 header, [[_cell(v) for v in row] for row in rows])


def complaint_table(queryset) -> Table:
    """The complaint register (9.4), in the order the register page shows it."""
    today = timezone.localdate()
    rows = []
    for c in queryset:
        rows.append([
            c.number, c.received_on, c.get_channel_display(), c.complainant_name,
            c.engagement.number if c.engagement_id else "",
            c.engagement.title if c.engagement_id else "",
            c.get_severity_display(), c.safety_related, c.get_status_display(),
            c.due_by, c.is_overdue_on(today), c.responded_on, c.closed_on, c.escalated_to,
            c.description,
        ])
    header = [_("Number"), _("Received on"), _("Received through"), _("Complainant"),
              _("Engagement"), _("Engagement title"), _("Severity"), _("Safety-related"),
              _("Status"), _("Next step due by"), _("Overdue"), _("Decision communicated on"),
              _("Closed on"), _("Escalated to"), _("What happened")]
    return Table(_("Complaint register"), "complaints-" + today.isoformat(), header,
                 [[_cell(v) for v in row] for row in rows])


def csv_response(table: Table) -> HttpResponse:
    buffer = io.StringIO()
    buffer.write("\ufeff")  # the BOM: Excel reads the file as UTF-8
    writer = csv.writer(buffer)
    writer.writerow(table.header)
    for row in table.rows:
        writer.writerow([_text(v) for v in csv_row(row)])
    response = HttpResponse(buffer.getvalue().encode("utf-8"),
                            content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{table.filename}.csv"'
    response["Cache-Control"] = "private, no-store"
    return response


def _widths(rows: Iterable[list], n: int) -> list[int]:
    widths = [8] * n
    for row in rows:
        for i, v in enumerate(row):
            text = _text(v)
            # CJK characters take two columns
            w = sum(2 if ord(ch) > 0x2E80 else 1 for ch in text[:60])
            widths[i] = max(widths[i], min(w + 2, 60))
    return widths


def xlsx_response(table: Table) -> HttpResponse:
    wb = Workbook()
    ws = wb.active
    ws.title = str(table.title)[:31]
    ws.append([str(h) for h in table.header])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in table.rows:
        xlsx_append(ws, row)
    for i, width in enumerate(_widths([table.header, *table.rows], len(table.header)), 1):
        ws.column_dimensions[get_column_letter(i)].width = width
    for col, value in enumerate(table.rows[0] if table.rows else [], 1):
        if isinstance(value, datetime.datetime):
            fmt = "yyyy-mm-dd hh:mm"
        elif isinstance(value, datetime.date):
            fmt = "yyyy-mm-dd"
        elif isinstance(value, Decimal):
            fmt = "#,##0.00"
        else:
            continue
        for (cell,) in ws.iter_rows(min_row=2, min_col=col, max_col=col):
            cell.number_format = fmt
    ws.freeze_panes = "A2"
    buffer = io.BytesIO()
    wb.save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{table.filename}.xlsx"'
    response["Cache-Control"] = "private, no-store"
    return response


def respond(table: Table, fmt: str) -> HttpResponse:
    return xlsx_response(table) if fmt == "xlsx" else csv_response(table)

