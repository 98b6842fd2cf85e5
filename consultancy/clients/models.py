"""The client enterprise (用户, clause 3) and the people at it."""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from consultancy.tenancy.scoping import FirmOwned

from .validators import normalize_uscc, validate_uscc


class Client(FirmOwned):
    class Industry(models.TextChoices):
        CHEMICAL = "chemical", _("Chemicals and hazardous chemicals")
        CONSTRUCTION = "construction", _("Construction")
        WAREHOUSING = "warehousing", _("Warehousing and logistics")
        MANUFACTURING = "manufacturing", _("Machinery and manufacturing")
        METALLURGY = "metallurgy", _("Metallurgy and non-ferrous metals")
        BUILDING_MATERIALS = "building_materials", _("Building materials")
        LIGHT_INDUSTRY = "light_industry", _("Light industry and textiles")
        MINING = "mining", _("Mining")
        TRADE = "trade", _("Trade and retail")
        TRANSPORT = "transport", _("Transport")
        POWER = "power", _("Power and utilities")
        OTHER = "other", _("Other")

    class Size(models.TextChoices):
        # 统计上大中小微型企业划分办法
        LARGE = "large", _("Large")
        MEDIUM = "medium", _("Medium")
        SMALL = "small", _("Small")
        MICRO = "micro", _("Micro")

    name = models.CharField(_("name"), max_length=200)
    uscc = models.CharField(
        _("unified social credit code"),
        max_length=18,
        validators=[validate_uscc],
        help_text=_("统一社会信用代码: 18 characters, checked by GB 32100."),
    )
    industry = models.CharField(_("industry"), max_length=30, choices=Industry.choices)
    size = models.CharField(_("size"), max_length=10, choices=Size.choices, blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    phone = models.CharField(_("phone"), max_length=50, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("client")
        verbose_name_plural = _("clients")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["firm", "uscc"], name="client_unique_uscc_per_firm"),
        ]
        indexes = [models.Index(fields=["firm", "name"], name="client_firm_name_idx")]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.uscc = normalize_uscc(self.uscc)
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("clients:detail", args=[self.pk])


class ClientContact(FirmOwned):
    """A person at the client; with ``user`` set, they can log in to the portal."""

    client = models.ForeignKey(
        Client, verbose_name=_("client"), on_delete=models.PROTECT, related_name="contacts"
    )
    name = models.CharField(_("name"), max_length=100)
    position = models.CharField(_("position"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=50, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("portal login"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="client_contact",
        limit_choices_to={"role": "client_contact"},
    )
    is_active = models.BooleanField(_("active"), default=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("client contact")
        verbose_name_plural = _("client contacts")
        ordering = ["name"]
        indexes = [models.Index(fields=["firm", "client"], name="contact_firm_client_idx")]

    def __str__(self):
        return self.name

    @property
    def has_portal_login(self):
        return self.user_id is not None
