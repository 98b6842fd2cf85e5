"""User text in CSV and Excel files, never a formula (CSV / formula injection).

A cell whose text starts with ``= + - @``, a tab or a carriage return is read as a
formula by Excel, LibreOffice and WPS. Every export writes the text a user or a client
typed through these helpers: in CSV the text gets a leading apostrophe (the usual
neutraliser: the spreadsheet shows the text, nothing runs); in XLSX the cell is written
as a string cell with the quote prefix set, so it is text whatever it starts with.
"""

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def is_formula_like(value) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_TRIGGERS)


def csv_text(value):
    """Formula-like text with a leading apostrophe; any other value as it is (numbers and
    dates are the application's, not typed text)."""
    return "'" + value if is_formula_like(value) else value


def csv_row(values) -> list:
    return [csv_text(v) for v in values]


def xlsx_append(worksheet, values) -> None:
    """Append a row; formula-like text stays text (a string cell, quote-prefixed)."""
    worksheet.append(list(values))
    for cell in worksheet[worksheet.max_row]:
        if is_formula_like(cell.value):
            cell.data_type = "s"
            cell.quotePrefix = True
