"""Every kind of page carries the Content-Security-Policy and the other security headers
(ASVS V14.4): a staff page, an admin page, a portal page, the public survey page, a file
download and the login page. Pages that show a firm's data are asked for by that firm's
users (two firms, ``a`` and ``b``) and are never cached."""

import re
from pathlib import Path

import pytest
from django.core import mail
from django.core.files.base import ContentFile
from django.urls import reverse

from tests.conftest import login
from tests.feedback.helpers import handed_over, send_survey
from tests.scoping import scopes_disabled
from tests.uploads import pdf_bytes

ROOT = Path(__file__).resolve().parents[1]


def directives(response):
    policy = response["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in policy.split(";") if part.strip()}


def assert_secure_headers(response, *, client_data=True, stored_file=False):
    csp = directives(response)
    if stored_file:
        # a stored file's own, stricter policy (consultancy.documents.serving): nothing
        # may load or run from it
        assert csp["default-src"] == ["'none'"]
        assert "script-src" not in csp
    else:
        assert csp["default-src"] == ["'self'"]
        assert csp["script-src"] == ["'self'"]  # no 'unsafe-inline', no 'unsafe-eval'
        assert csp["object-src"] == ["'none'"]
        assert csp["base-uri"] == ["'self'"]
        assert csp["form-action"] == ["'self'"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert "'unsafe-inline'" not in " ".join(v for k, vs in csp.items() if k != "style-src"
                                             for v in vs)
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    policy = response["Permissions-Policy"]
    for feature in ("camera=()", "microphone=()", "geolocation=()", "payment=()"):
        assert feature in policy
    if client_data:
        assert "no-store" in response["Cache-Control"]


def test_the_login_page(client, db):
    resp = client.get(reverse("login"))
    assert resp.status_code == 200
    assert_secure_headers(resp, client_data=False)


@pytest.mark.parametrize("who", ["a", "b"])
def test_a_staff_page(client, a, b, who):
    world = {"a": a, "b": b}[who]
    login(client, world.consultant)
    resp = client.get(reverse("clients:detail", args=[world.client.pk]))
    assert resp.status_code == 200 and world.client.name in resp.content.decode()
    assert_secure_headers(resp)
    assert client.get(reverse("home")).headers["Cache-Control"] == "private, no-store"


@pytest.mark.parametrize("who", ["a", "b"])
def test_an_admin_page(client, a, b, who):
    world = {"a": a, "b": b}[who]
    login(client, world.manager)
    resp = client.get(reverse("admin:tenancy_user_changelist"))
    assert resp.status_code == 200 and world.consultant.email in resp.content.decode()
    assert_secure_headers(resp)


def test_the_admin_login_page(client, db):
    resp = client.get(reverse("admin:login"))
    assert resp.status_code == 200
    assert_secure_headers(resp, client_data=False)


@pytest.mark.parametrize("who", ["a", "b"])
def test_a_portal_page(client, a, b, who):
    world = {"a": a, "b": b}[who]
    login(client, world.contact.user)
    resp = client.get(reverse("portal:home"))
    assert resp.status_code == 200
    assert_secure_headers(resp)


def test_the_public_survey_page(client, a, b):
    mail.outbox.clear()
    with scopes_disabled():
        ea, eb = handed_over(a), handed_over(b)
        send_survey(ea, a)
        send_survey(eb, b)
    for world in (a, b):
        body = next(m.body for m in mail.outbox if m.to[0] == world.contact.email)
        token = re.search(r"/survey/([A-Za-z0-9_\-]+)/", body).group(1)
        resp = client.get(reverse("feedback:survey_answer", args=[token]))
        assert resp.status_code == 200
        assert_secure_headers(resp)


@pytest.mark.parametrize("who", ["a", "b"])
def test_a_file_download(client, a, b, who):
    world = {"a": a, "b": b}[who]
    with scopes_disabled():
        world.qualification.scan.save("证书.pdf", ContentFile(pdf_bytes()), save=True)
    login(client, world.manager)
    resp = client.get(reverse("qualification_scan", args=[world.qualification.pk]))
    assert resp.status_code == 200
    assert_secure_headers(resp, stored_file=True)
    assert "private" in resp["Cache-Control"]


def test_the_statistics_csv_is_not_cached(client, a):
    login(client, a.manager)
    resp = client.get(reverse("feedback:statistics_csv"))
    assert resp.status_code == 200
    assert "no-store" in resp["Cache-Control"]


def test_no_template_has_an_inline_script_or_event_handler():
    """The policy forbids them; they would silently stop working."""
    offenders = []
    for path in (ROOT / "templates").rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        for match in re.finditer(r"<script\b[^>]*>", text):
            tag = match.group(0)
            if "src=" not in tag and 'type="application/json"' not in tag:
                offenders.append(f"{path.name}: {tag}")
        offenders += [f"{path.name}: {m.group(0)}"
                      for m in re.finditer(r"\son[a-z]+\s*=\s*[\"']", text)]
    assert offenders == []


def test_htmx_injects_no_inline_style(client, db):
    page = client.get(reverse("login")).content.decode()
    assert """<meta name="htmx-config" content='{"includeIndicatorStyles": false}'>""" in page
