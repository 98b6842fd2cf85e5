"""Uploads that cannot run script (ASVS V12): the type comes from the content, each field
has its allow-list, polyglots and active Office content are refused on the form (the rest
of the form kept), the stored name carries the sniffed type's extension, and every file is
served with its stored type, ``nosniff``, a sandboxing CSP and an attachment disposition
unless it is a PDF or a raster image. Each upload surface is driven through its real form:
site research attachments, project documents, qualification scans, signed contract copies.
"""

import datetime
import os
from dataclasses import dataclass, field

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.urls import reverse
from django.utils import timezone

from consultancy.tenancy.files import (
    ATTACHMENT_TYPES,
    DOCUMENT_TYPES,
    KINDS,
    PHOTO_TYPES,
    SCAN_TYPES,
    UploadValidator,
    backfill_content_types,
    safe_filename,
    sniff,
)
from consultancy.tenancy.models import Qualification
from contracts.models import Contract
from delivery import services as delivery_services
from delivery.models import DocumentVersion, ResearchAttachment, SiteResearch
from engagements.stages import Stage
from tests import factories as f
from tests.conftest import login, zh
from tests.engagements.helpers import advance_to, meet_contracting
from tests.scoping import scopes_disabled
from tests.uploads import SCRIPT, image_bytes, jpeg_bytes, ooxml_bytes, pdf_bytes, png_bytes, upload
from tests.versions import with_versions

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
KEPT = "保留的说明文字"  # typed into another field of every form: must survive a refusal

POLYGLOTS = {
    "pdf-prefix-html": ("evil.html", b"%PDF-1.4\n" + SCRIPT),
    "pdf-then-script": ("report.pdf", pdf_bytes(b"x") + b"<script>alert(1)</script>"),
    "png-prefix-htm": ("photo.htm", png_bytes() + SCRIPT),
    "jpeg-then-svg": ("photo.jpg", jpeg_bytes() + b'<svg onload="alert(1)"></svg>'),
    "png-then-iframe": ("p.png", png_bytes() + b"<IFRAME src=x>"),
    "pdf-javascript-url": ("a.pdf", pdf_bytes(b"JavaScript:alert(1)")),
    "pdf-doctype": ("a.pdf", pdf_bytes(b"<!DOCTYPE HTML>")),
}
ACTIVE_OFFICE = {
    "docx-vba": ooxml_bytes("docx", {"word/vbaProject.bin": b"\xd0\xcf\x11\xe0 macro"}),
    "xlsx-macro-type": ooxml_bytes("xlsx", content_types=(
        b'<Default Extension="bin" ContentType="application/vnd.ms-excel.sheet.macroEnabled'
        b'.main+xml"/>')),
    "docx-exe": ooxml_bytes("docx", {"word/embeddings/setup.exe": b"MZ\x90\x00"}),
    "pptx-ole": ooxml_bytes("pptx", {"ppt/embeddings/oleObject1.bin": b"\xd0\xcf\x11\xe0"}),
    "docx-js": ooxml_bytes("docx", {"word/media/run.js": b"WScript.Shell"}),
    "xlsx-ps1": ooxml_bytes("xlsx", {"xl/media/a.PS1": b"Invoke-Expression"}),
    "docx-bat": ooxml_bytes("docx", {"x.bat": b"del *"}),
    "docx-dll": ooxml_bytes("docx", {"x.dll": b"MZ"}),
    "docx-vbs": ooxml_bytes("docx", {"x.vbs": b"MsgBox"}),
}


def _ole(stream_names):
    """An OLE compound file header followed by directory entry names (UTF-16, NUL-ended)."""
    return (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504
            + b"".join(n.encode("utf-16-le") + b"\x00\x00" for n in stream_names))


# -- the checks on their own --------------------------------------------------------------


@pytest.mark.parametrize("kind, content", [
    ("pdf", pdf_bytes(b"ok")), ("png", png_bytes()), ("jpeg", jpeg_bytes()),
    ("webp", image_bytes("WEBP")), ("docx", ooxml_bytes("docx")),
    ("xlsx", ooxml_bytes("xlsx")), ("pptx", ooxml_bytes("pptx")),
    ("doc", _ole(["Root Entry", "WordDocument", "1Table"])),
    ("xls", _ole(["Root Entry", "Workbook"])),
])
def test_each_allowed_type_is_sniffed_and_accepted(kind, content):
    uploaded = upload("whatever.html", content)
    assert sniff(uploaded).name == kind
    UploadValidator(ATTACHMENT_TYPES, max_mb=15)(uploaded)
    assert uploaded.tell() == 0  # the checks leave the file where it was


@pytest.mark.parametrize("case", sorted(POLYGLOTS))
def test_polyglots_are_refused_whatever_their_name(case):
    name, content = POLYGLOTS[case]
    with pytest.raises(Exception) as exc:
        UploadValidator(ATTACHMENT_TYPES, max_mb=15)(upload(name, content))
    assert exc.value.code == "file_polyglot"


@pytest.mark.parametrize("case", sorted(ACTIVE_OFFICE))
def test_office_files_with_programs_or_macros_are_refused(case):
    with pytest.raises(Exception) as exc:
        UploadValidator(DOCUMENT_TYPES, max_mb=30)(upload("a.docx", ACTIVE_OFFICE[case]))
    assert exc.value.code == "file_active_content"


@pytest.mark.parametrize("streams", [
    ["Root Entry", "WordDocument", "Macros", "VBA"],
    ["Root Entry", "Workbook", "_VBA_PROJECT_CUR"],
    ["Root Entry", "WordDocument", "ObjectPool", "\x01Ole10Native"],
])
def test_old_office_files_with_macros_or_embedded_packages_are_refused(streams):
    with pytest.raises(Exception) as exc:
        UploadValidator(DOCUMENT_TYPES, max_mb=30)(upload("a.doc", _ole(streams)))
    assert exc.value.code == "file_active_content"


@pytest.mark.parametrize("content, code", [
    (b"%PDF-1.4 no end", "file_damaged"),  # the magic alone is not a PDF
    (pdf_bytes()[:-30], "file_damaged"),  # cut short
    (png_bytes()[:40], "file_damaged"),
    (b"\xff\xd8\xff\xe0" + b"\x00" * 64, "file_damaged"),
    (b"PK\x03\x04" + b"\x00" * 64, "file_type"),  # a zip that is no Office file
    (b"<svg xmlns='http://www.w3.org/2000/svg'><script>1</script></svg>", "file_type"),
    (b"<!doctype html><script>1</script>", "file_type"),
    (b"MZ\x90\x00 a program", "file_type"),
    (b"GIF89a" + b"\x00" * 64, "file_type"),
])
def test_damaged_and_unknown_files_are_refused(content, code):
    with pytest.raises(Exception) as exc:
        UploadValidator(ATTACHMENT_TYPES, max_mb=15)(upload("a.pdf", content))
    assert exc.value.code == code


def test_each_field_keeps_its_allow_list():
    def types_of(model, name):
        (validator,) = model._meta.get_field(name).validators
        return set(validator.types), validator.max_mb

    assert types_of(Qualification, "scan") == ({"pdf", "jpeg", "png"}, 10)
    assert types_of(Contract, "signed_copy") == ({"pdf", "jpeg", "png"}, 20)
    assert types_of(ResearchAttachment, "file") == (
        {"jpeg", "png", "webp", "pdf", "docx", "xlsx", "pptx", "doc", "xls"}, 15)
    assert types_of(DocumentVersion, "file") == (
        {"pdf", "jpeg", "png", "docx", "xlsx", "pptx", "doc", "xls"}, 30)
    with pytest.raises(Exception) as exc:
        UploadValidator(SCAN_TYPES)(upload("a.docx", ooxml_bytes("docx")))
    assert exc.value.code == "file_type"


@pytest.mark.parametrize("name, expected", [
    ("../../etc/passwd", "passwd"),
    ("..\\..\\windows\\win.ini", "win.ini"),
    ("a\x00b.pdf", "ab.pdf"),
    ("..", "file"),
    (".htaccess", "htaccess"),
    ("证书 扫描件.PDF", "证书_扫描件.pdf"),
    ("x" * 300 + ".pdf", "x" * 80 + ".pdf"),
])
def test_safe_filename(name, expected):
    assert safe_filename(name) == expected


def test_rows_stored_before_the_type_was_recorded_are_backfilled(a, unscoped):
    a.qualification.scan.save("old.pdf", ContentFile(pdf_bytes()), save=True)
    Qualification.objects.filter(pk=a.qualification.pk).update(scan_content_type="")
    backfill_content_types(Qualification, "scan", "scan_content_type")
    a.qualification.refresh_from_db()
    assert a.qualification.scan_content_type == "application/pdf"


# -- the forms and the file views ---------------------------------------------------------


@dataclass
class Surface:
    """One upload form and the views that serve what it stored."""

    name: str
    inline: bool  # the staff view lets a PDF or an image open in the browser
    user: str = "consultant"
    made: dict = field(default_factory=dict)

    def setup(self, w):
        with scopes_disabled():
            if self.name == "signed_copy":
                e = advance_to(f.EngagementFactory(client=w.client, lead_consultant=w.consultant),
                               Stage.CONTRACTING)
                contract = meet_contracting(e, sign=False, render=False)
                return {"engagement": e, "contract": contract}
            if self.name == "scan":
                return {}
            e = advance_to(f.EngagementFactory(client=w.client, lead_consultant=w.consultant),
                           Stage.DELIVERY)
            site = delivery_services.site_research_save(
                record=SiteResearch(engagement=e, researched_on=TODAY, location="罐区",
                                    collected="台账"), by=w.consultant, researchers=[w.consultant])
            return {"engagement": e, "site": site}

    def post(self, client, w, ctx, uploaded):
        login(client, getattr(w, self.user))
        if self.name == "research":
            url = reverse("delivery:attachment_add", args=[ctx["engagement"].pk, ctx["site"].pk])
            return client.post(url, {"file": uploaded, "caption": KEPT})
        if self.name == "document":
            url = reverse("delivery:document_create", args=[ctx["engagement"].pk])
            return client.post(url, {"category": "ledger", "title": KEPT, "file": uploaded,
                                     "note": ""})
        if self.name == "scan":
            url = reverse("staff:qualification_create", args=[w.manager.pk])
            return client.post(url, {
                "kind": "other", "name": KEPT, "number": "ZS-2026-9", "valid_from": TODAY,
                "valid_until": TODAY + datetime.timedelta(days=365), "scan": uploaded})
        url = reverse("contracts:sign", args=[ctx["engagement"].pk, ctx["contract"].pk])
        return client.post(url, with_versions(client, url, {
            "firm_signatory": w.consultant.pk, "firm_signed_on": TODAY.isoformat(),
            "client_signatory": KEPT, "client_signed_on": TODAY.isoformat(),
            "signed_copy": uploaded}))

    def stored(self, w, ctx, portal=False):
        """(the stored FieldFile, its recorded type, the staff URL, the portal URL or None);
        ``portal``: a project document is delivered first, so that the portal serves it."""
        with scopes_disabled():
            if self.name == "research":
                att = ResearchAttachment.objects.filter(research=ctx["site"]).latest("pk")
                return att.file, att.content_type, reverse(
                    "delivery:attachment_file", args=[ctx["engagement"].pk, att.pk]), None
            if self.name == "document":
                version = DocumentVersion.objects.filter(
                    document__engagement=ctx["engagement"]).latest("pk")
                portal_url = None
                if portal:
                    (delivery,) = delivery_services.documents_deliver(
                        engagement=ctx["engagement"], versions=[version], delivered_on=TODAY,
                        by=w.consultant)
                    portal_url = reverse("portal:delivery_file",
                                         args=[ctx["engagement"].pk, delivery.pk])
                return version.file, version.content_type, reverse(
                    "delivery:version_file",
                    args=[ctx["engagement"].pk, version.document_id, version.pk]), portal_url
            if self.name == "scan":
                q = Qualification.objects.get(holder=w.manager, number="ZS-2026-9")
                return q.scan, q.scan_content_type, reverse("qualification_scan",
                                                            args=[q.pk]), None
            contract = Contract.objects.get(pk=ctx["contract"].pk)
            return contract.signed_copy, contract.signed_copy_content_type, reverse(
                "contracts:signed_copy", args=[ctx["engagement"].pk, contract.pk]), reverse(
                "portal:contract_signed", args=[ctx["engagement"].pk, contract.pk])

    def saved_count(self, ctx, w):
        with scopes_disabled():
            if self.name == "research":
                return ResearchAttachment.objects.filter(research=ctx["site"]).count()
            if self.name == "document":
                return DocumentVersion.objects.filter(
                    document__engagement=ctx["engagement"]).count()
            if self.name == "scan":
                return Qualification.objects.filter(holder=w.manager).count()
            return int(bool(Contract.objects.get(pk=ctx["contract"].pk).signed_copy))


SURFACES = {
    "research": Surface("research", inline=True),
    "document": Surface("document", inline=False),
    "scan": Surface("scan", inline=True, user="manager"),
    "signed_copy": Surface("signed_copy", inline=False),
}
ALLOWED = {"research": ATTACHMENT_TYPES, "document": DOCUMENT_TYPES, "scan": SCAN_TYPES,
           "signed_copy": SCAN_TYPES}


def _errors_of(resp):
    context = resp.context
    forms = [context.get("form"), context.get("failed_form")]
    for site in context.get("sites") or []:
        forms.append(getattr(site, "upload_form", None))
    codes = []
    for form in forms:
        if form is not None and form.is_bound:
            for errors in form.errors.as_data().values():
                codes.extend(e.code for e in errors)
    return codes


def _assert_refused(surface, client, w, ctx, name, content, code):
    before = surface.saved_count(ctx, w)
    resp = surface.post(client, w, ctx, upload(name, content))
    assert resp.status_code == 200, resp.get("Location")
    assert code in _errors_of(resp)
    assert KEPT in resp.text  # the rest of the form is kept
    assert surface.saved_count(ctx, w) == before
    return resp


@pytest.mark.parametrize("surface", sorted(SURFACES))
def test_polyglots_are_refused_on_every_form_with_a_clear_message(client, a, surface):
    s = SURFACES[surface]
    ctx = s.setup(a)
    for case in ("pdf-prefix-html", "png-prefix-htm", "jpeg-then-svg", "pdf-then-script"):
        name, content = POLYGLOTS[case]
        resp = _assert_refused(s, client, a, ctx, name, content, "file_polyglot")
        kind = sniff(upload(name, content))
        assert zh("This file is a %(type)s but also holds web page or script content (HTML, "
                  "SVG or JavaScript); it is refused. Save it again as a plain %(type)s.",
                  type=kind.label) in resp.text


def test_office_files_with_macros_are_refused_on_the_document_form(client, a):
    s = SURFACES["document"]
    ctx = s.setup(a)
    for case in ("docx-vba", "docx-exe", "pptx-ole"):
        resp = _assert_refused(s, client, a, ctx, "制度.docx", ACTIVE_OFFICE[case],
                               "file_active_content")
    assert zh("This Office file holds macros, programs or embedded objects; it is refused. "
              "Save it without them (as .docx, .xlsx or .pptx) and upload it again.") in resp.text


@pytest.mark.parametrize("surface", sorted(SURFACES))
def test_a_file_over_the_fields_cap_is_a_form_error(client, a, surface):
    s = SURFACES[surface]
    (validator,) = {"research": ResearchAttachment._meta.get_field("file"),
                    "document": DocumentVersion._meta.get_field("file"),
                    "scan": Qualification._meta.get_field("scan"),
                    "signed_copy": Contract._meta.get_field("signed_copy")}[surface].validators
    if validator.max_mb > 15:
        pytest.skip("the larger caps are the same check with more bytes")
    ctx = s.setup(a)
    big = pdf_bytes(b" " * (validator.max_mb * 1024 * 1024 + 10))
    _assert_refused(s, client, a, ctx, "big.pdf", big, "file_too_large")


def test_a_body_over_the_site_cap_is_refused_before_it_is_read(client, a, settings):
    settings.MAX_UPLOAD_MB = 1
    s = SURFACES["research"]
    ctx = s.setup(a)
    before = s.saved_count(ctx, a)
    resp = s.post(client, a, ctx, upload("big.pdf", pdf_bytes(b" " * (1024 * 1024 + 10))))
    assert resp.status_code == 413
    assert zh("File too large") in resp.text and 'id="upload-too-large"' in resp.text
    assert s.saved_count(ctx, a) == before


def _assert_safe_headers(resp):
    assert resp["X-Content-Type-Options"] == "nosniff"
    assert "default-src 'none'" in resp["Content-Security-Policy"]
    content_type = resp["Content-Type"]
    assert not any(t in content_type for t in ("html", "svg", "xml", "javascript", "text/"))


@pytest.mark.parametrize("surface", sorted(SURFACES))
def test_a_real_png_named_html_is_stored_and_served_as_png(client, a, b, surface):
    s = SURFACES[surface]
    ctx = s.setup(a)
    resp = s.post(client, a, ctx, upload("evil.html", png_bytes(), "text/html"))
    assert resp.status_code == 302, _errors_of(resp)
    fieldfile, content_type, url, portal_url = s.stored(a, ctx, portal=True)
    assert content_type == "image/png"
    assert fieldfile.name.startswith(f"{a.firm.pk}/") and fieldfile.name.endswith("/evil.png")
    resp = client.get(url)
    assert resp.status_code == 200 and resp["Content-Type"] == "image/png"
    _assert_safe_headers(resp)
    assert "sandbox" in resp["Content-Security-Policy"]
    disposition = resp["Content-Disposition"]
    assert disposition.startswith("inline" if s.inline else "attachment")
    assert ".png" in disposition and ".html" not in disposition
    assert b"".join(resp.streaming_content) == png_bytes()
    # the other firm's people never get it
    login(client, getattr(b, s.user))
    assert client.get(url).status_code == 404
    if portal_url:
        login(client, a.contact.user)
        resp = client.get(portal_url)
        assert resp.status_code == 200 and resp["Content-Type"] == "image/png"
        assert resp["Content-Disposition"].startswith("attachment")
        _assert_safe_headers(resp)
        login(client, b.contact.user)
        assert client.get(portal_url).status_code == 404


@pytest.mark.parametrize("surface", sorted(SURFACES))
@pytest.mark.parametrize("name, stored_as", [
    ("../../etc/passwd", "passwd.pdf"),
    ("a\x00b.pdf", "ab.pdf"),
    ("安全生产标准化管理制度汇编（第二版）" * 8 + ".pdf", None),
    ("签字盖章扫描件.pdf", "签字盖章扫描件.pdf"),
])
def test_odd_names_are_stored_safely_in_the_firms_folder(client, a, b, surface, name, stored_as):
    s = SURFACES[surface]
    ctx = s.setup(a)
    resp = s.post(client, a, ctx, upload(name, pdf_bytes()))
    assert resp.status_code == 302, _errors_of(resp)
    fieldfile, content_type, url, _ = s.stored(a, ctx)
    assert content_type == "application/pdf"
    firm, kind, folder, base = fieldfile.name.split("/")
    assert firm == str(a.firm.pk) and len(folder) == 32 and base.endswith(".pdf")
    assert ".." not in fieldfile.name and "\x00" not in fieldfile.name
    assert len(fieldfile.name) <= 300
    if stored_as:
        assert base == stored_as
    assert default_storage.exists(fieldfile.name)
    resp = client.get(url)
    assert resp.status_code == 200 and resp["Content-Type"] == "application/pdf"
    _assert_safe_headers(resp)
    assert resp["Content-Disposition"].startswith("inline" if s.inline else "attachment")
    login(client, getattr(b, s.user))
    assert client.get(url).status_code == 404


def test_office_and_webp_files_are_served_with_their_type(client, a, b):
    s = SURFACES["document"]
    ctx = s.setup(a)
    assert s.post(client, a, ctx, upload("台账.html", ooxml_bytes("xlsx"))).status_code == 302
    fieldfile, content_type, url, portal_url = s.stored(a, ctx)
    assert content_type == KINDS["xlsx"].mime and fieldfile.name.endswith("/台账.xlsx")
    resp = client.get(url)
    assert resp["Content-Type"] == KINDS["xlsx"].mime
    assert resp["Content-Disposition"].startswith("attachment")
    assert "sandbox" in resp["Content-Security-Policy"]
    login(client, b.consultant)
    assert client.get(url).status_code == 404

    s = SURFACES["research"]
    ctx = s.setup(a)
    assert s.post(client, a, ctx, upload("现场", image_bytes("WEBP"))).status_code == 302
    fieldfile, content_type, url, _ = s.stored(a, ctx)
    assert content_type == "image/webp" and fieldfile.name.endswith("/现场.webp")
    resp = client.get(url)
    assert resp["Content-Type"] == "image/webp" and resp["Content-Disposition"].startswith("inline")
    # a Word file attached to the research record is never shown inline
    assert s.post(client, a, ctx, upload("报告.doc", ooxml_bytes("docx"))).status_code == 302
    fieldfile, content_type, url, _ = s.stored(a, ctx)
    assert fieldfile.name.endswith("/报告.docx")
    resp = client.get(url)
    assert resp["Content-Disposition"].startswith("attachment")
    login(client, b.consultant)
    assert client.get(url).status_code == 404


# -- files that slipped in before the checks ------------------------------------------------


def _slipped_in(w, ctx, content, content_type=""):
    """A research attachment whose stored file is ``….html`` (written straight to storage,
    as an old upload checked by magic only was)."""
    name = default_storage.save(f"{w.firm.pk}/research/{'0' * 32}/evil.html",
                                ContentFile(content))
    with scopes_disabled():
        att = ResearchAttachment.objects.create(firm=w.firm, research=ctx["site"],
                                                uploaded_by=w.consultant, file=name,
                                                content_type=content_type)
    return att, reverse("delivery:attachment_file", args=[ctx["engagement"].pk, att.pk])


def test_a_stored_polyglot_of_unknown_type_is_a_download_of_unknown_type(client, a, b):
    ctx = SURFACES["research"].setup(a)
    att, url = _slipped_in(a, ctx, b"%PDF-1.4\n" + SCRIPT)
    login(client, a.manager)
    resp = client.get(url)
    assert resp.status_code == 200
    assert resp["Content-Type"] == "application/octet-stream"
    assert resp["Content-Disposition"].startswith("attachment")
    assert "evil.bin" in resp["Content-Disposition"]
    assert "sandbox" in resp["Content-Security-Policy"]
    _assert_safe_headers(resp)
    login(client, b.manager)
    assert client.get(url).status_code == 404


def test_a_stored_polyglot_recorded_as_pdf_is_never_html(client, a):
    ctx = SURFACES["research"].setup(a)
    _att, url = _slipped_in(a, ctx, b"%PDF-1.4\n" + SCRIPT, content_type="application/pdf")
    login(client, a.manager)
    resp = client.get(url)
    assert resp["Content-Type"] == "application/pdf"
    assert "evil.pdf" in resp["Content-Disposition"]
    _assert_safe_headers(resp)


def test_a_stored_file_by_name_is_served_by_its_content(client, a, b):
    name = default_storage.save(f"{a.firm.pk}/research/{'1' * 32}/evil.html",
                                ContentFile(b"%PDF-1.4\n" + SCRIPT))
    other = default_storage.save(f"{a.firm.pk}/research/{'2' * 32}/page.html",
                                 ContentFile(SCRIPT))
    login(client, a.manager)
    resp = client.get(reverse("documents:private_file", args=[name]))
    assert resp.status_code == 200 and resp["Content-Type"] == "application/pdf"
    assert resp["Content-Disposition"].startswith("attachment")
    _assert_safe_headers(resp)
    resp = client.get(reverse("documents:private_file", args=[other]))
    assert resp["Content-Type"] == "application/octet-stream"
    assert "page.bin" in resp["Content-Disposition"]
    login(client, b.manager)
    assert client.get(reverse("documents:private_file", args=[name])).status_code == 404


def test_generated_documents_record_their_type(a, unscoped):
    from consultancy.documents.models import GeneratedDocument

    with scopes_disabled():
        e = advance_to(f.EngagementFactory(client=a.client, lead_consultant=a.consultant),
                       Stage.CONTRACTING)
        contract = meet_contracting(e, sign=False, render=False)
        doc = GeneratedDocument.objects.get(pk=contract.issued_pdf_id)
    assert doc.content_type == "application/pdf"
    assert os.path.splitext(doc.file.name)[1] == ".pdf"


def test_the_type_column_must_follow_the_file_column():
    from django.db import models
    from django.test.utils import isolate_apps

    from consultancy.tenancy.files import TypedFileField, content_type_field

    with isolate_apps("consultancy.tenancy"):
        class Wrong(models.Model):
            content_type = content_type_field()
            file = TypedFileField(upload_to="x")

            class Meta:
                app_label = "tenancy"

            def __str__(self):
                return self.file.name

        class Right(models.Model):
            file = TypedFileField(upload_to="x")
            content_type = content_type_field()

            class Meta:
                app_label = "tenancy"

            def __str__(self):
                return self.file.name

        assert [e.id for e in Wrong._meta.get_field("file").check()] == ["tenancy.E101"]
        assert Right._meta.get_field("file").check() == []


def test_an_image_over_the_pixel_limit_is_refused_without_decoding(monkeypatch):
    from PIL import Image

    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 40)  # the 8×8 test image is 64 pixels
    with pytest.raises(Exception) as exc:
        UploadValidator(PHOTO_TYPES)(upload("big.png", png_bytes()))
    assert exc.value.code == "file_damaged"
