"""A user's private iCalendar feed: a secret link (only its SHA-256 is stored) that a
phone's calendar subscribes to. Revoking it makes the link answer 404; a new link is a
new row."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from consultancy.tenancy.scoping import FirmOwned


class CalendarFeed(FirmOwned):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("for"),
                             on_delete=models.PROTECT, related_name="calendar_feeds")
    token_hash = models.CharField(_("fingerprint of the link"), max_length=64, unique=True,
                                  editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    last_read_at = models.DateTimeField(_("last read at"), null=True, blank=True)

    class Meta:
        verbose_name = _("calendar link")
        verbose_name_plural = _("calendar links")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["firm", "user"], name="calfeed_firm_user_idx")]

    def __str__(self):
        return f"{self.user} ({self.created_at:%Y-%m-%d})"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
