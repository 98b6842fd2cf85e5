"""The crawl follows what a page loads after it (``hx-get`` on load) as well as its links,
so the engagement page's lazily loaded sections are measured too (issue 19)."""

from tests.budget.crawl import HREF, LOADED


def test_a_section_loaded_after_the_page_is_followed_and_a_poll_or_a_click_is_not():
    html = ('<div id="h" hx-get="/engagements/2/history/?history_page=2" hx-trigger="load" '
            'hx-swap="outerHTML"><a href="/fallback/">x</a></div>'
            '<div hx-get="/documents/9/status/" hx-trigger="every 1s"></div>'
            '<button hx-get="/delivery/2/row/" hx-target="#rows">+</button>')
    assert LOADED.findall(html) == ["/engagements/2/history/?history_page=2"]
    assert HREF.findall(html) == ["/fallback/"]
