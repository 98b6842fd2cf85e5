"""The outbox: one row per piece of background work, written in the transaction that asks
for it, and what the beat last did."""

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from consultancy.tenancy.scoping import FirmScopedManager


class Job(models.Model):
    """A Celery task to run once its transaction has committed.

    ``firm`` is the firm whose data the task touches (its tasks enter that firm's scope);
    it is empty only for platform work that belongs to no firm (the password reset of a
    platform operator). Rows are read and written by the machinery through
    :func:`consultancy.outbox.scope.across_firms`; inside a firm's scope the manager shows
    that firm's rows only (a manager's page of failed notices).

    States: ``pending`` (written; not handed to the broker yet, or the broker refused it),
    ``sent`` (handed over; the broker holds it until ``claimed_until``), ``running`` (a
    worker started it; it may run until ``claimed_until``), ``done`` and ``failed`` (the
    task acknowledged it). A ``sent`` or ``running`` job whose claim ran out is handed over
    again by the sweep; so is a ``pending`` one.
    """

    class State(models.TextChoices):
        PENDING = "pending", _("Waiting to be sent")
        SENT = "sent", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    OPEN_STATES = (State.PENDING, State.SENT, State.RUNNING)

    firm = models.ForeignKey("tenancy.Firm", on_delete=models.PROTECT, related_name="+",
                             null=True, blank=True, verbose_name=_("firm"))
    task = models.CharField(_("task"), max_length=200)
    args = models.JSONField(_("arguments"), default=list, blank=True)
    kwargs = models.JSONField(_("keyword arguments"), default=dict, blank=True)
    key = models.CharField(
        _("key"), max_length=200, blank=True,
        help_text=_("At most one open job per key: asking again while one is open reuses it."))
    state = models.CharField(_("state"), max_length=10, choices=State.choices,
                             default=State.PENDING)
    attempts = models.PositiveIntegerField(_("times sent"), default=0)
    runs = models.PositiveIntegerField(_("times started"), default=0)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    sent_at = models.DateTimeField(_("last sent at"), null=True, blank=True)
    started_at = models.DateTimeField(_("last started at"), null=True, blank=True)
    claimed_until = models.DateTimeField(_("claimed until"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    error = models.TextField(_("last error"), blank=True)
    request_id = models.CharField(_("request id"), max_length=64, blank=True)

    objects = FirmScopedManager()

    class Meta:
        verbose_name = _("background job")
        verbose_name_plural = _("background jobs")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["firm", "state", "created_at"], name="outbox_firm_state_idx"),
            # The sweep: open jobs by claim (every firm).
            models.Index(fields=["state", "claimed_until"], name="outbox_state_claim_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["firm", "key"], name="outbox_one_open_job_per_key",
                condition=Q(firm__isnull=False, state__in=["pending", "sent", "running"])
                & ~Q(key=""),
            ),
            models.UniqueConstraint(
                fields=["key"], name="outbox_one_open_platform_job_per_key",
                condition=Q(firm__isnull=True, state__in=["pending", "sent", "running"])
                & ~Q(key=""),
            ),
        ]

    def __str__(self):
        return f"{self.task} #{self.pk} ({self.state})"

    @property
    def is_open(self) -> bool:
        return self.state in self.OPEN_STATES


class Heartbeat(models.Model):
    """When a periodic piece of the machinery last ran (``outbox.sweep``: the beat's
    sweep, run by a worker). The health check reads it. Platform data, no firm."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    at = models.DateTimeField(_("last run"))
    detail = models.CharField(_("detail"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("heartbeat")
        verbose_name_plural = _("heartbeats")

    def __str__(self):
        return f"{self.name} @ {self.at:%Y-%m-%d %H:%M:%S}"
