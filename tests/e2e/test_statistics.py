"""The satisfaction statistics archive (9.5) in the browser, on the demo's two years of
survey history: a manager opens it from the menu, reads the figures and the charts,
chooses another period, and asks for the PDF report, which appears when ready.
Screenshot: var/screenshots/statistics-zh.png (docs/screenshots/statistics-zh.png)."""

import pytest
from django.utils import timezone

from consultancy.demo import clients as clients_demo
from consultancy.demo import firms as tenancy_demo
from consultancy.demo import history as demo_history
from consultancy.demo.common import DemoContext
from feedback import statistics
from tests.scoping import scopes_disabled

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def desktop_page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = context.new_page()
    yield page
    context.close()


def test_statistics_page_and_pdf(desktop_page, phone_page, live_server, shot):
    ctx = DemoContext()
    with scopes_disabled():
        tenancy_demo.load(ctx)
        clients_demo.load(ctx)
        demo_history.load(ctx)
    firm = ctx.data["firms"]["antai"]["firm"]
    manager = ctx.data["firms"]["antai"]["people"]["manager"]
    today = timezone.localdate()
    page, url = desktop_page, live_server.url
    page.goto(f"{url}/accounts/login/")
    page.fill("input[name=username]", manager.email)
    page.fill("input[name=password]", ctx.password)
    page.click("form button[type=submit]")
    page.wait_for_url(f"{url}/")

    # from the menu
    page.click("#nav-satisfaction > a")
    page.click("#nav-statistics")
    page.wait_for_selector("#summary")
    with scopes_disabled():
        start, end = statistics.preset_range("last_12_months", today)
        stats = statistics.compute(firm, start, end)
    assert stats.total.responses > 5
    assert page.inner_text("#total-responses") == str(stats.total.responses)
    assert page.inner_text("#mean-rating") == str(stats.total.mean)
    assert page.inner_text("#recommend-score") == str(stats.total.recommend_score)
    assert page.locator("#chart-consultants svg g.bar").count() == len(
        [c for c in stats.consultants if c.scale_n])
    assert page.locator("#chart-mean svg circle").count() == len(
        [p for p in stats.periods if p.mean is not None])
    assert page.locator("#comments li").count() == stats.comments_count
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280
    shot(page, "statistics-zh")

    # another period: last year, by quarter
    page.select_option("select[name=preset]", "last_year")
    page.select_option("select[name=group_by]", "quarter")
    page.click("#apply-period")
    page.wait_for_url("**group_by=quarter**")
    assert page.locator("#by-period tbody tr").count() == 4
    with scopes_disabled():
        start, end = statistics.preset_range("last_year", today)
        last_year = statistics.compute(firm, start, end, "quarter")
    assert page.inner_text("#total-responses") == str(last_year.total.responses)
    assert page.inner_text("#period-shown").startswith(f"{today.year - 1}年1月1日")

    # the PDF of that period, through htmx: the status turns into the download link
    page.click("#request-pdf")
    link = page.locator("#report-status a[href*='/download']")
    link.wait_for(timeout=60000)
    assert link.inner_text().strip().endswith(".pdf")
    shot(page, "statistics-pdf-requested-zh")

    # the question set, from the page
    page.click("#question-set-link")
    page.wait_for_selector("#question-list")
    assert page.locator("#question-list tbody tr").count() == 8

    # on a phone: nothing wider than the screen, the charts scaled to it
    page, width = phone_page, 390
    page.goto(f"{url}/accounts/login/")
    page.fill("input[name=username]", manager.email)
    page.fill("input[name=password]", ctx.password)
    page.click("form button[type=submit]")
    page.wait_for_url(f"{url}/")
    page.goto(f"{url}/statistics/")
    page.wait_for_selector("#chart-consultants svg")
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    box = page.locator("#chart-responses svg").bounding_box()
    assert box["width"] <= width
    shot(page, "statistics-phone-zh")
