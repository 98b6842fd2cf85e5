"""Private files on S3-compatible object storage (FILE_STORAGE=s3; docs/scaling.md),
against a local S3 API server (moto in server mode, ``tests.s3``): uploads and generated
PDFs are stored in the bucket under a firm-scoped, unguessable key, nothing is written to
the local disk, and downloads are still served only by the views that check the firm, the
role and the record, with the type sniffed when the file was stored."""

import io
import re

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage, storages
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from storages.backends.s3 import S3Storage

from consultancy.documents import inventory
from consultancy.documents.s3 import PrivateS3Storage
from tests import factories as f
from tests.conftest import login
from tests.s3 import keys, local_files
from tests.scoping import scopes_disabled
from tests.uploads import pdf_bytes, png_bytes, upload

from .helpers import rendered
from .test_uploads import SURFACES, _assert_safe_headers, _errors_of

pytestmark = [pytest.mark.s3, pytest.mark.django_db]

KEY = re.compile(r"^private/(?P<firm>\d+)/(?P<kind>[a-z]+)/(?P<random>[0-9a-f]{32})/[^/]+$")


def _scoped_key(client, bucket, name, firm):
    """The object's key in the bucket is the stored name under the prefix: the firm's
    folder and a random (uuid4) part, never a guessable or unscoped one."""
    key = f"private/{name}"
    assert key in keys(client, bucket)
    match = KEY.match(key)
    assert match and match["firm"] == str(firm.pk), key
    return match


def test_the_default_storage_is_the_bucket(s3):
    assert isinstance(storages["default"], PrivateS3Storage)
    assert not inventory.on_file_system()


def test_a_document_uploaded_is_in_the_bucket_and_served_only_to_its_firm(client, a, b, s3,
                                                                          settings):
    """A project document (8.5) uploaded through its form and service, then delivered:
    the firm's staff and the client's contact download it (200, the bytes); another firm's
    people, and the contact of another company of the same firm, get 404."""
    s3_client, bucket = s3
    s = SURFACES["document"]
    ctx = s.setup(a)
    content = pdf_bytes(b"object storage")
    resp = s.post(client, a, ctx, upload("检测报告.pdf", content))
    assert resp.status_code == 302, _errors_of(resp)
    fieldfile, content_type, url, portal_url = s.stored(a, ctx, portal=True)
    assert content_type == "application/pdf"
    match = _scoped_key(s3_client, bucket, fieldfile.name, a.firm)
    assert match["kind"] == "documents"
    stored = s3_client.get_object(Bucket=bucket, Key=f"private/{fieldfile.name}")
    assert stored["Body"].read() == content
    assert local_files(settings.MEDIA_ROOT) == []  # nothing on this machine's disk

    resp = client.get(url)  # the staff view, streamed from the bucket
    assert resp.status_code == 200 and resp["Content-Type"] == "application/pdf"
    assert resp["Content-Disposition"].startswith("attachment")
    _assert_safe_headers(resp)
    assert b"".join(resp.streaming_content) == content

    login(client, b.consultant)
    assert client.get(url).status_code == 404
    login(client, b.manager)
    assert client.get(url).status_code == 404

    login(client, a.contact.user)
    resp = client.get(portal_url)
    assert resp.status_code == 200 and resp["Content-Type"] == "application/pdf"
    assert b"".join(resp.streaming_content) == content
    login(client, b.contact.user)
    assert client.get(portal_url).status_code == 404
    with scopes_disabled():
        other = f.PortalContactFactory(client=f.ClientFactory(firm=a.firm),
                                       email="other-company@a.test")
    login(client, other.user)
    assert client.get(portal_url).status_code == 404


@pytest.mark.parametrize("surface", sorted(SURFACES))
def test_every_upload_form_stores_in_the_bucket_with_its_sniffed_type(client, a, b, s3,
                                                                      settings, surface):
    """Site-research photos, project documents, qualification scans and signed contracts:
    a PNG named .html is stored in the bucket as a PNG and served as one (never HTML);
    another firm gets 404."""
    s3_client, bucket = s3
    s = SURFACES[surface]
    ctx = s.setup(a)
    resp = s.post(client, a, ctx, upload("evil.html", png_bytes(), "text/html"))
    assert resp.status_code == 302, _errors_of(resp)
    fieldfile, content_type, url, _portal = s.stored(a, ctx)
    assert content_type == "image/png" and fieldfile.name.endswith("/evil.png")
    _scoped_key(s3_client, bucket, fieldfile.name, a.firm)
    assert local_files(settings.MEDIA_ROOT) == []
    resp = client.get(url)
    assert resp.status_code == 200 and resp["Content-Type"] == "image/png"
    _assert_safe_headers(resp)
    assert b"".join(resp.streaming_content) == png_bytes()
    login(client, getattr(b, s.user))
    assert client.get(url).status_code == 404


def test_a_generated_pdf_is_rendered_into_the_bucket(client, a, b, s3, settings):
    s3_client, bucket = s3
    document = rendered(a)
    assert document.status == "ready"
    match = _scoped_key(s3_client, bucket, document.file.name, a.firm)
    assert match["kind"] == "generated"
    body = s3_client.get_object(Bucket=bucket, Key=f"private/{document.file.name}")["Body"]
    data = body.read()
    assert data.startswith(b"%PDF-") and len(data) == document.size
    assert local_files(settings.MEDIA_ROOT) == []
    # the admin's link is the scoped view, never the bucket's address
    url = default_storage.url(document.file.name)
    assert url == reverse("documents:private_file", args=[document.file.name])
    assert "http" not in url and bucket not in url
    login(client, a.manager)
    resp = client.get(url)
    assert resp.status_code == 200 and resp["Content-Type"] == "application/pdf"
    assert b"".join(resp.streaming_content) == data
    login(client, b.manager)
    assert client.get(url).status_code == 404


def test_objects_are_private_and_a_signed_url_is_short_lived(s3):
    """No public ACL is set on an object; the backend's own signed URL (never shown by a
    page) lives 60 seconds; a name already taken is never overwritten."""
    s3_client, bucket = s3

    name = default_storage.save("1/generated/0123456789abcdef0123456789abcdef/x.pdf",
                                ContentFile(pdf_bytes()))
    acl = s3_client.get_object_acl(Bucket=bucket, Key=f"private/{name}")
    assert not [g for g in acl["Grants"]
                if g["Grantee"].get("URI", "").endswith(("AllUsers", "AuthenticatedUsers"))]
    head = s3_client.head_object(Bucket=bucket, Key=f"private/{name}")
    assert head["ContentDisposition"] == "attachment"
    assert default_storage.url(name) == reverse("documents:private_file", args=[name])
    raw = S3Storage.url(storages["default"], name)  # the backend's own, which no page shows
    assert "X-Amz-Expires=60" in raw, raw
    # a name already taken is never overwritten
    again = default_storage.save(name, ContentFile(b"%PDF-1.4 other"))
    assert again != name


def test_orphans_are_listed_in_the_bucket_and_backups_are_refused(a, s3):
    stray = default_storage.save(f"{a.firm.pk}/generated/{'ab' * 16}/stray.pdf",
                                 ContentFile(pdf_bytes()))
    assert stray in inventory.orphans()
    out = io.StringIO()
    call_command("orphan_files", delete=True, stdout=out)
    assert "orphan" in out.getvalue()
    assert not default_storage.exists(stray)
    with pytest.raises(CommandError, match="object storage"):
        call_command("backup", stdout=io.StringIO())
