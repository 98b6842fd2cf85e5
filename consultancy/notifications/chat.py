"""WeChat Work (企业微信) and DingTalk (钉钉) group robots as channels of the notice
service: the staff notices (reminders, what awaits a consultant, the client's acts,
complaint deadlines) also go, short and in Chinese with a link, to the recipient's own
group robot and to the firm's group.

* WeCom: ``POST`` JSON ``{"msgtype": "markdown", "markdown": {"content": …}}`` to the
  robot's ``…/cgi-bin/webhook/send?key=…`` address; the answer ``{"errcode": 0}`` is
  success.
* DingTalk: ``POST`` JSON ``{"msgtype": "markdown", "markdown": {"title": …, "text": …}}``
  to ``…/robot/send?access_token=…``; a robot with a signing secret ("加签") needs
  ``&timestamp=<ms>&sign=<urlencoded base64 HMAC-SHA256 of "<timestamp>\\n<secret>">``.

Each channel is one more name in the notice service's registry, so its deliveries are in
the same ledger (``Delivery``: once per key, retried with backoff by the notice's task,
failures listed for the managers). Sending happens in the notice's background job, never
in a request. The firm's group gets a notice once, whoever its recipients (the ledger's
address is the group, not the person).
"""

import base64
import hashlib
import hmac
import json
import re
import time
import urllib.parse
import urllib.request

from django.conf import settings
from django.utils import translation

from consultancy.refusals import GONE, Refusal

from .channels import Channel

#: The notices that go to chat groups: the staff's, not the client's or the platform's.
CHAT_KINDS = {"daily_reminder", "stage_changed", "acceptance_verdict", "complaint_received"}

DEFAULT_HOSTS = {
    "wecom": ["https://qyapi.weixin.qq.com/"],
    "dingtalk": ["https://oapi.dingtalk.com/"],
}


class ChatWebhookError(Refusal):
    """The platform answered with an error (``errcode`` not 0) or not at all."""

    code = "notice.chat_webhook"
    kind = GONE


def allowed_prefixes(platform) -> list[str]:
    hosts = getattr(settings, "CHAT_WEBHOOK_PREFIXES", None) or DEFAULT_HOSTS
    return list(hosts.get(platform, []))


def is_allowed(platform, url) -> bool:
    """Only the platform's own robot address (no request to anywhere else: the address
    is typed by a user)."""
    return any(url.startswith(prefix) for prefix in allowed_prefixes(platform))


def dingtalk_signed_url(url, secret, timestamp_ms=None) -> str:
    """The robot address with DingTalk's ``timestamp`` and ``sign`` parameters."""
    timestamp = str(timestamp_ms if timestamp_ms is not None else round(time.time() * 1000))
    digest = hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(),
                      hashlib.sha256).digest()
    sign = urllib.parse.quote_plus(base64.b64encode(digest))
    return f"{url}{'&' if '?' in url else '?'}timestamp={timestamp}&sign={sign}"


_URL = re.compile(r"https?://\S+")


def chat_text(message) -> tuple[str, str]:
    """The title and the link of ``message``, in Chinese (the groups are Chinese)."""
    from .service import render

    with translation.override("zh-hans"):
        subject, body = render(message.kind, message.context)
    link = message.context.get("link") or ""
    if not link:
        found = _URL.search(body)
        link = found.group(0) if found else ""
    return subject, link


def wecom_payload(title, link) -> dict:
    content = f"**{title}**"
    if link:
        content += f"\n[打开查看]({link})"
    return {"msgtype": "markdown", "markdown": {"content": content[:4000]}}


def dingtalk_payload(title, link) -> dict:
    text = f"#### {title}"
    if link:
        text += f"\n\n[打开查看]({link})"
    return {"msgtype": "markdown", "markdown": {"title": title[:60], "text": text[:4000]}}


def post(url, payload, timeout=None) -> dict:
    body = json.dumps(payload, ensure_ascii=False).encode()
    request = urllib.request.Request(url, data=body, method="POST", headers={
        "Content-Type": "application/json; charset=utf-8"})
    timeout = timeout or getattr(settings, "CHAT_WEBHOOK_TIMEOUT", 5)
    with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 (checked)
        answer = json.loads(response.read().decode() or "{}")
    if answer.get("errcode", 0) != 0:
        raise ChatWebhookError(f"{answer.get('errcode')}: {answer.get('errmsg', '')}")
    return answer


def send_to(hook, title, link) -> None:
    """Post one message to one robot (the platform's format, DingTalk signed)."""
    if not is_allowed(hook.platform, hook.url):
        raise ChatWebhookError("The robot's address is not one of the platform's.")
    if hook.platform == "dingtalk":
        url = dingtalk_signed_url(hook.url, hook.secret) if hook.secret else hook.url
        post(url, dingtalk_payload(title, link))
    else:
        post(hook.url, wecom_payload(title, link))


class ChatChannel(Channel):
    """The recipient's own robot of ``platform`` (``group=False``) or the firm's
    (``group=True``)."""

    def __init__(self, platform, *, group):
        self.platform, self.group = platform, group

    def target(self, message):
        from .models import ChatWebhook

        user = message.recipient.user
        if message.kind not in CHAT_KINDS or user is None or not user.is_firm_staff:
            return None
        hooks = ChatWebhook.objects.filter(firm_id=user.firm_id, platform=self.platform,
                                           is_active=True)
        hooks = hooks.filter(user__isnull=True) if self.group else hooks.filter(user=user)
        return hooks.first()

    def reaches(self, message) -> bool:
        return self.target(message) is not None

    def address_for(self, message) -> str:
        if self.group:
            return f"{self.platform}:group"
        return message.recipient.email

    def send(self, message) -> bool:
        hook = self.target(message)
        if hook is None:
            return False
        title, link = chat_text(message)
        send_to(hook, title, link)
        return True


TEST_KIND = "chat_test"


class OneRobot(Channel):
    """One given robot (its test message): its own address in the ledger."""

    def __init__(self, hook):
        self.hook = hook

    def address_for(self, message) -> str:
        return test_address(self.hook)

    def send(self, message) -> bool:
        title, link = chat_text(message)
        send_to(self.hook, title, link)
        return True


def test_address(hook) -> str:
    return f"{hook.platform}:test:{hook.pk}"


def send_test(hook, user, *, key, link="") -> bool:
    """Send the robot ``hook`` a test message asked for by ``user``, through the notice
    service's ledger (``Delivery``, the channel ``<platform>_test``): True when the platform
    took it; a failure is recorded with the platform's answer (and listed for the
    managers), not retried: the person asked for it and looks at the result."""
    from .service import Message, Recipient, deliver_once

    recipient = Recipient.for_user(user, language="zh-hans")
    context = {"recipient": recipient, "hook": hook, "link": link, "firm": hook.firm_id}
    with translation.override("zh-hans"):
        from .service import render

        subject, body = render(TEST_KIND, context)
    message = Message(kind=TEST_KIND, recipient=recipient, subject=subject, body=body,
                      firm=hook.firm_id, context=context)
    outcome = deliver_once(f"{hook.platform}_test", OneRobot(hook), message, key=key,
                           firm_id=hook.firm_id)
    return outcome is True


def register():
    from .channels import register_channel

    register_channel("wecom", ChatChannel("wecom", group=False))
    register_channel("dingtalk", ChatChannel("dingtalk", group=False))
    register_channel("wecom_group", ChatChannel("wecom", group=True))
    register_channel("dingtalk_group", ChatChannel("dingtalk", group=True))
