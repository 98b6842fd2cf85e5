"""An import: a file a member of staff uploaded, read into rows, checked, previewed, and
imported once (all of it, or only its clean rows)."""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from consultancy.tenancy.scoping import FirmOwned


class ImportBatch(FirmOwned):
    class Kind(models.TextChoices):
        CLIENTS = "clients", _("Clients")
        CONTACTS = "contacts", _("Client contacts")
        HISTORY = "history", _("Closed engagements with satisfaction scores")

    class Status(models.TextChoices):
        PREVIEW = "preview", _("Checked, not imported")
        QUEUED = "queued", _("Being imported")
        IMPORTED = "imported", _("Imported")
        FAILED = "failed", _("Import refused")

    class Mode(models.TextChoices):
        ALL = "all", _("The whole file")
        CLEAN = "clean", _("Only the rows without errors")

    kind = models.CharField(_("what"), max_length=10, choices=Kind.choices)
    file_name = models.CharField(_("file"), max_length=200)
    file_type = models.CharField(_("file type"), max_length=10)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    # The rows as read: [{"row": <row number in the file>, "values": {column: text}}]. The
    # file itself is not kept: these are what is checked and imported.
    rows = models.JSONField(_("rows"), default=list)
    unknown_columns = models.JSONField(_("columns not recognised"), default=list, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices,
                              default=Status.PREVIEW)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"),
                                    on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    mode = models.CharField(_("imported"), max_length=10, choices=Mode.choices, blank=True)
    imported_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("imported by"),
                                    on_delete=models.PROTECT, related_name="+", null=True,
                                    blank=True)
    imported_at = models.DateTimeField(_("imported at"), null=True, blank=True)
    imported_rows = models.JSONField(_("rows imported"), default=list, blank=True)
    skipped_rows = models.JSONField(_("rows left out"), default=list, blank=True)
    error = models.TextField(_("why the import was refused"), blank=True)

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        ordering = ["-uploaded_at", "-pk"]
        indexes = [models.Index(fields=["firm", "-uploaded_at"], name="import_firm_at_idx")]

    def __str__(self):
        return f"{self.get_kind_display()} · {self.file_name}"

    def get_absolute_url(self):
        return reverse("imports:preview", args=[self.pk])

    @property
    def is_imported(self) -> bool:
        return self.status == self.Status.IMPORTED
