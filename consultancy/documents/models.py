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
    :func:`consultancy.documents.tasks.render_document` task (an outbox job). Rows are never
    re-rendered: asking again once it is ready or failed makes a new row, so every version
    that was handed out stays, with its SHA-256; asking again while it is pending returns
    the pending one.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Being generated")
        READY = "ready", _("Ready")
        FAILED = "failed", _("Failed")

    kind = models.CharField(_("kind"), max_length=50)
    volume = models.CharField(
        _("volume"), max_length=20, blank=True,
        help_text=_("The part of a document too large for one file (a dossier's volume by "
                    "clause); empty for a whole document."))
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
        constraints = [
            # One document of a kind (and volume) is made at a time for an owner: asking
            # again while it is pending reuses it (two clicks, one render).
            models.UniqueConstraint(
                fields=["firm", "owner_type", "owner_id", "kind", "volume"],
                condition=models.Q(status="pending"), name="gendoc_one_pending",
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
    def problem(self) -> str:
        """Why a failed document was not made, in the reader's language, when it hit one of
        the limits (``limit:…``, set by the render task); "" otherwise."""
        parts = self.error.split(":") if self.error.startswith("limit:") else []
        try:
            if parts[1] == "pages":
                return _("This PDF would have %(pages)s pages, more than the %(limit)s a PDF "
                         "may have, so it was not made.") % {"pages": parts[2],
                                                              "limit": parts[3]}
            if parts[1] == "html":
                return _("This PDF would be far longer than the %(limit)s pages a PDF may "
                         "have, so it was not made.") % {
                             "limit": settings.PDF_MAX_PAGES}
            if parts[1] == "time":
                return _("Making this PDF took longer than the limit of %(seconds)s seconds, "
                         "so it was stopped.") % {"seconds": parts[2]}
        except IndexError:
            pass
        return ""

    @property
    def download_filename(self) -> str:
        """The name the file is downloaded under: the builder's name (made safe when it was
        stored), else ``<kind>-<id>.pdf``."""
        if self.file:
            return os.path.basename(self.file.name)
        return f"{self.kind}-{self.pk}.pdf"
