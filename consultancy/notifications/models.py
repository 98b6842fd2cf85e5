"""The record of every notice delivered (or not) to one recipient through one channel."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from consultancy.tenancy.scoping import FirmScopedManager


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
