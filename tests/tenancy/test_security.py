"""Logins that cannot be guessed (ASVS V2.2.1), password-reset limits (V2.5), the password
policy (V2.1) and the session lifetimes (V3.3): tenancy.security and the settings."""

import datetime
import time

import pytest
from axes.models import AccessAttempt
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.password_validation import validate_password
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, override

from consultancy.tenancy import security
from tests.conftest import login
from tests.factories import PASSWORD
from tests.scoping import scopes_disabled

LOCKED_ZH = "登录失败次数过多，账户已暂时锁定"


@pytest.fixture(autouse=True)
def _small_limit(settings):
    settings.AXES_FAILURE_LIMIT = 5


def fail(client, url, email, times):
    resp = None
    for _ in range(times):
        resp = client.post(url, {"username": email, "password": "wrong-password"})
    return resp


def logged_in(client):
    return SESSION_KEY in client.session


@pytest.mark.parametrize("who", ["consultant", "manager", "contact"])
def test_after_the_limit_the_right_password_is_refused_with_the_message(client, a, who):
    user = a.contact.user if who == "contact" else getattr(a, who)
    url = reverse("login")
    resp = fail(client, url, user.email, 4)
    assert resp.status_code == 200  # wrong password, not locked yet
    resp = fail(client, url, user.email, 1)
    assert resp.status_code == 429
    resp = client.post(url, {"username": user.email, "password": PASSWORD})
    assert resp.status_code == 429
    assert not logged_in(client)
    page = resp.content.decode()
    assert LOCKED_ZH in page and "<form" in page  # the login page, with the message
    assert security.is_locked(user)


def test_the_message_is_english_for_an_english_browser(a):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    fail(client, reverse("login"), a.consultant.email, 5)
    resp = client.post(reverse("login"), {"username": a.consultant.email, "password": PASSWORD})
    assert resp.status_code == 429
    assert "Too many failed logins" in resp.content.decode()


def test_the_message_says_when_to_retry(client, a, settings):
    settings.AXES_COOLOFF_TIME = datetime.timedelta(minutes=60)
    resp = fail(client, reverse("login"), a.consultant.email, 5)
    until = timezone.localtime(timezone.now() + datetime.timedelta(minutes=60))
    assert until.strftime("%Y-%m-%d %H:") in resp.content.decode()


def test_the_lock_counts_the_address_without_case(client, a):
    for email in ["Consultant@A.test", "CONSULTANT@a.test", " consultant@a.test", "consultant@A.TEST",
                  "consultant@a.test"]:
        client.post(reverse("login"), {"username": email, "password": "wrong-password"})
    resp = client.post(reverse("login"), {"username": a.consultant.email, "password": PASSWORD})
    assert resp.status_code == 429


def test_the_lock_lifts_after_the_cool_off(client, a, settings):
    settings.AXES_COOLOFF_TIME = datetime.timedelta(minutes=60)
    fail(client, reverse("login"), a.consultant.email, 5)
    AccessAttempt.objects.update(attempt_time=timezone.now() - datetime.timedelta(minutes=61))
    assert not security.is_locked(a.consultant)
    resp = client.post(reverse("login"), {"username": a.consultant.email, "password": PASSWORD})
    assert resp.status_code == 302 and logged_in(client)


def test_a_success_before_the_limit_resets_the_count(client, a):
    url = reverse("login")
    fail(client, url, a.consultant.email, 4)
    assert client.post(url, {"username": a.consultant.email, "password": PASSWORD}).status_code == 302
    client.logout()
    fail(client, url, a.consultant.email, 4)
    assert client.post(url, {"username": a.consultant.email, "password": PASSWORD}).status_code == 302


def test_one_address_guessing_many_accounts_is_locked(a):
    guesser = Client(REMOTE_ADDR="198.51.100.7")
    for n in range(5):
        guesser.post(reverse("login"), {"username": f"nobody{n}@a.test", "password": "x"})
    resp = guesser.post(reverse("login"), {"username": a.consultant.email, "password": PASSWORD})
    assert resp.status_code == 429
    # Another address still logs the consultant in: only the guessing address is locked.
    other = Client(REMOTE_ADDR="198.51.100.8")
    resp = other.post(reverse("login"), {"username": a.consultant.email, "password": PASSWORD})
    assert resp.status_code == 302


def test_the_admin_login_is_locked_too(client, a):
    url = reverse("admin:login")
    resp = fail(client, url, a.manager.email, 5)
    assert resp.status_code == 429
    resp = client.post(url, {"username": a.manager.email, "password": PASSWORD})
    assert resp.status_code == 429
    assert LOCKED_ZH in resp.content.decode()
    assert not logged_in(client)


def test_the_lockout_applies_across_the_two_login_pages(client, a):
    fail(client, reverse("admin:login"), a.manager.email, 5)
    resp = client.post(reverse("login"), {"username": a.manager.email, "password": PASSWORD})
    assert resp.status_code == 429


def unlock_in_admin(client, user):
    return client.post(reverse("admin:tenancy_user_changelist"),
                       {"action": "unlock_logins", "_selected_action": [user.pk]})


def test_a_manager_unlocks_their_firms_user(client, a):
    guesser = Client(REMOTE_ADDR="198.51.100.9")
    fail(guesser, reverse("login"), a.consultant.email, 5)
    assert security.is_locked(a.consultant)
    login(client, a.manager)
    listed = client.get(reverse("admin:tenancy_user_changelist")).context["cl"].result_list
    locked = {u.pk for u in listed if security.failures_lock(u.login_failures)}
    assert locked == {a.consultant.pk}
    resp = unlock_in_admin(client, a.consultant)
    assert resp.status_code == 302
    assert not security.is_locked(a.consultant)
    consultant = Client(REMOTE_ADDR="203.0.113.5")
    resp = consultant.post(reverse("login"), {"username": a.consultant.email, "password": PASSWORD})
    assert resp.status_code == 302


def test_a_manager_cannot_unlock_another_firms_user(client, a, b):
    fail(Client(REMOTE_ADDR="198.51.100.10"), reverse("login"), b.consultant.email, 5)
    unlock_in_admin(login(client, a.manager), b.consultant)
    assert security.is_locked(b.consultant)


def test_managers_do_not_see_the_global_lockout_records(client, a):
    login(client, a.manager)
    assert client.get(reverse("admin:axes_accessattempt_changelist")).status_code == 403


def test_the_operator_unlocks_anyone(client, a, b, django_user_model):
    operator = django_user_model.objects.create_superuser("op@platform.test", "op-password-2026",
                                                          full_name="Operator")
    fail(Client(REMOTE_ADDR="198.51.100.11"), reverse("login"), b.consultant.email, 5)
    unlock_in_admin(login(client, operator), b.consultant)
    assert not security.is_locked(b.consultant)
    assert client.get(reverse("admin:axes_accessattempt_changelist")).status_code == 200


# --- password reset ---------------------------------------------------------------------


def test_password_reset_requests_are_limited_per_address(client, a, settings,
                                                         django_capture_on_commit_callbacks):
    settings.PASSWORD_RESET_LIMIT_PER_HOUR = 3
    url = reverse("password_reset")
    for n in range(3):
        c = Client(REMOTE_ADDR=f"192.0.2.{n + 1}")
        with django_capture_on_commit_callbacks(execute=True):  # the mail is an outbox job
            assert c.post(url, {"email": a.consultant.email}).status_code == 302
    assert len(mail.outbox) == 3
    with django_capture_on_commit_callbacks(execute=True):
        resp = Client(REMOTE_ADDR="192.0.2.99").post(url, {"email": a.consultant.email})
    assert resp.status_code == 429
    assert "重置密码请求过于频繁" in resp.content.decode()
    assert len(mail.outbox) == 3


def test_password_reset_requests_are_limited_per_client(a, settings):
    settings.PASSWORD_RESET_LIMIT_PER_HOUR = 3
    c = Client(REMOTE_ADDR="192.0.2.50")
    url = reverse("password_reset")
    for email in [a.consultant.email, a.manager.email, "nobody@a.test"]:
        assert c.post(url, {"email": email}).status_code == 302
    sent = len(mail.outbox)
    resp = c.post(url, {"email": a.contact.user.email})
    assert resp.status_code == 429
    assert len(mail.outbox) == sent


def test_the_proxy_address_counts_only_behind_a_proxy(a, settings):
    settings.PASSWORD_RESET_LIMIT_PER_HOUR = 1
    url = reverse("password_reset")
    # Without BEHIND_PROXY a forged X-Forwarded-For does not make a new client.
    c = Client(REMOTE_ADDR="192.0.2.60")
    c.post(url, {"email": "one@a.test"}, HTTP_X_FORWARDED_FOR="10.0.0.1")
    assert c.post(url, {"email": "two@a.test"}, HTTP_X_FORWARDED_FOR="10.0.0.2").status_code == 429
    settings.BEHIND_PROXY = True
    proxy = Client(REMOTE_ADDR="192.0.2.61")
    proxy.post(url, {"email": "three@a.test"}, HTTP_X_FORWARDED_FOR="10.0.0.3")
    resp = proxy.post(url, {"email": "four@a.test"}, HTTP_X_FORWARDED_FOR="1.2.3.4, 10.0.0.4")
    assert resp.status_code == 302


# --- password policy --------------------------------------------------------------------


@pytest.mark.parametrize("password", ["short-pw-1", "password1234", "123456789012"])
def test_weak_passwords_are_refused(password):
    with pytest.raises(ValidationError):
        validate_password(password)


def test_a_twelve_character_password_is_accepted():
    validate_password("Kite-river-2026")


def test_a_password_like_the_users_address_is_refused(a):
    with pytest.raises(ValidationError):
        validate_password("consultant@a.test", user=a.consultant)


def test_the_password_change_form_refuses_a_short_one(client, a):
    login(client, a.consultant)
    resp = client.post(reverse("password_change"), {
        "old_password": PASSWORD, "new_password1": "Short-2026", "new_password2": "Short-2026"})
    assert resp.status_code == 200
    with override("en"):
        assert resp.context["form"].errors["new_password2"]
    with scopes_disabled():
        a.consultant.refresh_from_db()
    assert a.consultant.check_password(PASSWORD)


# --- sessions ---------------------------------------------------------------------------


def backdate(client, **seconds):
    session = client.session
    for key, ago in seconds.items():
        session[key] = int(time.time()) - ago
    session.save()


def test_a_fresh_session_works(client, a):
    login(client, a.consultant)
    assert client.get(reverse("home")).status_code == 200


def test_an_idle_session_ends(client, a, settings):
    settings.SESSION_IDLE_TIMEOUT_MINUTES = 120
    login(client, a.consultant)
    client.get(reverse("home"))
    backdate(client, **{security.SESSION_SEEN: 121 * 60})
    resp = client.get(reverse("home"))
    assert resp.status_code == 302 and resp["Location"].startswith(reverse("login"))
    assert not logged_in(client)
    page = client.get(resp["Location"]).content.decode()
    with override("zh-hans"):
        assert gettext("Your session has ended; please log in again.") in page


def test_activity_keeps_the_session_alive(client, a):
    login(client, a.consultant)
    client.get(reverse("home"))
    backdate(client, **{security.SESSION_SEEN: 100 * 60})
    assert client.get(reverse("home")).status_code == 200
    backdate(client, **{security.SESSION_SEEN: 0})
    assert client.get(reverse("home")).status_code == 200


def test_a_portal_session_ends_when_idle(client, a):
    login(client, a.contact.user)
    assert client.get(reverse("portal:home")).status_code == 200
    backdate(client, **{security.SESSION_SEEN: 121 * 60})
    resp = client.get(reverse("portal:home"))
    assert resp.status_code == 302 and not logged_in(client)


def test_a_session_ends_after_its_absolute_lifetime(client, a, settings):
    settings.SESSION_MAX_AGE_HOURS = 12
    login(client, a.consultant)
    client.get(reverse("home"))
    backdate(client, **{security.SESSION_STARTED: 12 * 3600 + 60, security.SESSION_SEEN: 10})
    resp = client.get(reverse("home"))
    assert resp.status_code == 302 and not logged_in(client)


def test_an_htmx_request_of_an_ended_session_redirects_the_page(client, a):
    login(client, a.consultant)
    client.get(reverse("home"))
    backdate(client, **{security.SESSION_SEEN: 121 * 60})
    resp = client.get(reverse("home"), HTTP_HX_REQUEST="true")
    assert resp["HX-Redirect"].startswith(reverse("login"))


def test_the_cookie_lives_no_longer_than_the_absolute_lifetime(settings):
    assert settings.SESSION_COOKIE_AGE <= 12 * 3600


def test_logging_in_sets_the_start_and_rotates_the_key(client, a):
    client.get(reverse("login"))
    before = client.session.session_key
    client.post(reverse("login"), {"username": a.consultant.email, "password": PASSWORD})
    assert client.session.session_key != before
    assert client.session[security.SESSION_STARTED] <= time.time()


def test_a_password_change_rotates_the_key_and_ends_other_sessions(client, a):
    other = login(Client(), a.consultant)
    login(client, a.consultant)
    before = client.session.session_key
    resp = client.post(reverse("password_change"), {
        "old_password": PASSWORD, "new_password1": "Kite-river-2026",
        "new_password2": "Kite-river-2026"})
    assert resp.status_code == 302
    assert client.session.session_key != before
    assert client.get(reverse("home")).status_code == 200
    assert other.get(reverse("home")).status_code == 302  # the other device is logged out


def test_a_role_change_ends_the_users_sessions(client, a):
    login(client, a.consultant)
    assert client.get(reverse("home")).status_code == 200
    a.consultant.role = a.consultant.Role.MANAGER
    with scopes_disabled():
        a.consultant.save(update_fields=["role"])
    assert client.get(reverse("home")).status_code == 302
    assert not logged_in(client)


def test_a_role_change_by_the_manager_in_the_admin_ends_the_users_sessions(client, a):
    victim = login(Client(), a.consultant)
    assert victim.get(reverse("home")).status_code == 200
    login(client, a.manager)
    url = reverse("admin:tenancy_user_change", args=[a.consultant.pk])
    page = client.get(url)
    form = page.context["adminform"].form
    data = {name: form[name].value() for name in form.fields if form[name].value() is not None}
    data["role"] = "manager"
    data["is_active"] = "on"
    resp = client.post(url, data)
    assert resp.status_code == 302, resp.context["adminform"].form.errors if resp.context else resp
    assert victim.get(reverse("home")).status_code == 302
