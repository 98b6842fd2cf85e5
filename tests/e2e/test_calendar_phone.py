"""The calendar on a phone: the month as a list of the days that have something, the week
day by day, and the private calendar link made, shown once and revoked (no inline script:
the CSP check of conftest fails the test on any refusal)."""

import pytest

from engagements.stages import Stage
from feedback.selectors import follow_up_summary
from tests.factories import PASSWORD
from tests.feedback.helpers import handed_over, to_follow_up
from tests.scoping import scopes_disabled

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_calendar_on_a_phone(phone_page, live_server, a, b, shot):
    with scopes_disabled():
        e = to_follow_up(handed_over(a), a)
        assert e.stage == Stage.FOLLOW_UP
        ends = follow_up_summary(e).guidance_ends_on
    page, url = phone_page, live_server.url
    page.goto(f"{url}/accounts/login/")
    page.fill("input[name=username]", a.consultant.email)
    page.fill("input[name=password]", PASSWORD)
    page.click("form button[type=submit]")
    page.wait_for_url(f"{url}/")

    page.goto(f"{url}/calendar/?date={ends.isoformat()}")
    assert not page.is_visible("#calendar-month")  # the grid is for wider screens
    day = page.locator(f"#calendar-month-list [data-day='{ends.isoformat()}']")
    assert day.is_visible() and e.number in day.inner_text()
    assert f"{ends.year}年{ends.month}月{ends.day}日" in day.inner_text()
    shot(page, "calendar-phone-month")

    page.click("#view-week")
    page.wait_for_selector("#calendar-week")
    assert page.locator("#calendar-week .cal-day").count() == 7
    shot(page, "calendar-phone-week")

    page.click("#feed-create")
    page.wait_for_selector("#feed-url")
    link = page.input_value("#feed-url input")
    assert "/calendar/feed/" in link and link.endswith(".ics")
    shot(page, "calendar-phone-link")
    page.click("#feed-revoke")
    page.wait_for_selector("#feed-create")
    assert not page.is_visible("#feed-url")
