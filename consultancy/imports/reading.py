"""Reading an uploaded table: an Excel workbook (.xlsx, its first sheet) or a CSV file
(UTF-8, with or without BOM, or GB18030 as Excel and WPS save it on Chinese Windows).

The type is decided from the content, never the name: an .xlsx must pass the project's
upload check (a real OOXML workbook without macros, programs or embedded objects,
``consultancy.tenancy.files.UploadValidator``); anything else must be plain text (no NUL
or other control bytes, no web page or script content) that decodes as UTF-8 or GB18030.
An old .xls or any other type is refused with what to do instead.
"""

import csv
import datetime
import hashlib
import io
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from consultancy.tenancy.files import MB, UploadValidator, _check_no_active_content, sniff

MAX_MB = 5
MAX_ROWS = 5000
_TEXT_CONTROL = set(range(0, 32)) - {9, 10, 13}


@dataclass
class Table:
    file_type: str  # "xlsx" or "csv"
    sha256: str
    headers: list[str]
    rows: list[tuple[int, list[str]]]  # (row number in the file, cells as text)


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        if value.time() == datetime.time(0, 0):
            return value.date().isoformat()
        return value.isoformat(sep=" ", timespec="minutes")
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # a phone number or a score typed as a number
    return str(value).strip()


def _hash(uploaded) -> str:
    digest = hashlib.sha256()
    uploaded.seek(0)
    for chunk in iter(lambda: uploaded.read(64 * 1024), b""):
        digest.update(chunk)
    uploaded.seek(0)
    return digest.hexdigest()


def _too_many_rows():
    return ValidationError(
        _("The file has more than %(max)d rows; split it into several files."),
        code="too_many_rows", params={"max": MAX_ROWS})


def _read_xlsx(uploaded) -> tuple[list[str], list[tuple[int, list[str]]]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(uploaded, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a broken workbook
        raise ValidationError(_("This Excel file cannot be read; open it in Excel or WPS and "
                                "save it again as .xlsx."), code="unreadable") from exc
    try:
        sheet = workbook.worksheets[0]
        rows = []
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            cells = [_cell_text(v) for v in values]
            if any(cells):
                rows.append((number, cells))
            if len(rows) > MAX_ROWS + 1:
                raise _too_many_rows()
    finally:
        workbook.close()
    if not rows:
        return [], []
    return rows[0][1], rows[1:]


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ValidationError(_("This CSV file is neither UTF-8 nor GB18030 (GBK) text; save it "
                            "again as “CSV UTF-8”."), code="encoding")


def _read_csv(uploaded) -> tuple[list[str], list[tuple[int, list[str]]]]:
    data = uploaded.read()
    if any(b in _TEXT_CONTROL for b in data[:65536]) or b"\x00" in data:
        raise ValidationError(_("This file is neither an Excel workbook (.xlsx) nor a CSV "
                                "text file."), code="file_type")
    text = _decode(data)
    first = text.split("\n", 1)[0]
    delimiter = "\t" if first.count("\t") > first.count(",") else ","
    rows = []
    for number, cells in enumerate(csv.reader(io.StringIO(text), delimiter=delimiter), start=1):
        cells = [c.strip() for c in cells]
        if any(cells):
            rows.append((number, cells))
        if len(rows) > MAX_ROWS + 1:
            raise _too_many_rows()
    if not rows:
        return [], []
    return rows[0][1], rows[1:]


def read_table(uploaded) -> Table:
    """The header row and the data rows of ``uploaded`` (blank rows left out), or a
    ValidationError saying what is wrong with the file."""
    if uploaded.size > MAX_MB * MB:
        raise ValidationError(_("The file is %(size).1f MB; at most %(max)d MB is accepted."),
                              code="file_too_large",
                              params={"size": uploaded.size / MB, "max": MAX_MB})
    kind = sniff(uploaded)
    if kind is not None and kind.name == "xlsx":
        UploadValidator(("xlsx",), max_mb=MAX_MB)(uploaded)
        file_type = "xlsx"
    elif kind is not None and kind.name == "xls":
        raise ValidationError(_("Old Excel files (.xls) are not read: save it as .xlsx (Excel "
                                "workbook) or CSV and upload that."), code="xls")
    elif kind is not None:
        raise ValidationError(_("This file is a %(type)s, not an Excel workbook (.xlsx) or a "
                                "CSV file."), code="file_type", params={"type": kind.label})
    else:
        _check_no_active_content(uploaded, type("Kind", (), {"label": "CSV"}))
        file_type = "csv"
    sha256 = _hash(uploaded)
    uploaded.seek(0)
    headers, rows = _read_xlsx(uploaded) if file_type == "xlsx" else _read_csv(uploaded)
    uploaded.seek(0)
    if not headers:
        raise ValidationError(_("The file is empty: the first row names the columns, the rows "
                                "below it are imported."), code="empty")
    if len(rows) > MAX_ROWS:
        raise _too_many_rows()
    return Table(file_type, sha256, headers, rows)
