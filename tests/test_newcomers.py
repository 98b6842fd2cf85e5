"""Set-up for newcomers and the small things of the day: the served port and SITE_URL, the
README's links inside the repository, the standard summarised in docs/standard.md, the
language menu, the favicon and web app manifest, a consultant's own certificate."""

import datetime
import json
import os
import re
import subprocess
import sys
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles import finders
from django.urls import reverse
from django.utils import timezone

from engagements import gates
from engagements.stages import Stage
from tests import factories as f
from tests.conftest import login
from tests.scoping import scopes_disabled

ROOT = Path(settings.BASE_DIR)


def _site_url(**env):
    environment = {k: v for k, v in os.environ.items() if k not in ("SITE_URL", "PORT")}
    environment.update(env, DEBUG="1", DJANGO_SETTINGS_MODULE="consultancy.settings.base")
    out = subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); "
         "from django.conf import settings; print(settings.SITE_URL)"],
        cwd=ROOT, env=environment, capture_output=True, text=True, check=True)
    return out.stdout.strip()


def test_site_url_follows_the_served_port_unless_set():
    assert _site_url() == "http://127.0.0.1:8000"
    assert _site_url(PORT="8001") == "http://127.0.0.1:8001"
    assert _site_url(PORT="8001", SITE_URL="https://pm.example.cn") == "https://pm.example.cn"


def test_make_run_serves_on_the_given_port():
    out = subprocess.run(["make", "-n", "run", "PORT=8001"], cwd=ROOT, capture_output=True,
                         text=True, check=True).stdout
    assert "runserver 127.0.0.1:8001" in out and "http://127.0.0.1:8001/" in out
    assert "migrate --noinput -v 0" in out  # the set-up's output stays short


def test_readme_links_stay_inside_the_repository():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "../" not in text
    targets = re.findall(r"\]\(([^)#]+)\)", text)
    assert "docs/standard.md" in targets
    for target in targets:
        if target.startswith(("http://", "https://", "mailto:")):
            continue
        assert (ROOT / target).exists(), target


def test_docs_standard_covers_every_clause_and_every_gate_requirement():
    text = (ROOT / "docs" / "standard.md").read_text(encoding="utf-8")
    for clause in range(1, 10):
        assert re.search(rf"^## {clause} ", text, re.MULTILINE), clause
    assert "## Evaluation" in text
    for sub in ("6.1", "6.2", "6.3", "6.4", "8.1", "8.2", "8.3", "8.4", "8.5", "9.1", "9.2",
                "9.3", "9.4", "9.5"):
        assert f"**{sub} " in text, sub
    codes = [r.code for stage in Stage for r in gates.requirements_of(stage)]
    assert len(codes) > 20
    for code in codes:
        assert f"`{code}`" in text, code


def test_the_language_menu_names_each_language_in_itself(client, a):
    login(client, a.consultant)
    for language in ("zh-hans", "en"):
        client.post(reverse("set_language"), {"language": language, "next": "/"})
        text = client.get(reverse("home")).text
        menu = text.split('name="language"', 1)[1].split("</select>", 1)[0]
        assert '>简体中文</option>' in menu and ">English</option>" in menu
        assert "Simplified Chinese" not in menu and "英语" not in menu


def test_favicon_and_manifest(client, a):
    login(client, a.consultant)
    text = client.get(reverse("home")).text
    for asset in ("img/favicon.svg", "img/favicon-32.png", "img/icon-180.png",
                  "manifest.webmanifest"):
        assert f"/static/{asset}" in text, asset
        assert finders.find(asset), asset
    manifest = json.loads(Path(finders.find("manifest.webmanifest")).read_text("utf-8"))
    assert manifest["start_url"] == "/" and manifest["display"] == "standalone"
    sizes = {icon["sizes"] for icon in manifest["icons"]}
    assert {"192x192", "512x512"} <= sizes
    for icon in manifest["icons"]:
        assert finders.find(icon["src"]), icon["src"]
    # the login page (no user yet) has them too, and no inline script anywhere
    client.logout()
    login_page = client.get(reverse("login")).text
    assert "/static/manifest.webmanifest" in login_page
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", login_page)


def _home(client, user):
    login(client, user)
    return client.get(reverse("home"))


def test_a_consultant_sees_their_own_certificate_expired_or_expiring(client, a, b):
    today = timezone.localdate()
    with scopes_disabled():
        a.qualification.valid_until = today - datetime.timedelta(days=3)
        a.qualification.save()
        colleague = f.ConsultantFactory(firm=a.firm)
        f.QualificationFactory(holder=colleague, valid_until=today + datetime.timedelta(days=5))
    resp = _home(client, a.consultant)
    assert f'id="certificate-{a.qualification.pk}"' in resp.text
    assert a.qualification.number in resp.text and "alert-danger" in resp.text
    # not a colleague's, nor another firm's
    assert len(resp.context["certificates_due"]) == 1
    assert b.qualification.number not in resp.text
    with scopes_disabled():
        a.qualification.valid_until = today + datetime.timedelta(days=45)
        a.qualification.save()
    resp = _home(client, a.consultant)
    assert f'id="certificate-{a.qualification.pk}"' in resp.text and "alert-warning" in resp.text
    assert resp.context["certificates_due"][0].days_left == 45
    with scopes_disabled():
        a.qualification.valid_until = today + datetime.timedelta(days=61)
        a.qualification.save()
    assert 'own-certificate' not in _home(client, a.consultant).text


def test_a_renewed_certificate_retires_the_warning(client, a):
    today = timezone.localdate()
    with scopes_disabled():
        a.qualification.valid_until = today - datetime.timedelta(days=30)
        a.qualification.save()
        f.QualificationFactory(holder=a.consultant, kind=a.qualification.kind,
                               specialty=a.qualification.specialty,
                               valid_from=today - datetime.timedelta(days=30),
                               valid_until=today + datetime.timedelta(days=3 * 365))
    assert 'own-certificate' not in _home(client, a.consultant).text
