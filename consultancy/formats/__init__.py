"""The project's formats (``FORMAT_MODULE_PATH``: ``en`` and ``zh_Hans``): one date format
per language (2026年12月2日; 2 Dec 2026) and money grouped by thousands. Python code that
writes a date into a message (django messages, form errors, refusals, an event's text)
goes through :func:`show_date`, never ``isoformat()`` or ``strftime``."""

import datetime

#: The names under which events and reminders keep a date (as an ISO string).
DATE_PARAMS = frozenset({"day", "date", "deadline", "due", "due_on", "until", "before_day",
                         "start", "end"})


def show_date(value) -> str:
    """``value`` (a date, an aware datetime or an ISO date string) in the active
    language's date format; an empty value is ""; a string that is no date is kept."""
    from django.utils import formats, timezone

    if value in (None, ""):
        return ""
    if isinstance(value, str):
        try:
            value = datetime.date.fromisoformat(value[:10])
        except ValueError:
            return value
    elif isinstance(value, datetime.datetime):
        value = timezone.localdate(value) if timezone.is_aware(value) else value.date()
    return formats.date_format(value, "DATE_FORMAT")


def dates_shown(params: dict) -> dict:
    """The ISO dates among an event's ``params``, shown (a verb's ``format``)."""
    return {k: show_date(v) for k, v in params.items()
            if k in DATE_PARAMS and isinstance(v, str) and v}
