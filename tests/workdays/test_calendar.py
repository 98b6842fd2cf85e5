"""China's working days: public holidays and make-up working days (调休) from the State
Council's schedules, seeded by a migration and kept by the platform operator (clause 9.4:
complaint time limits counted in working days)."""

import datetime

import pytest
from django.urls import reverse

from consultancy.workdays import calendar
from consultancy.workdays.models import CalendarDay
from feedback.models import FeedbackSettings
from tests.conftest import login

pytestmark = pytest.mark.django_db

D = datetime.date


@pytest.fixture(autouse=True)
def _fresh(china_calendar):
    """The calendar as its migration seeds it, even after a transactional test of the same
    worker emptied the tables; its cache cleared (conftest)."""


def test_the_migrations_seeded_the_schedules_up_to_2026():
    assert calendar.covered_years() >= set(range(2004, 2027))
    national_day = CalendarDay.objects.get(date=D(2026, 10, 1))
    assert national_day.kind == "holiday" and national_day.name == "国庆节"


@pytest.mark.parametrize(("day", "working"), [
    (D(2026, 9, 30), True),    # the Wednesday before National Day
    (D(2026, 10, 1), False),   # National Day
    (D(2026, 10, 7), False),   # the last day of the Golden Week
    (D(2026, 10, 8), True),
    (D(2026, 10, 10), True),   # a Saturday made a working day (调休)
    (D(2026, 10, 11), False),  # an ordinary Sunday
    (D(2026, 2, 14), True),    # Saturday before the Spring Festival, a make-up day
    (D(2026, 2, 16), False),   # Spring Festival
    (D(2026, 2, 23), False),
    (D(2026, 2, 24), True),
])
def test_working_days_of_2026(day, working):
    assert calendar.is_working_day(day) is working


def test_counting_across_national_day():
    # From the last working day of September: the holiday week is skipped
    assert calendar.add_working_days(D(2026, 9, 30), 1) == D(2026, 10, 8)
    # From the Friday after it: the make-up Saturday counts
    assert calendar.add_working_days(D(2026, 10, 9), 1) == D(2026, 10, 10)
    # 15 working days from Sunday 27 Sep: 28–30 Sep (3), 1–7 Oct off, 8–9 Oct (5), the
    # make-up Saturday 10 Oct (6), 12–16 Oct (11), 19–22 Oct (15); by weekdays alone it
    # would be 16 Oct
    assert calendar.add_working_days(D(2026, 9, 27), 15) == D(2026, 10, 22)
    assert calendar.working_days_between(D(2026, 9, 27), D(2026, 10, 22)) == 15


def test_counting_across_the_spring_festival():
    # Friday 13 Feb 2026 + 1: the make-up Saturday 14 Feb
    assert calendar.add_working_days(D(2026, 2, 13), 1) == D(2026, 2, 14)
    # Saturday 14 Feb + 1: the whole festival (15–23 Feb) is skipped
    assert calendar.add_working_days(D(2026, 2, 14), 1) == D(2026, 2, 24)


def test_an_uncovered_year_counts_monday_to_friday_and_is_reported():
    assert calendar.add_working_days(D(2030, 10, 1), 1) == D(2030, 10, 2)
    assert calendar.missing_years(D(2026, 11, 30)) == []
    assert calendar.missing_years(D(2026, 12, 1)) == [2027]
    assert calendar.missing_years(D(2031, 3, 1)) == [2031]


def test_a_day_the_operator_adds_counts_at_once():
    assert calendar.is_working_day(D(2027, 1, 1))
    CalendarDay.objects.create(date=D(2027, 1, 1), kind="holiday", name="元旦")
    assert not calendar.is_working_day(D(2027, 1, 1))
    assert calendar.missing_years(D(2026, 12, 1)) == []


def test_complaint_limits_count_the_chinese_calendar(a):
    settings_row = FeedbackSettings(firm=a.firm, working_days=True)
    assert settings_row.due_on(D(2026, 9, 30), "acknowledge") == D(2026, 10, 8)
    settings_row.working_days = False
    assert settings_row.due_on(D(2026, 9, 30), "acknowledge") == D(2026, 10, 1)


def test_only_the_operator_changes_the_calendar(client, a, b, django_user_model):
    url = reverse("admin:workdays_calendarday_changelist")
    login(client, a.manager)
    assert client.get(url).status_code == 200  # managers may read it
    day = CalendarDay.objects.get(date=D(2026, 10, 1))
    response = client.post(reverse("admin:workdays_calendarday_change", args=[day.pk]),
                           {"date": "2026-10-01", "kind": "workday", "name": "x"})
    assert response.status_code == 403
    day.refresh_from_db()
    assert day.kind == "holiday"
    operator = django_user_model.objects.create_superuser(email="op@platform.test",
                                                          password="x" * 12)
    client.force_login(operator)
    response = client.post(reverse("admin:workdays_calendarday_add"),
                           {"date": "2027-01-01", "kind": "holiday", "name": "元旦"})
    assert response.status_code == 302
    assert CalendarDay.objects.filter(date=D(2027, 1, 1)).exists()


def test_the_missing_schedule_warning_from_1_december(client, a, b, monkeypatch):
    from django.utils import timezone

    login(client, a.manager)
    monkeypatch.setattr(timezone, "localdate", lambda *args: D(2026, 12, 1))
    for url in (reverse("dashboard:index"), reverse("admin:index")):
        page = client.get(url)
        assert page.status_code == 200
        assert 'id="missing-holiday-schedule"' in page.text and "2027" in page.text
    login(client, a.consultant)
    assert 'id="missing-holiday-schedule"' not in client.get(reverse("home")).text
    monkeypatch.setattr(timezone, "localdate", lambda *args: D(2026, 11, 30))
    login(client, b.manager)
    assert 'id="missing-holiday-schedule"' not in client.get(reverse("dashboard:index")).text
