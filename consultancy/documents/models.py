"""Generated documents: one row per PDF asked for, its state and its stored file."""

import os

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from consultancy.tenancy.files import FirmUploadTo, TypedFileField, content_type_field
from consultancy.tenancy.scoping import FirmOwned

# A pending document older than this is probably stuck (no worker): the status fragment
# then offers to request it again.
STALE_AFTER_SECONDS = 300


class GeneratedDocument(FirmOwned):
    """A PDF rendered from ``templates/pdf/`` for an owner (a contract, a plan, …).

    Asked for by :func:`consultancy.documents.services.pdf_request`, rendered by the
    :func:`consultancy.documents.tasks.render_document` task. Rows are never re-rendered:
    asking again makes a new row, so every version that was handed out stays, with its
    SHA-256.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Being generated")
        READY = "ready", _("Ready")
        FAILED = "failed", _("Failed")

    kind = models.CharField(_("kind"), max_length=50)
    owner_type = models.ForeignKey(
        ContentType, on_delete=models.PROTECT, related_name="+", verbose_name=_("owner type")
    )
    owner_id = models.PositiveBigIntegerField(_("owner id"))
    owner = GenericForeignKey("owner_type", "owner_id")
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    file = TypedFileField(
        _("file"), upload_to=FirmUploadTo("generated"), max_length=300, blank=True
    )
    content_type = content_type_field()
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True)
    size = models.PositiveIntegerField(_("size (bytes)"), null=True, blank=True)
    pages = models.PositiveIntegerField(_("pages"), null=True, blank=True)
    render_ms = models.PositiveIntegerField(_("render time (ms)"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("requested by"),
    )
    requested_at = models.DateTimeField(_("requested at"), default=timezone.now)
    rendered_at = models.DateTimeField(_("rendered at"), null=True, blank=True)

    class Meta:
        verbose_name = _("generated document")
        verbose_name_plural = _("generated documents")
        ordering = ["-requested_at", "-pk"]
        indexes = [
            models.Index(
                fields=["firm", "owner_type", "owner_id", "kind"], name="gendoc_firm_owner_idx"
            ),
        ]

    def __str__(self):
        return f"{self.kind} #{self.pk} ({self.get_status_display()})"

    @property
    def is_pending(self) -> bool:
        return self.status == self.Status.PENDING

    @property
    def is_ready(self) -> bool:
        return self.status == self.Status.READY

    @property
    def is_failed(self) -> bool:
        return self.status == self.Status.FAILED

    @property
    def is_stale(self) -> bool:
        """Pending for longer than a render ever takes: the worker is probably down."""
        return (
            self.is_pending
            and (timezone.now() - self.requested_at).total_seconds() > STALE_AFTER_SECONDS
        )

    @property
    def download_filename(self) -> str:
        """The name the file is downloaded under: the builder's name (made safe when it was
        stored), else ``<kind>-<id>.pdf``."""
        if self.file:
            return os.path.basename(self.file.name)
        return f"{self.kind}-{self.pk}.pdf"
