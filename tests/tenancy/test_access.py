"""Who lands where, and the client contacts' fence."""

import pytest
from django.core import mail
from django.urls import reverse

from tests.conftest import login
from tests.factories import PASSWORD
from tests.scoping import scopes_disabled


@pytest.mark.parametrize(
    ("who", "landing"),
    [("consultant", "/"), ("manager", "/"), ("contact", "/portal/")],
)
def test_login_lands_in_the_right_place(client, a, who, landing):
    user = a.contact.user if who == "contact" else getattr(a, who)
    resp = client.post(reverse("login"), {"username": user.email, "password": PASSWORD})
    assert resp.status_code == 302 and resp["Location"] == landing
    assert client.get(landing).status_code == 200


def test_contact_is_sent_to_the_portal_even_with_a_next_url(client, a):
    resp = client.post(
        reverse("login") + "?next=/clients/",
        {"username": a.contact.user.email, "password": PASSWORD, "next": "/clients/"},
    )
    assert resp["Location"] == "/portal/"


def test_wrong_password_says_so_and_keeps_the_email(client, a):
    resp = client.post(reverse("login"), {"username": a.consultant.email, "password": "nope"})
    assert resp.status_code == 200
    assert a.consultant.email in resp.text
    assert resp.context["form"].errors


@pytest.mark.parametrize(
    "path",
    [
        "/clients/",
        "/clients/new/",
        "/admin/",
        "/admin/clients/client/",
        "/files/qualifications/1/",
        "/no-such-page/",
    ],
)
def test_client_contact_gets_404_outside_the_portal(client, a, path):
    login(client, a.contact.user)
    assert client.get(path).status_code == 404
    assert client.post(path).status_code == 404


def test_client_contact_keeps_the_account_pages(client, a):
    login(client, a.contact.user)
    assert client.get(reverse("password_change")).status_code == 200
    assert client.get("/").status_code == 302
    assert client.get(reverse("portal:home")).status_code == 200
    assert client.post(reverse("logout")).status_code == 302


def test_staff_opening_the_portal_goes_home(client, a):
    login(client, a.consultant)
    resp = client.get("/portal/")
    assert resp.status_code == 302 and resp["Location"] == reverse("home")


def test_anonymous_is_sent_to_log_in(client, a):
    for path in ["/", "/clients/", reverse("clients:detail", args=[a.client.pk])]:
        resp = client.get(path)
        assert resp.status_code == 302 and resp["Location"].startswith(reverse("login"))


def test_home_shows_the_consultants_engagements_by_stage(client, a, b):
    from tests.factories import EngagementFactory
    from tests.scoping import scopes_disabled

    with scopes_disabled():
        mine = EngagementFactory(client=a.client, lead_consultant=a.consultant, title="我的项目")
        EngagementFactory(client=a.client, lead_consultant=a.manager, title="同事的项目")
        EngagementFactory(client=b.client, lead_consultant=b.consultant, title="别家的项目")
    login(client, a.consultant)
    resp = client.get("/")
    assert mine.title in resp.text
    assert "同事的项目" not in resp.text and "别家的项目" not in resp.text
    groups = {g["stage"]: g["engagements"] for g in resp.context["groups"]}
    assert groups["needs_analysis"] == [mine]
    login(client, a.manager)  # a manager sees the whole firm, never firm B
    resp = client.get("/")
    assert "同事的项目" in resp.text and mine.title in resp.text and "别家的项目" not in resp.text


def test_language_is_chinese_by_default_and_follows_the_user(client, a):
    login(client, a.consultant)
    assert "客户" in client.get("/clients/").text
    resp = client.post(reverse("set_language"), {"language": "en", "next": "/clients/"})
    assert resp.status_code == 302
    with scopes_disabled():
        a.consultant.refresh_from_db()
    assert a.consultant.language == "en"
    client.cookies.clear()
    login(client, a.consultant)  # a fresh session: the user's choice still holds
    assert "Clients" in client.get("/clients/").text


def test_browser_language_is_used_without_a_user_choice(client):
    resp = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert "Log in" in resp.text
    resp = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="zh-CN,zh;q=0.9")
    assert "登录" in resp.text


def test_password_reset_sends_a_mail(client, a, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as sent_later:
        resp = client.post(reverse("password_reset"), {"email": a.consultant.email})
    assert resp.status_code == 302
    assert mail.outbox == []  # never inside the request: an outbox job, sent after commit
    for callback in sent_later:
        callback()
    assert len(mail.outbox) == 1 and a.consultant.email in mail.outbox[0].to


def test_private_files_have_no_public_url(client, a, b, settings):
    from django.core.files.base import ContentFile

    from tests.scoping import scopes_disabled

    with scopes_disabled():
        a.qualification.scan.save("scan.pdf", ContentFile(b"%PDF-1.4"), save=True)
        name = a.qualification.scan.name
    login(client, a.manager)
    for prefix in (settings.MEDIA_URL, "/media/", "/"):
        assert client.get(prefix + name).status_code == 404
    # The storage's url() is the guarded view the admin links to: managers of the firm only.
    url = a.qualification.scan.url
    assert client.get(url).status_code == 200
    assert client.get(url.replace(f"/{a.firm.pk}/", f"/{a.firm.pk}/../")).status_code == 404
    for outsider in (a.consultant, a.contact.user, b.manager):
        login(client, outsider)
        assert client.get(url).status_code == 404, outsider


def test_contact_following_a_mails_link_into_the_portal_lands_on_it(client, a):
    """A portal link (a notice's): after logging in, the contact is on that page, not the
    portal's home (issue 20: fewer pages); staff are never sent into the portal."""
    target = reverse("portal:complaints")
    resp = client.post(reverse("login") + f"?next={target}",
                       {"username": a.contact.user.email, "password": PASSWORD, "next": target})
    assert resp["Location"] == target and client.get(target).status_code == 200
    client.logout()
    resp = client.post(reverse("login"), {"username": a.consultant.email, "password": PASSWORD,
                                          "next": target})
    assert resp["Location"] == "/"
