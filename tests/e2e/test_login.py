"""Logging in, in Chinese and in English, as a consultant and as a client contact."""

import pytest

from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)


def _log_in(page, live_server, email):
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("form button[type=submit]")


@pytest.mark.parametrize(
    ("lang", "accept", "home_text", "portal_text"),
    [("zh", "zh-CN", "咨询项目", "客户门户"), ("en", "en-US", "Engagements", "Client portal")],
)
def test_consultant_and_contact_log_in(
    browser, live_server, a, b, shot, lang, accept, home_text, portal_text
):
    context = browser.new_context(locale=accept, extra_http_headers={"Accept-Language": accept})
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    shot(page, f"login-{lang}")
    _log_in(page, live_server, a.consultant.email)
    page.wait_for_url(f"{live_server.url}/")
    assert home_text in page.content()
    shot(page, f"consultant-home-{lang}")
    page.goto(f"{live_server.url}/clients/")
    shot(page, f"client-list-{lang}")
    context.clear_cookies()

    _log_in(page, live_server, a.contact.user.email)
    page.wait_for_url(f"{live_server.url}/portal/")
    assert portal_text in page.content()
    shot(page, f"portal-home-{lang}")
    response = page.goto(f"{live_server.url}/clients/")
    assert response.status == 404
    context.close()


def test_phone_sized_client_list(phone_page, live_server, a, shot):
    _log_in(phone_page, live_server, a.consultant.email)
    phone_page.wait_for_url(f"{live_server.url}/")
    phone_page.goto(f"{live_server.url}/clients/{a.client.pk}/")
    assert a.client.name in phone_page.content()
    shot(phone_page, "client-detail-phone")
