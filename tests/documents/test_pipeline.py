"""Asking for a PDF, rendering it in the task, storing it with its SHA-256."""

import hashlib
import os

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from consultancy.documents.models import GeneratedDocument
from consultancy.documents.registry import UnknownDocumentKind
from consultancy.documents.selectors import latest_document
from consultancy.documents.services import pdf_request, sha256_of
from consultancy.documents.tasks import render_document
from consultancy.tenancy.scoping import CrossFirmReference, firm_scope
from tests.scoping import fresh, scopes_disabled

from .conftest import BODY_TEXT, FAILING_KIND, KIND
from .helpers import poppler, rendered, requested

Status = GeneratedDocument.Status


def stored_bytes(document) -> bytes:
    with document.file.open("rb") as fh:
        return fh.read()


def test_request_is_pending_until_commit_then_rendered(a, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with firm_scope(a.firm.pk):  # as the page that asks for it
            document = pdf_request(owner=a.client, kind=KIND, by=a.consultant)
            assert GeneratedDocument.objects.get().status == Status.PENDING
    assert len(callbacks) == 1

    with firm_scope(a.firm.pk):
        document.refresh_from_db()
        assert document.owner == a.client and document.requested_by == a.consultant
    assert document.status == Status.READY
    data = stored_bytes(document)
    assert data.startswith(b"%PDF-")
    assert document.sha256 == hashlib.sha256(data).hexdigest() == sha256_of(document.file)
    assert len(document.sha256) == 64
    assert document.size == len(data)
    assert document.pages >= 1
    assert document.render_ms is not None and document.rendered_at is not None
    assert document.error == ""
    assert document.file.name.startswith(f"{a.firm.pk}/generated/")
    assert document.download_filename == f"示例合同_{a.client.pk}.pdf"


def test_the_request_returns_before_the_render(a, django_capture_on_commit_callbacks):
    """What a view that asks for a PDF relies on: nothing is rendered before commit."""
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        document = requested(a)
    assert len(callbacks) == 1
    fresh(document)
    assert document.status == Status.PENDING
    assert not document.file and document.sha256 == "" and document.pages is None


def test_pdf_has_the_cjk_font_embedded_and_the_text(a):
    document = rendered(a)
    path = document.file.path
    fonts = poppler("pdffonts", path).splitlines()
    cjk = [line for line in fonts if "CJK" in line]
    assert cjk, fonts
    # Columns: name type encoding emb sub uni object ID; "emb" and "sub" say yes.
    assert all(line.split()[-5] == "yes" and line.split()[-4] == "yes" for line in cjk), cjk
    text = poppler("pdftotext", path)
    assert "第 1 页 / 共 2 页" in text and "第 2 页 / 共 2 页" in text
    assert text.count(a.firm.name) >= 4  # both pages' headers, the parties, the signatures
    joined = text.replace("\n", "")  # -raw breaks lines where the PDF does
    assert BODY_TEXT in joined
    assert a.client.name in joined
    assert "第一条" in joined and "第二条" in joined
    assert f"编号：C-{a.client.pk}" in joined


def test_rendering_twice_does_not_render_again(a):
    document = rendered(a)
    name, digest = document.file.name, document.sha256
    assert render_document(a.firm.pk, document.pk) == Status.READY
    fresh(document)
    assert (document.file.name, document.sha256) == (name, digest)
    assert os.listdir(os.path.dirname(os.path.dirname(document.file.path))) == [
        os.path.basename(os.path.dirname(document.file.path))
    ]


def test_a_failing_builder_marks_the_document_failed(a, caplog):
    document = rendered(a, kind=FAILING_KIND)
    assert document.status == Status.FAILED
    assert "RuntimeError: 合同条款未填写完整" in document.error
    assert not document.file and document.sha256 == ""
    assert "failed" in caplog.text
    # A failed document stays failed: asking again is a new request.
    assert render_document(a.firm.pk, document.pk) == Status.FAILED


def test_a_template_error_marks_the_document_failed(a):
    from consultancy.documents import registry
    from consultancy.documents.registry import PdfSpec

    registry.register("test-missing-template", lambda owner: PdfSpec("pdf/nope.html", {}))
    try:
        document = rendered(a, kind="test-missing-template")
    finally:
        registry.unregister("test-missing-template")
    assert document.status == Status.FAILED
    assert "TemplateDoesNotExist" in document.error


def test_a_task_with_another_firms_id_finds_nothing(a, b):
    document = requested(a)
    assert render_document(b.firm.pk, document.pk) == "missing"
    fresh(document)
    assert document.status == Status.PENDING


def test_unknown_kind_and_cross_firm_requests_are_refused(a, b):
    with pytest.raises(UnknownDocumentKind), firm_scope(a.firm):
        pdf_request(owner=a.client, kind="no-such-kind", by=a.consultant)
    with pytest.raises(CrossFirmReference), firm_scope(a.firm):
        pdf_request(owner=a.client, kind=KIND, by=b.consultant)
    with scopes_disabled():
        assert not GeneratedDocument.objects.exists()


def test_latest_document(a, b):
    with firm_scope(a.firm.pk):
        assert latest_document(a.client, KIND) is None
        first = rendered(a)
        second = requested(a)
        requested(a, kind=FAILING_KIND)
        assert latest_document(a.client, KIND) == second
        assert latest_document(a.client, KIND, ready=True) == first
        assert latest_document(a.client, FAILING_KIND).kind == FAILING_KIND
    with firm_scope(b.firm.pk):
        assert latest_document(b.client, KIND) is None


def test_sha256_of_a_stored_and_of_an_unsaved_upload(a):
    document = rendered(a)
    assert sha256_of(document.file) == document.sha256
    assert document.file.closed

    content = b"%PDF-1.7 signed copy " * 100_000  # > one chunk
    upload = SimpleUploadedFile("signed.pdf", content, content_type="application/pdf")
    assert sha256_of(upload, chunk_size=64 * 1024) == hashlib.sha256(content).hexdigest()
    assert not upload.closed and upload.tell() == 0  # still usable to save
    assert upload.read(5) == b"%PDF-"
