"""The client enterprise (用户, clause 3) and the people at it."""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from consultancy.search import pinyin
from consultancy.tenancy.scoping import FirmOwned

from .validators import normalize_uscc, validate_uscc


def _with_pinyin_fields(kwargs) -> None:
    """A save of some fields (``update_fields``) that names the name saves its pinyin too."""
    fields = kwargs.get("update_fields")
    if fields is not None and "name" in fields:
        kwargs["update_fields"] = {*fields, "name_initials", "name_sort"}


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
    # Filled from the name on every save (consultancy.search.pinyin): what the search box
    # matches letters against, and the pinyin order of the lists.
    name_initials = models.CharField(_("pinyin initials"), max_length=200, blank=True,
                                     editable=False)
    name_sort = models.CharField(_("pinyin sort key"), max_length=600, blank=True,
                                 editable=False)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("client")
        verbose_name_plural = _("clients")
        ordering = ["name_sort", "name", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["firm", "uscc"], name="client_unique_uscc_per_firm"),
        ]
        indexes = [
            models.Index(fields=["firm", "name"], name="client_firm_name_idx"),
            models.Index(fields=["firm", "name_sort"], name="client_firm_sort_idx"),
        ]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.uscc = normalize_uscc(self.uscc)
        pinyin.fill(self)
        _with_pinyin_fields(kwargs)
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
    name_initials = models.CharField(_("pinyin initials"), max_length=200, blank=True,
                                     editable=False)
    name_sort = models.CharField(_("pinyin sort key"), max_length=600, blank=True,
                                 editable=False)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("client contact")
        verbose_name_plural = _("client contacts")
        ordering = ["name_sort", "name", "pk"]
        indexes = [
            models.Index(fields=["firm", "client"], name="contact_firm_client_idx"),
            models.Index(fields=["firm", "name_sort"], name="contact_firm_sort_idx"),
        ]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        pinyin.fill(self)
        _with_pinyin_fields(kwargs)
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("clients:contact_detail", args=[self.pk])

    @property
    def has_portal_login(self):
        return self.user_id is not None
