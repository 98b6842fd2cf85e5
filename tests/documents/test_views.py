"""The status fragment, the download, the retry: firm staff of the document's firm only."""

import hashlib

import pytest
from django.db import connection
from django.http import Http404
from django.template import Context, Template
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from consultancy.documents import registry, views
from consultancy.documents.models import GeneratedDocument
from consultancy.tenancy.scoping import firm_scope
from tests.conftest import login

from .conftest import FAILING_KIND, KIND
from .helpers import rendered, requested

Status = GeneratedDocument.Status


def urls(document):
    return {name: reverse(f"documents:{name}", args=[document.pk])
            for name in ("status", "download", "retry")}


def get(client, url, **extra):
    return client.get(url, HTTP_ACCEPT_LANGUAGE="en", **extra)


def test_status_while_pending_polls_itself(client, a):
    document = requested(a)
    login(client, a.consultant)
    resp = get(client, urls(document)["status"], HTTP_HX_REQUEST="true")
    assert resp.status_code == 200
    html = resp.text
    assert 'data-status="pending"' in html
    assert f'hx-get="{urls(document)["status"]}"' in html
    assert 'hx-trigger="every 1s"' in html and 'hx-swap="outerHTML"' in html
    assert "Generating the PDF…" in html
    assert urls(document)["download"] not in html
    assert "<html" not in html  # a fragment


def test_status_when_ready_links_the_download_and_shows_the_hash(client, a):
    document = rendered(a)
    login(client, a.consultant)
    html = get(client, urls(document)["status"]).text
    assert 'data-status="ready"' in html
    assert "hx-trigger" not in html  # polling stops
    assert f'href="{urls(document)["download"]}"' in html
    assert document.sha256 in html
    assert document.download_filename in html


def test_status_when_failed_shows_the_error_and_offers_a_retry(client, a):
    document = rendered(a, kind=FAILING_KIND)
    login(client, a.consultant)
    html = get(client, urls(document)["status"]).text
    assert 'data-status="failed"' in html
    assert "合同条款未填写完整" in html
    assert f'hx-post="{urls(document)["retry"]}"' in html
    assert "hx-trigger" not in html


def test_retry_requests_the_document_again(client, a, django_capture_on_commit_callbacks):
    registry.register("test-flaky", lambda owner: (_ for _ in ()).throw(OSError("disk full")))
    try:
        document = rendered(a, kind="test-flaky")
    finally:
        registry.unregister("test-flaky")
    assert document.is_failed
    registry.register("test-flaky", lambda owner: registry.builder_for(KIND)(owner))
    try:
        login(client, a.manager)
        with django_capture_on_commit_callbacks(execute=True):
            resp = client.post(urls(document)["retry"], HTTP_HX_REQUEST="true")
    finally:
        registry.unregister("test-flaky")
    with firm_scope(a.firm.pk):
        newest = GeneratedDocument.objects.order_by("-pk").first()
    # The answer is the new document's fragment (rendered after the commit).
    assert resp.status_code == 200 and f'id="document-{newest.pk}"' in resp.text
    with firm_scope(a.firm.pk):
        assert newest.pk != document.pk and newest.is_ready
        assert newest.requested_by == a.manager
        assert GeneratedDocument.objects.get(pk=document.pk).is_failed  # history kept


def test_retry_leaves_a_ready_document_alone(client, a):
    document = rendered(a)
    login(client, a.consultant)
    resp = client.post(urls(document)["retry"], HTTP_HX_REQUEST="true")
    assert resp.status_code == 200
    with firm_scope(a.firm.pk):
        assert GeneratedDocument.objects.count() == 1


def test_download_serves_the_stored_bytes_as_attachment(client, a):
    document = rendered(a)
    login(client, a.consultant)
    resp = get(client, urls(document)["download"])
    assert resp.status_code == 200
    data = b"".join(resp.streaming_content)
    assert hashlib.sha256(data).hexdigest() == document.sha256
    assert resp["Content-Type"] == "application/pdf"
    assert resp["Content-Disposition"].startswith("attachment;")
    assert "filename*=utf-8''" in resp["Content-Disposition"]  # the Chinese name, encoded
    assert resp["Cache-Control"] == "private, no-store"


def test_download_of_a_pending_document_is_404(client, a):
    document = requested(a)
    login(client, a.consultant)
    assert get(client, urls(document)["download"]).status_code == 404


@pytest.mark.parametrize("who", ["manager", "consultant"])
def test_another_firms_staff_get_404(client, a, b, who):
    document = rendered(a)
    login(client, getattr(b, who))
    for name, url in urls(document).items():
        resp = client.post(url) if name == "retry" else get(client, url)
        assert resp.status_code == 404, name


def test_a_client_contact_gets_404(client, a):
    document = rendered(a)
    login(client, a.contact.user)
    for name, url in urls(document).items():
        resp = client.post(url) if name == "retry" else get(client, url)
        assert resp.status_code == 404, name


def test_the_views_refuse_a_client_contact_without_the_middleware(a):
    """The confinement middleware 404s contacts outside /portal/; the views check anyway."""
    document = rendered(a)
    request = RequestFactory().get(urls(document)["status"])
    request.user = a.contact.user
    with firm_scope(a.firm.pk):
        for view in (views.document_status, views.document_download):
            with pytest.raises(Http404):
                view(request, pk=document.pk)


def test_anonymous_is_sent_to_log_in(client, a):
    document = rendered(a)
    resp = get(client, urls(document)["status"])
    assert resp.status_code == 302 and "/accounts/login/" in resp["Location"]


def test_a_registered_access_check_narrows_who_may_see(client, a):
    document = rendered(a)
    registry.register_access(KIND, lambda user, owner: user.is_manager)
    try:
        login(client, a.consultant)
        assert get(client, urls(document)["status"]).status_code == 404
        assert get(client, urls(document)["download"]).status_code == 404
        login(client, a.manager)
        assert get(client, urls(document)["status"]).status_code == 200
        assert get(client, urls(document)["download"]).status_code == 200
    finally:
        registry._access.pop(KIND, None)


def test_status_view_query_count_is_constant(client, a):
    login(client, a.consultant)
    counts = {}
    for label, make in (("pending", requested), ("ready", rendered),
                        ("failed", lambda w: rendered(w, kind=FAILING_KIND))):
        document = make(a)
        with CaptureQueriesContext(connection) as ctx:
            assert get(client, urls(document)["status"]).status_code == 200
        counts[label] = len(ctx.captured_queries)
    for _ in range(5):
        rendered(a)
    with CaptureQueriesContext(connection) as ctx:
        get(client, urls(document)["status"])
    counts["many"] = len(ctx.captured_queries)
    assert len(set(counts.values())) == 1, counts
    assert counts["ready"] <= 4, counts  # session, user, document, owner


def test_the_include_makes_no_query(a, django_assert_num_queries):
    document = rendered(a)
    template = Template('{% include "documents/_status.html" with document=doc %}')
    with django_assert_num_queries(0):
        html = template.render(Context({"doc": document}))
    assert document.sha256 in html
    assert Template('{% include "documents/_status.html" with document=None %}').render(
        Context()).strip() == ""
