"""The record of every notice delivered (or not) to one recipient through one channel."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from consultancy.tenancy.scoping import FirmOwned, FirmScopedManager


class Delivery(models.Model):
    """One notice to one address through one channel.

    ``key`` names what the notice is about (``job:<id>``: the background job that sends it;
    ``reminder:<id>``: a daily reminder): one delivery per key, channel and address, so a
    job that runs twice delivers once. A failed delivery keeps its error and the number of
    attempts; the firm's managers see it (``dashboard:notices``). ``firm`` is empty only for
    a platform operator's mail (a password reset).
    """

    class State(models.TextChoices):
        SENDING = "sending", _("Being sent")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Not delivered")

    firm = models.ForeignKey("tenancy.Firm", on_delete=models.PROTECT, related_name="+",
                             null=True, blank=True, verbose_name=_("firm"))
    key = models.CharField(_("key"), max_length=200)
    kind = models.CharField(_("notice"), max_length=50)
    channel = models.CharField(_("channel"), max_length=30)
    address = models.CharField(_("address"), max_length=254)
    recipient_name = models.CharField(_("recipient"), max_length=200, blank=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                             blank=True, related_name="+", verbose_name=_("user"))
    subject = models.CharField(_("subject"), max_length=300, blank=True)
    state = models.CharField(_("state"), max_length=10, choices=State.choices,
                             default=State.SENDING)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("last attempt"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    objects = FirmScopedManager()

    class Meta:
        verbose_name = _("notice delivery")
        verbose_name_plural = _("notice deliveries")
        ordering = ["-updated_at", "-pk"]
        indexes = [models.Index(fields=["firm", "state", "updated_at"],
                                name="delivery_firm_state_idx")]
        constraints = [
            models.UniqueConstraint(fields=["firm", "key", "channel", "address"],
                                    name="delivery_once_per_key",
                                    condition=Q(firm__isnull=False)),
            models.UniqueConstraint(fields=["key", "channel", "address"],
                                    name="delivery_once_per_platform_key",
                                    condition=Q(firm__isnull=True)),
        ]

    def __str__(self):
        return f"{self.kind} → {self.address} ({self.state})"


class ChatWebhook(FirmOwned):
    """A group robot of WeChat Work (企业微信) or DingTalk (钉钉) that staff notices also go
    to: the firm's group (``user`` empty) or one person's own group. DingTalk robots with
    "加签" security have a signing secret (``SEC…``): each request carries a timestamp and
    its HMAC-SHA256 signature."""

    class Platform(models.TextChoices):
        WECOM = "wecom", _("WeChat Work (企业微信)")
        DINGTALK = "dingtalk", _("DingTalk (钉钉)")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                             blank=True, related_name="chat_webhooks", verbose_name=_("person"),
                             help_text=_("Empty: the firm's group."))
    platform = models.CharField(_("platform"), max_length=10, choices=Platform.choices)
    url = models.URLField(_("webhook address"), max_length=500)
    secret = models.CharField(_("signing secret"), max_length=200, blank=True,
                              help_text=_("DingTalk only: the robot's “加签” secret (SEC…)."))
    is_active = models.BooleanField(_("active"), default=True)
    updated_at = models.DateTimeField(_("changed at"), auto_now=True)

    class Meta:
        verbose_name = _("chat group robot")
        verbose_name_plural = _("chat group robots")
        ordering = ["platform", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["firm", "user", "platform"],
                                    condition=Q(user__isnull=False),
                                    name="chatwebhook_one_per_user"),
            models.UniqueConstraint(fields=["firm", "platform"],
                                    condition=Q(user__isnull=True),
                                    name="chatwebhook_one_per_firm"),
        ]
        indexes = [models.Index(fields=["firm", "user"], name="chatwebhook_firm_user_idx")]

    def __str__(self):
        return f"{self.get_platform_display()} ({self.user or _('the firm')})"
