"""The private calendar link: made and revoked by its user (each in one transaction, with
its event in the activity log). The token is shown once, on the page that made it; only
its SHA-256 is kept."""

import secrets

from django.db import transaction
from django.utils import timezone

from consultancy.activity.services import record_event

from .models import CalendarFeed
from .selectors import token_hash


def feed_create(*, user) -> tuple[CalendarFeed, str]:
    """A new private link for ``user``; any earlier one is revoked. Returns the feed and
    the token (the only time it exists in clear)."""
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        CalendarFeed.objects.filter(firm_id=user.firm_id, user=user,
                                    revoked_at__isnull=True).update(revoked_at=timezone.now())
        feed = CalendarFeed.objects.create(firm_id=user.firm_id, user=user,
                                           token_hash=token_hash(token))
        record_event(firm=user.firm_id, by=user, verb="calendar_feed.created", obj=feed)
    return feed, token


def feed_revoke(*, user) -> int:
    """Revoke the user's link: it answers 404 from now on."""
    with transaction.atomic():
        n = CalendarFeed.objects.filter(firm_id=user.firm_id, user=user,
                                        revoked_at__isnull=True).update(revoked_at=timezone.now())
        if n:
            record_event(firm=user.firm_id, by=user, verb="calendar_feed.revoked")
    return n


def feed_read(feed):
    """Note when the link was last read (a phone polls it): once an hour at most."""
    now = timezone.now()
    if feed.last_read_at is None or (now - feed.last_read_at).total_seconds() > 3600:
        CalendarFeed.objects.filter(pk=feed.pk).update(last_read_at=now)


# -- chat group robots (WeChat Work, DingTalk) ------------------------------------------


def chat_webhook_save(*, by, platform, firm_wide, url, secret="", is_active=True):
    """Set the robot of ``platform`` for ``by`` (or, ``firm_wide``, for the firm: a
    manager's act). The form checked the address is the platform's."""
    from consultancy.notifications.models import ChatWebhook

    if firm_wide and not by.is_manager:
        raise PermissionError("Only a manager sets the firm's group robot.")
    owner = None if firm_wide else by
    with transaction.atomic():
        hook = (ChatWebhook.objects.select_for_update()
                .filter(firm_id=by.firm_id, platform=platform, user=owner).first())
        if hook is None:
            hook = ChatWebhook(firm_id=by.firm_id, platform=platform, user=owner)
        hook.url, hook.secret, hook.is_active = url, secret if platform == "dingtalk" else "", \
            is_active
        hook.save()
        record_event(firm=by.firm_id, by=by, verb="chat_webhook.saved", obj=hook,
                     params={"platform": platform, "firm_wide": firm_wide})
    return hook


def chat_webhook_remove(*, by, platform, firm_wide) -> bool:
    from consultancy.notifications.models import ChatWebhook

    if firm_wide and not by.is_manager:
        raise PermissionError("Only a manager removes the firm's group robot.")
    with transaction.atomic():
        n, _ = ChatWebhook.objects.filter(firm_id=by.firm_id, platform=platform,
                                          user=None if firm_wide else by).delete()
        if n:
            record_event(firm=by.firm_id, by=by, verb="chat_webhook.removed",
                         params={"platform": platform, "firm_wide": firm_wide})
    return bool(n)


def chat_webhook_test(*, by, platform, firm_wide, link=""):
    """Send the robot of ``platform`` (``by``'s own, or the firm's: a manager's act) a test
    message: an outbox job (the notice service's ledger, never inside the request), with
    its event in the activity log. None when there is no such robot."""
    from consultancy.notifications.models import ChatWebhook
    from consultancy.notifications.tasks import chat_robot_test
    from consultancy.outbox import enqueue

    if firm_wide and not by.is_manager:
        raise PermissionError("Only a manager tests the firm's group robot.")
    with transaction.atomic():
        hook = ChatWebhook.objects.filter(firm_id=by.firm_id, platform=platform,
                                          user=None if firm_wide else by).first()
        if hook is None:
            return None
        key = f"chat_test:{hook.pk}:{secrets.token_hex(8)}"
        enqueue(chat_robot_test, by.firm_id, hook.pk, by.pk, key, link, firm=by.firm_id)
        record_event(firm=by.firm_id, by=by, verb="chat_webhook.tested", obj=hook,
                     params={"platform": platform, "firm_wide": firm_wide})
    return hook
