"""The import pages: upload (with the templates to download), the preview of every row
with its errors, the import itself."""

import csv
import io

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from openpyxl import Workbook
from openpyxl.styles import Font

from consultancy.clients.models import Client
from consultancy.clients.validators import normalize_uscc
from consultancy.documents.spreadsheets import csv_row, xlsx_append
from consultancy.refusals import Refusal, answer_refusal
from consultancy.tenancy.mixins import apply_validation_error, firm_staff_required

from . import services
from .forms import UploadForm
from .kinds import KINDS, kinds_for
from .models import ImportBatch

PER_PAGE = 50
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _visible_batches(user):
    kinds = [k.key for k in kinds_for(user)]
    return ImportBatch.objects.filter(firm=user.firm, kind__in=kinds)


@firm_staff_required
def start(request):
    kinds = kinds_for(request.user)
    form = UploadForm(request.POST or None, request.FILES or None, kinds=kinds,
                      initial={"kind": request.GET.get("kind", "")})
    if request.method == "POST" and form.is_valid():
        try:
            batch = services.import_upload(firm=request.user.firm, by=request.user,
                                           kind=form.cleaned_data["kind"],
                                           uploaded=form.cleaned_data["file"])
        except ValidationError as exc:
            apply_validation_error(form, exc)
        except Refusal as exc:
            form.add_error(None, exc.message)
        else:
            return redirect("imports:preview", pk=batch.pk)
    batches = Paginator(_visible_batches(request.user).select_related("uploaded_by")
                        .defer("rows"), 10).get_page(request.GET.get("page"))
    return render(request, "imports/start.html", {"form": form, "kinds": kinds,
                                                  "page_obj": batches})


@firm_staff_required
def template(request, kind, fmt):
    """The columns of ``kind`` to fill in: a workbook (with a sheet that explains each
    column) or a CSV file (UTF-8 with BOM, which Excel opens as UTF-8)."""
    spec = KINDS.get(kind)
    if spec is None or spec not in kinds_for(request.user) or fmt not in ("xlsx", "csv"):
        raise Http404
    columns = spec.columns(request.user.firm)
    headers = [f"{c.header}{'*' if c.required else ''}" for c in columns]
    if fmt == "csv":
        out = io.StringIO()
        out.write("\ufeff")
        csv.writer(out).writerow(csv_row(headers))
        response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    else:
        workbook = Workbook()
        sheet = workbook.active
        sheet.title = str(spec.label)[:31]
        xlsx_append(sheet, headers)
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for i, c in enumerate(columns, start=1):
            sheet.column_dimensions[sheet.cell(1, i).column_letter].width = max(
                14, min(40, len(str(c.header)) * 2 + 4))
        notes = workbook.create_sheet(_("Instructions"))
        xlsx_append(notes, [_("Column"), _("Required"), _("What to enter")])
        for c in columns:
            xlsx_append(notes, [str(c.header), _("yes") if c.required else "", str(c.note)])
        xlsx_append(notes, [])
        xlsx_append(notes, [_("Fill in the first sheet, one row per record, and keep its first "
                              "row. Nothing is imported before you have seen every row's "
                              "check.")])
        notes.column_dimensions["A"].width = 30
        notes.column_dimensions["C"].width = 80
        out = io.BytesIO()
        workbook.save(out)
        response = HttpResponse(out.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{spec.key}-template.{fmt}"'
    return response


def _batch(request, pk):
    return get_object_or_404(_visible_batches(request.user).select_related(
        "uploaded_by", "imported_by"), pk=pk)


@firm_staff_required
def preview(request, pk):
    batch = _batch(request, pk)
    spec = KINDS[batch.kind]
    columns = spec.columns(batch.firm)
    checks = services.import_check(batch) if batch.status == ImportBatch.Status.PREVIEW else []
    shown = request.GET.get("show", "errors" if any(not c.ok for c in checks) else "all")
    rows = {"errors": [c for c in checks if not c.ok], "clean": [c for c in checks if c.ok]
            }.get(shown, checks)
    if request.GET.get("format") == "xlsx" and checks:
        return _errors_workbook(batch, columns, [c for c in checks if not c.ok])
    page = Paginator(rows, PER_PAGE).get_page(request.GET.get("page"))
    present = {k for r in batch.rows for k in r["values"]}
    columns = [c for c in columns if c.key in present]
    for check in page.object_list:
        check.cells = [check.values.get(c.key, "") for c in columns]
    return render(request, "imports/preview.html", {
        "batch": batch,
        "spec": spec,
        "columns": columns,
        "page_obj": page,
        "show": shown,
        "total": len(checks),
        "bad": sum(1 for c in checks if not c.ok),
        "clean": sum(1 for c in checks if c.ok),
        "imported_clients": _imported_clients(batch),
    })


def _imported_clients(batch, limit=20):
    """The clients of an imported clients file, to open one (and start its engagement)
    straight from the import's page (issue 20: fewer clicks)."""
    if batch.kind != "clients" or batch.status != ImportBatch.Status.IMPORTED:
        return []
    done = set(batch.imported_rows or [])
    codes = {normalize_uscc(r["values"].get("uscc", "")) for r in batch.rows
             if r["row"] in done}
    return list(Client.objects.filter(firm_id=batch.firm_id, uscc__in=codes - {""})
                .order_by("name")[:limit])


def _errors_workbook(batch, columns, bad):
    """The rows with errors and what is wrong with each, to correct in Excel (the cells
    the user typed go through the formula guard)."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("Rows with errors")[:31]
    xlsx_append(sheet, [_("Row"), _("Errors"), *(str(c.header) for c in columns)])
    for check in bad:
        xlsx_append(sheet, [check.row, "；".join(check.errors),
                            *(check.values.get(c.key, "") for c in columns)])
    out = io.BytesIO()
    workbook.save(out)
    response = HttpResponse(out.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="import-{batch.pk}-errors.xlsx"'
    return response


@firm_staff_required
@require_POST
def commit(request, pk):
    batch = _batch(request, pk)
    mode = request.POST.get("mode")
    if mode not in ImportBatch.Mode.values:
        raise Http404
    try:
        batch = services.import_run(batch=batch, by=request.user, mode=mode)
    except Refusal as exc:
        return answer_refusal(request, exc, redirect_to=batch.get_absolute_url())
    if batch.status == ImportBatch.Status.QUEUED:
        messages.info(request, _("The import runs in the background; this page shows when it "
                                 "is done."))
    else:
        messages.success(request, _("%(n)d row(s) imported.") % {"n": len(batch.imported_rows)})
    return redirect(batch.get_absolute_url())
