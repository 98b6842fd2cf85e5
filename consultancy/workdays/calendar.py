"""Working days by China's statutory calendar (the ``CalendarDay`` table).

A day is a working day when it is a make-up working day, or a Monday to Friday that is not
a public holiday. Every working-day computation in the product goes through here. The
table is read a year at a time and kept in the process; a change in the admin clears it.
A year the table does not cover counts Monday to Friday, and :func:`missing_years` says
so, so that the operator's and managers' pages can warn.
"""

import datetime
import threading

_lock = threading.Lock()
_years: dict[int, dict[datetime.date, str]] = {}
_covered: set[int] | None = None


def forget(**_kwargs) -> None:
    """Drop what was read (a calendar day was added, changed or deleted)."""
    global _covered
    with _lock:
        _years.clear()
        _covered = None


def _special_days(year: int) -> dict[datetime.date, str]:
    days = _years.get(year)
    if days is None:
        from .models import CalendarDay

        days = dict(CalendarDay.objects.filter(date__year=year).values_list("date", "kind"))
        with _lock:
            _years[year] = days
    return days


def covered_years() -> set[int]:
    global _covered
    if _covered is None:
        from .models import CalendarDay

        years = {d.year for d in CalendarDay.objects.dates("date", "year")}
        with _lock:
            _covered = years
    return _covered


def is_working_day(day: datetime.date) -> bool:
    kind = _special_days(day.year).get(day)
    if kind is not None:
        return kind == "workday"
    return day.weekday() < 5


def add_working_days(start: datetime.date, days: int) -> datetime.date:
    """The date ``days`` working days after ``start`` (zero days is ``start`` itself)."""
    day = start
    left = days
    while left > 0:
        day += datetime.timedelta(days=1)
        if is_working_day(day):
            left -= 1
    return day


def working_days_between(start: datetime.date, end: datetime.date) -> int:
    """Working days after ``start`` up to and including ``end`` (0 if ``end`` ≤ ``start``)."""
    count = 0
    day = start
    while day < end:
        day += datetime.timedelta(days=1)
        if is_working_day(day):
            count += 1
    return count


def missing_years(today: datetime.date) -> list[int]:
    """The years whose schedule should be in the table but is not: this year, and from
    1 December (by when the State Council has usually published it) the next one."""
    wanted = [today.year] + ([today.year + 1] if today.month == 12 else [])
    covered = covered_years()
    return [y for y in wanted if y not in covered]
