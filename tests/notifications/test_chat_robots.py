"""WeChat Work (企业微信) and DingTalk (钉钉) group robots as channels of the notice
service, against a local HTTP server that checks each platform's documented message
format and DingTalk's signature: the person's own robot and the firm's group; staff
notices only; a failure is recorded, retried, and never sent twice."""

import base64
import hashlib
import hmac
import json
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, HTTPServer
from types import SimpleNamespace

import pytest
from django.urls import reverse

from consultancy.notifications import NoticeNotDelivered, Recipient, notify
from consultancy.notifications.chat import dingtalk_signed_url
from consultancy.notifications.models import ChatWebhook, Delivery
from consultancy.tenancy.scoping import firm_scope
from tests.conftest import login
from tests.scoping import scopes_disabled

SECRET = "SEC0123456789abcdef"


class Robots:
    """A local stand-in for both platforms' robot endpoints: it answers as they do, and
    refuses what they would refuse (a wrong format, a bad or stale DingTalk signature)."""

    def __init__(self):
        self.received = []  # (platform, token, payload)
        self.secrets = {}  # DingTalk access_token → secret
        robots = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                url = urllib.parse.urlsplit(self.path)
                query = urllib.parse.parse_qs(url.query)
                raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                try:
                    payload = json.loads(raw.decode("utf-8"))
                except ValueError:
                    return self._answer(40001, "invalid json")
                if url.path == "/cgi-bin/webhook/send":
                    error = robots.check_wecom(query, payload, self.headers)
                    platform, token = "wecom", query.get("key", [""])[0]
                elif url.path == "/robot/send":
                    error = robots.check_dingtalk(query, payload, self.headers)
                    platform, token = "dingtalk", query.get("access_token", [""])[0]
                else:
                    self.send_response(404)
                    self.end_headers()
                    return None
                if error:
                    return self._answer(*error)
                robots.received.append((platform, token, payload))
                return self._answer(0, "ok")

            def _answer(self, code, message):
                body = json.dumps({"errcode": code, "errmsg": message}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    # WeCom: {"msgtype": "text", "text": {"content"}} or {"msgtype": "markdown",
    # "markdown": {"content"}} (content ≤ 4096 bytes), JSON, ?key=…
    def check_wecom(self, query, payload, headers):
        if not query.get("key"):
            return 93000, "invalid webhook url"
        if "application/json" not in headers.get("Content-Type", ""):
            return 40001, "content type"
        kind = payload.get("msgtype")
        if kind not in ("text", "markdown") or set(payload) != {"msgtype", kind}:
            return 40008, "invalid message type"
        content = payload[kind].get("content")
        if not isinstance(content, str) or not content or len(content.encode()) > 4096:
            return 40058, "content"
        return None

    # DingTalk: {"msgtype": "markdown", "markdown": {"title", "text"}}, ?access_token=…,
    # signed: &timestamp (ms, within an hour) &sign = urlencoded base64(HMAC-SHA256(
    # key=secret, "<timestamp>\n<secret>")).
    def check_dingtalk(self, query, payload, headers):
        token = query.get("access_token", [""])[0]
        if not token:
            return 300001, "token is not exist"
        secret = self.secrets.get(token)
        if secret:
            timestamp = query.get("timestamp", [""])[0]
            sign = query.get("sign", [""])[0]  # parse_qs has url-decoded it once
            if not timestamp or not sign:
                return 310000, "sign not match"
            if abs(int(time.time() * 1000) - int(timestamp)) > 3600 * 1000:
                return 310000, "timestamp expired"
            expected = base64.b64encode(hmac.new(secret.encode(),
                                                 f"{timestamp}\n{secret}".encode(),
                                                 hashlib.sha256).digest()).decode()
            if sign != expected:
                return 310000, "sign not match"
        if payload.get("msgtype") != "markdown" or set(payload) != {"msgtype", "markdown"}:
            return 40035, "msgtype"
        body = payload["markdown"]
        if set(body) != {"title", "text"} or not all(isinstance(body[k], str) and body[k]
                                                     for k in ("title", "text")):
            return 40035, "markdown needs title and text"
        return None

    def wecom_url(self, key):
        return f"http://127.0.0.1:{self.port}/cgi-bin/webhook/send?key={key}"

    def dingtalk_url(self, token):
        return f"http://127.0.0.1:{self.port}/robot/send?access_token={token}"

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def robots(settings):
    server = Robots()
    settings.CHAT_WEBHOOK_PREFIXES = {
        "wecom": [f"http://127.0.0.1:{server.port}/cgi-bin/webhook/send"],
        "dingtalk": [f"http://127.0.0.1:{server.port}/robot/send"],
    }
    yield server
    server.close()


def _hook(w, platform, url, user=None, secret=""):
    with scopes_disabled():
        return ChatWebhook.objects.create(firm=w.firm, user=user, platform=platform, url=url,
                                          secret=secret)


def _remind(w, users, key="reminder:1", text="回访到期：2026-015 安全生产标准化咨询"):
    reminder = SimpleNamespace(text=text)
    with firm_scope(w.firm):
        return notify("daily_reminder", recipients=users, firm=w.firm.pk, key=key,
                      context={"reminder": reminder, "link": "https://example.test/e/15/"})


def test_the_dingtalk_signature_is_the_documented_one():
    url = dingtalk_signed_url("https://oapi.dingtalk.com/robot/send?access_token=t", SECRET,
                              timestamp_ms=1700000000000)
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(url).query)
    digest = hmac.new(SECRET.encode(), f"1700000000000\n{SECRET}".encode(),
                      hashlib.sha256).digest()
    assert query["timestamp"] == ["1700000000000"]
    assert query["sign"] == [base64.b64encode(digest).decode()]
    assert "%2B" in url or "%2F" in url or "%3D" in url  # the sign is urlencoded


def test_own_and_group_robots_get_the_platforms_formats(a, robots, mailoutbox):
    robots.secrets["ding-me"] = SECRET
    _hook(a, "wecom", robots.wecom_url("wecom-me"), user=a.consultant)
    _hook(a, "dingtalk", robots.dingtalk_url("ding-me"), user=a.consultant, secret=SECRET)
    _hook(a, "wecom", robots.wecom_url("wecom-firm"))
    _hook(a, "dingtalk", robots.dingtalk_url("ding-firm"))
    assert _remind(a, [a.consultant, a.manager]) == 2
    tokens = sorted(token for _p, token, _payload in robots.received)
    # own robot of the consultant; the firm's group once, not once per recipient
    assert tokens == ["ding-firm", "ding-me", "wecom-firm", "wecom-me"]
    for platform, _token, payload in robots.received:
        text = payload["markdown"]["content" if platform == "wecom" else "text"]
        assert "回访到期" in text and "https://example.test/e/15/" in text  # Chinese, a link
        assert len(text) < 300  # short
    with scopes_disabled():
        rows = Delivery.objects.filter(key="reminder:1")
        assert {r.channel for r in rows if r.state == "sent"} == {
            "email", "wecom", "dingtalk", "wecom_group", "dingtalk_group"}
    assert len(mailoutbox) == 2  # the e-mails as before
    # the same key again: nothing is sent twice
    _remind(a, [a.consultant, a.manager])
    assert len(robots.received) == 4


def test_a_failure_is_recorded_retried_and_never_blocks_the_others(a, robots, mailoutbox):
    robots.secrets["ding-me"] = SECRET
    hook = _hook(a, "dingtalk", robots.dingtalk_url("ding-me"), user=a.consultant,
                 secret="SECwrong")
    _hook(a, "wecom", robots.wecom_url("wecom-me"), user=a.consultant)
    with pytest.raises(NoticeNotDelivered) as refused:
        _remind(a, [a.consultant], key="reminder:2")
    assert any(channel == "dingtalk" for _a, channel, _e in refused.value.failures)
    assert [p for p, _t, _payload in robots.received] == ["wecom"]  # the others went
    assert len(mailoutbox) == 1
    with scopes_disabled():
        failed = Delivery.objects.get(key="reminder:2", channel="dingtalk")
        assert failed.state == "failed" and "310000" in failed.error and failed.attempts == 1
        hook.secret = SECRET
        hook.save()
    # the task's retry: only the failed delivery is sent again
    _remind(a, [a.consultant], key="reminder:2")
    assert [p for p, _t, _payload in robots.received] == ["wecom", "dingtalk"]
    assert len(mailoutbox) == 1
    with scopes_disabled():
        again = Delivery.objects.get(key="reminder:2", channel="dingtalk")
        assert again.state == "sent" and again.attempts == 2


def test_an_unreachable_robot_is_a_failure_not_an_error(a, robots, settings):
    settings.CHAT_WEBHOOK_TIMEOUT = 2
    settings.CHAT_WEBHOOK_PREFIXES = {"wecom": ["http://127.0.0.1:9/"]}
    _hook(a, "wecom", "http://127.0.0.1:9/cgi-bin/webhook/send?key=x", user=a.consultant)
    with pytest.raises(NoticeNotDelivered):
        _remind(a, [a.consultant], key="reminder:3")
    with scopes_disabled():
        assert Delivery.objects.get(key="reminder:3", channel="wecom").state == "failed"


def test_client_notices_and_other_firms_never_reach_the_robots(a, b, robots):
    _hook(a, "wecom", robots.wecom_url("wecom-firm"))
    _hook(b, "wecom", robots.wecom_url("wecom-b"))
    with firm_scope(a.firm):
        notify("survey_reminder", recipients=[Recipient(email="client@example.test")],
               firm=a.firm.pk, key="survey:1",
               context={"engagement": SimpleNamespace(number="2026-001", title="x",
                                                      firm=a.firm),
                        "link": "https://example.test/s/", "contact": a.contact,
                        "invitation": SimpleNamespace(expires_at=None)})
    assert robots.received == []
    _remind(a, [a.consultant], key="reminder:4")
    assert [t for _p, t, _payload in robots.received] == ["wecom-firm"]  # never b's group


def test_an_address_not_of_the_platform_is_refused(a, robots):
    with scopes_disabled():
        ChatWebhook.objects.create(firm=a.firm, user=a.consultant, platform="wecom",
                                   url="http://169.254.169.254/latest/meta-data?key=1")
    with pytest.raises(NoticeNotDelivered):
        _remind(a, [a.consultant], key="reminder:5")
    assert robots.received == []


def test_the_settings_page(client, a, b, robots):
    url = reverse("agenda:chat")
    login(client, a.consultant)
    page = client.get(url).content.decode()
    assert 'id="robot-me-wecom"' in page and 'id="robot-firm-wecom"' not in page
    # an address elsewhere is refused, nothing saved
    resp = client.post(url, {"target": "me-wecom", "me-wecom-url": "https://evil.example/x",
                             "me-wecom-is_active": "on"})
    assert resp.status_code == 200 and "is-invalid" in resp.content.decode()
    resp = client.post(url, {"target": "me-dingtalk",
                             "me-dingtalk-url": robots.dingtalk_url("ding-me"),
                             "me-dingtalk-secret": SECRET, "me-dingtalk-is_active": "on"})
    assert resp.status_code == 302
    # a consultant cannot set the firm's group
    assert client.post(url, {"target": "firm-wecom",
                             "firm-wecom-url": robots.wecom_url("k")}).status_code == 404
    with scopes_disabled():
        hook = ChatWebhook.objects.get()
        assert (hook.user, hook.platform, hook.secret) == (a.consultant, "dingtalk", SECRET)
    robots.secrets["ding-me"] = SECRET
    _remind(a, [a.consultant], key="reminder:6")
    assert [t for _p, t, _payload in robots.received] == ["ding-me"]
    # the manager sets the firm's; the other firm sees none of ours
    login(client, a.manager)
    assert client.post(url, {"target": "firm-wecom", "firm-wecom-url": robots.wecom_url("f"),
                             "firm-wecom-is_active": "on"}).status_code == 302
    login(client, b.manager)
    page = client.get(url).content.decode()
    assert robots.wecom_url("f") not in page and "ding-me" not in page
    client.post(url, {"remove": "firm-wecom"})
    with scopes_disabled():
        assert ChatWebhook.objects.filter(firm=a.firm).count() == 2
    login(client, a.consultant)
    client.post(url, {"remove": "me-dingtalk"})
    with scopes_disabled():
        assert not ChatWebhook.objects.filter(user=a.consultant).exists()


def test_only_staff(client, a):
    login(client, a.contact.user)
    assert client.get(reverse("agenda:chat")).status_code == 404
    client.logout()
    assert client.get(reverse("agenda:chat")).status_code == 302


def test_a_test_message_goes_through_a_background_job_and_shows_its_result(
        client, a, b, robots, django_capture_on_commit_callbacks):
    """The settings page's "send a test message": an outbox job (the request returns before
    the robot is called), the platform's format (DingTalk signed), in the notice ledger,
    and the outcome on the page; the firm's group only by a manager; another firm's
    robot never."""
    from consultancy.activity.models import Event
    from consultancy.outbox.models import Job

    robots.secrets["ding-me"] = SECRET
    _hook(a, "dingtalk", robots.dingtalk_url("ding-me"), user=a.consultant, secret=SECRET)
    _hook(a, "wecom", robots.wecom_url("wecom-firm"))
    url = reverse("agenda:chat")
    login(client, a.consultant)
    assert "robot-test" in client.get(url).content.decode()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        resp = client.post(url, {"test": "me-dingtalk"}, follow=True)
    assert resp.redirect_chain[-1][0] == url
    assert "测试消息" in resp.content.decode() or "test message" in resp.content.decode()
    assert robots.received == []  # not inside the request: a job, sent after the commit
    with scopes_disabled():
        job = Job.objects.get(task="consultancy.notifications.tasks.chat_robot_test")
        assert job.firm_id == a.firm.pk
        assert Event.objects.filter(verb="chat_webhook.tested", actor=a.consultant).exists()
    for callback in callbacks:
        callback()
    [(platform, token, payload)] = robots.received
    assert (platform, token) == ("dingtalk", "ding-me")
    assert "测试消息" in payload["markdown"]["text"] and url in payload["markdown"]["text"]
    with scopes_disabled():
        row = Delivery.objects.get(kind="chat_test")
        assert row.state == "sent" and row.channel == "dingtalk_test"
    page = client.get(url).content.decode()
    assert 'class="small mt-2 mb-0 robot-last-test" data-state="sent"' in page
    # a consultant cannot test the firm's group; no robot, nothing to test
    assert client.post(url, {"test": "firm-wecom"}).status_code == 404
    assert client.post(url, {"test": "me-wecom"}).status_code == 404
    # a failing robot: recorded as failed with the platform's answer, shown on the page
    login(client, a.manager)
    robots.secrets["wecom-firm"] = "unused"
    with scopes_disabled():
        ChatWebhook.objects.filter(user=None).update(url=robots.wecom_url(""))
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(url, {"test": "firm-wecom"}).status_code == 302
    with scopes_disabled():
        failed = Delivery.objects.get(kind="chat_test", channel="wecom_test")
        assert failed.state == "failed" and "93000" in failed.error
    assert 'data-state="failed"' in client.get(url).content.decode()
    # another firm's manager: our robots are not theirs to test
    login(client, b.manager)
    assert client.post(url, {"test": "firm-wecom"}).status_code == 404
    assert len(robots.received) == 1
