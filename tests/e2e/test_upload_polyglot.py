"""A polyglot that slipped into storage (``evil.html``: a PDF prefix, then a page with a
script) never runs in the manager's browser: it is served as a download or as a PDF, never
as HTML, with ``nosniff`` and a sandboxing CSP."""

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Error as PlaywrightError

from delivery import services
from delivery.models import ResearchAttachment, SiteResearch
from engagements.stages import Stage
from tests import factories as f
from tests.engagements.helpers import advance_to
from tests.factories import PASSWORD
from tests.scoping import scopes_disabled

pytestmark = pytest.mark.django_db(transaction=True)

POLYGLOT = (b"%PDF-1.4\n<html><head><title>evil</title></head><body>"
            b"<script>document.title='pwned';document.body.innerHTML='pwned'</script>"
            b"</body></html>\n%%EOF\n")


def _log_in(page, live_server, email):
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("form button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")


def _slipped_in(a, folder, content_type=""):
    name = default_storage.save(f"{a.firm.pk}/research/{folder * 32}/evil.html",
                                ContentFile(POLYGLOT))
    with scopes_disabled():
        e = advance_to(f.EngagementFactory(client=a.client, lead_consultant=a.consultant),
                       Stage.DELIVERY)
        site = services.site_research_save(
            record=SiteResearch(engagement=e, researched_on=timezone.localdate(),
                                location="罐区", collected="台账"),
            by=a.consultant, researchers=[a.consultant])
        att = ResearchAttachment.objects.create(firm=a.firm, research=site, file=name,
                                                uploaded_by=a.consultant,
                                                content_type=content_type)
    return name, reverse("delivery:attachment_file", args=[e.pk, att.pk])


def _open(page, url):
    """Navigate to ``url``; a download is what a safe answer may be. Returns the response
    (None when the browser only downloaded the file)."""
    try:
        with page.expect_download(timeout=5000) as download:
            try:
                response = page.goto(url)
            except PlaywrightError as exc:  # "Download is starting"
                assert "Download" in str(exc) or "download" in str(exc), exc
                response = None
        return response, download.value
    except PlaywrightError:  # no download: the browser showed the answer
        return response, None


def _assert_no_script_ran(page):
    assert page.evaluate("document.title") != "pwned"
    assert "pwned" not in page.evaluate("document.documentElement.outerHTML")


def test_a_stored_polyglot_never_runs_as_a_page(browser, live_server, a):
    name, attachment_url = _slipped_in(a, "0")
    _, inline_pdf_url = _slipped_in(a, "1", content_type="application/pdf")
    context = browser.new_context(accept_downloads=True)
    page = context.new_page()
    _log_in(page, live_server, a.manager.email)
    home_title = page.title()

    for url in (attachment_url, reverse("documents:private_file", args=[name])):
        answer = page.request.get(f"{live_server.url}{url}")
        assert answer.status == 200
        assert answer.headers["content-disposition"].startswith("attachment")
        assert "html" not in answer.headers["content-type"]
        assert answer.headers["x-content-type-options"] == "nosniff"
        assert "sandbox" in answer.headers["content-security-policy"]
        response, download = _open(page, f"{live_server.url}{url}")
        assert download is not None  # a download, not a page
        assert not download.suggested_filename.endswith((".html", ".htm"))
        assert page.title() == home_title
        _assert_no_script_ran(page)

    # recorded as a PDF (an old row backfilled by its magic): shown as a PDF at most
    answer = page.request.get(f"{live_server.url}{inline_pdf_url}")
    assert answer.headers["content-type"] == "application/pdf"
    response, download = _open(page, f"{live_server.url}{inline_pdf_url}")
    if response is not None:
        assert response.headers["content-type"] == "application/pdf"
    page.wait_for_timeout(500)
    _assert_no_script_ran(page)
    context.close()
