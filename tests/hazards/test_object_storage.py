"""Hazard photos on S3-compatible object storage (FILE_STORAGE=s3; docs/scaling.md),
against the local S3 API server of ``tests.s3``: a photo recorded through the service is
stored in the bucket under the firm's folder and a random part, and is served by the
staff and portal photo views only to its firm and its company's contact."""

import pytest
from django.urls import reverse

from hazards.models import HiddenDangerPhoto
from tests import factories as f
from tests.conftest import login
from tests.s3 import keys, local_files
from tests.scoping import scopes_disabled
from tests.uploads import png_bytes

from .helpers import record

pytestmark = [pytest.mark.s3, pytest.mark.django_db]


def test_a_hazard_photo_is_in_the_bucket_and_served_only_to_its_firm(s3, client, a, b, eng,
                                                                     settings):
    s3_client, bucket = s3  # first: the engagements' set-up stores its files there too
    danger = record(eng[a.firm.pk], a.consultant, major=True)  # notified: the portal shows it
    with scopes_disabled():
        photo = HiddenDangerPhoto.objects.get(danger=danger)
    key = f"private/{photo.file.name}"
    assert key in keys(s3_client, bucket)
    firm, kind, random_part, name = photo.file.name.split("/")
    assert (firm, kind) == (str(a.firm.pk), "hazards") and len(random_part) == 32
    assert local_files(settings.MEDIA_ROOT) == []

    staff = reverse("hazards:photo", args=[danger.engagement_id, photo.pk])
    portal = reverse("portal:hazard_photo", args=[danger.engagement_id, photo.pk])
    login(client, a.consultant)
    resp = client.get(staff)
    assert resp.status_code == 200 and resp["Content-Type"] == "image/png"
    assert resp["X-Content-Type-Options"] == "nosniff"
    assert b"".join(resp.streaming_content) == png_bytes()
    login(client, a.contact.user)
    resp = client.get(portal)
    assert resp.status_code == 200 and b"".join(resp.streaming_content) == png_bytes()

    login(client, b.consultant)
    assert client.get(staff).status_code == 404
    login(client, b.contact.user)
    assert client.get(portal).status_code == 404
    with scopes_disabled():
        other = f.PortalContactFactory(client=f.ClientFactory(firm=a.firm),
                                       email="other-company@a.test")
    login(client, other.user)
    assert client.get(portal).status_code == 404
