"""One table of acts: every service writes one row per act, in its own transaction."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from consultancy.tenancy.scoping import FirmOwned


class SystemActor(models.TextChoices):
    """The named actors that are not a person: a task, the demo, a migration."""

    DAILY_REMINDERS = "daily_reminders", _("Daily reminders")
    DEMO_IMPORT = "demo_import", _("Demo import")
    DATA_MIGRATION = "data_migration", _("Data migration")
    BACKGROUND_TASK = "background_task", _("Background task")
    IMPORT = "import", _("Import")
    LOGIN_PROTECTION = "login_protection", _("Login protection")
    CLIENT_LINK = "client_link", _("Client, through the e-mailed link")


class Event(FirmOwned):
    """An act on the firm's records: the actor (a user or a named system actor), a stable
    verb, the record acted on, the standard's clause and a few parameters. The message is
    rendered when shown, in the reader's language (:func:`consultancy.activity.verbs.describe`).
    """

    engagement_id = models.BigIntegerField(_("engagement"), null=True, blank=True,
                                           db_index=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("actor"),
                              on_delete=models.PROTECT, null=True, blank=True,
                              related_name="+")
    system_actor = models.CharField(_("system actor"), max_length=30, blank=True,
                                    choices=SystemActor.choices)
    verb = models.CharField(_("verb"), max_length=60)
    object_type = models.CharField(_("object type"), max_length=100, blank=True)
    object_id = models.CharField(_("object id"), max_length=40, blank=True)
    clause = models.CharField(_("clause"), max_length=20, blank=True)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    client_visible = models.BooleanField(_("visible to the client"), default=False)
    at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        verbose_name = _("activity event")
        verbose_name_plural = _("activity events")
        ordering = ["-at", "-pk"]
        indexes = [
            models.Index(fields=["firm", "engagement_id", "-at"], name="event_firm_eng_at_idx"),
            models.Index(fields=["firm", "-at"], name="event_firm_at_idx"),
            # the events of one record (a client's, a contact's: the client pages)
            models.Index(fields=["firm", "object_type", "object_id", "-at"],
                         name="event_firm_object_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(Q(actor__isnull=False) & Q(system_actor=""))
                | (Q(actor__isnull=True) & ~Q(system_actor="")),
                name="event_exactly_one_actor",
            ),
        ]

    def __str__(self):
        return f"{self.verb} @ {self.at:%Y-%m-%d %H:%M}"

    def save(self, *args, **kwargs):
        """A platform operator (no firm) may act on a firm's records; anyone else acting
        must belong to the firm (``FirmOwned.save``)."""
        if self.actor_id and self.actor.firm_id is None and self.firm_id:
            return models.Model.save(self, *args, **kwargs)
        return super().save(*args, **kwargs)

    @property
    def actor_label(self):
        if self.actor_id:
            return str(self.actor)
        return SystemActor(self.system_actor).label
