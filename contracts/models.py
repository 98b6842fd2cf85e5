"""Clause 7: the written safety-production technical consulting contract."""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, FSMModelMixin, transition
from simple_history.models import HistoricalRecords

from consultancy.tenancy.files import (
    SCAN_TYPES,
    FirmUploadTo,
    TypedFileField,
    UploadValidator,
    content_type_field,
)
from consultancy.tenancy.scoping import FirmOwned
from engagements.models import CNY, FrozenRecord, RecordManager, VersionedManager

from .clauses import CLAUSE_KEYS, CLAUSES, clause_field

# The eleven clause fields are generated from CLAUSES inside the class bodies (so that
# django-simple-history, which copies fields when the class is prepared, sees them):
# ``clause_objectives``, ``clause_scope``, … in the order of clause 7.


class ContractTemplate(FirmOwned):
    """A firm's contract template: the text of each clause of clause 7, with placeholders
    such as ``{client_name}`` (see ``contracts.clauses.PLACEHOLDERS``). One per firm."""

    locals().update({clause_field(k): models.TextField(n) for k, n in CLAUSES})
    locals().update({clause_field(k) + "_en": models.TextField(
        format_lazy("{} ({})", n, _("English, optional")), blank=True) for k, n in CLAUSES})
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("contract template")
        verbose_name_plural = _("contract templates")
        constraints = [models.UniqueConstraint(fields=["firm"], name="one_contract_template_per_firm")]

    def __str__(self):
        return str(_("Contract template"))


class Contract(FSMModelMixin, FirmOwned):
    """A version of the engagement's contract. Version 1 is the contract; each later
    version amends the one before it (``amends``). Signed versions are never edited."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        ISSUED = "issued", _("Issued for signature")
        SIGNED = "signed", _("Signed")
        TERMINATED = "terminated", _("Terminated")

    versions_of = "engagement"

    engagement = models.ForeignKey(
        "engagements.Engagement", verbose_name=_("engagement"), on_delete=models.PROTECT,
        related_name="contracts",
    )
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    amends = models.OneToOneField(
        "self", verbose_name=_("amends"), on_delete=models.PROTECT, null=True, blank=True,
        related_name="amendment", editable=False,
    )
    number = models.CharField(_("contract number"), max_length=40, editable=False)
    status = FSMField(_("status"), max_length=12, choices=Status.choices, default=Status.DRAFT,
                      protected=True)
    locals().update({clause_field(k): models.TextField(n, blank=True) for k, n in CLAUSES})
    fee = models.DecimalField(_("fee (CNY)"), null=True, blank=True, **CNY)
    start_date = models.DateField(_("start date"), null=True, blank=True)
    end_date = models.DateField(_("end date"), null=True, blank=True)
    personnel = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("consulting personnel"), blank=True,
        related_name="+", limit_choices_to={"role__in": ["manager", "consultant"]},
    )
    guidance_period_days = models.PositiveIntegerField(
        _("guidance period after delivery (days)"), null=True, blank=True,
        help_text=_("Clause 9.1: further technical guidance as the contract agrees."),
    )
    follow_up_visits = models.PositiveIntegerField(
        _("number of follow-up visits"), null=True, blank=True,
        help_text=_("Clause 9.2."),
    )
    guidance_sessions = models.PositiveIntegerField(
        _("technical guidance sessions in the guidance period"), null=True, blank=True,
        help_text=_("Clause 9.1: at least this many guidance records (at least one) dated "
                    "within the guidance period. Empty: one."),
    )
    # 9.4: the complaint time limits the contract promises, counted from the receipt of a
    # complaint: taken from the firm's complaint settings when the contract is drafted
    # (its complaint clause prints them), kept as signed; the engagement's complaints are
    # held to them.
    complaint_acknowledge_days = models.PositiveSmallIntegerField(
        _("complaints acknowledged within (days of receipt)"), null=True, blank=True,
        editable=False)
    complaint_respond_days = models.PositiveSmallIntegerField(
        _("complaints answered in writing within (days of receipt)"), null=True, blank=True,
        editable=False)
    complaint_working_days = models.BooleanField(
        _("complaint time limits count working days"), null=True, blank=True, editable=False)
    # issuing
    issued_at = models.DateTimeField(_("issued at"), null=True, blank=True, editable=False)
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("issued by"),
                                  on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="+", editable=False)
    issued_pdf = models.ForeignKey("documents.GeneratedDocument", verbose_name=_("issued PDF"),
                                   on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+", editable=False)
    issued_pdf_sha256 = models.CharField(_("SHA-256 of the issued PDF"), max_length=64,
                                         blank=True, editable=False)
    # signing (both sides)
    firm_signatory = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("signed for us by"), on_delete=models.PROTECT,
        null=True, blank=True, related_name="+",
    )
    firm_signed_on = models.DateField(_("we signed on"), null=True, blank=True)
    client_signatory = models.CharField(_("signed for the client by"), max_length=100,
                                        blank=True)
    client_signed_on = models.DateField(_("the client signed on"), null=True, blank=True)
    signed_copy = TypedFileField(
        _("signed copy"), upload_to=FirmUploadTo("contracts"),
        validators=[UploadValidator(SCAN_TYPES, max_mb=20)], blank=True, max_length=300,
        type_field="signed_copy_content_type",
        help_text=_("The scan or PDF of the contract as signed by both sides (PDF, JPEG or "
                    "PNG, at most 20 MB)."),
    )
    signed_copy_content_type = content_type_field()
    signed_copy_sha256 = models.CharField(_("SHA-256 of the signed copy"), max_length=64,
                                          blank=True, editable=False)
    signed_recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL,
                                           verbose_name=_("signature recorded by"),
                                           on_delete=models.PROTECT, null=True, blank=True,
                                           related_name="+", editable=False)
    signed_recorded_at = models.DateTimeField(_("signature recorded at"), null=True,
                                              blank=True, editable=False)
    termination_reason = models.TextField(_("reason for termination"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("drafted by"),
                                   on_delete=models.PROTECT, related_name="+", editable=False)
    created_at = models.DateTimeField(_("drafted at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = VersionedManager()
    history = HistoricalRecords(excluded_fields=["status"], m2m_fields=[personnel])

    # What is frozen once the contract leaves the draft.
    CONTENT_FIELDS = [clause_field(k) for k in CLAUSE_KEYS] + [
        "fee", "start_date", "end_date", "guidance_period_days", "follow_up_visits",
        "guidance_sessions",
        "complaint_acknowledge_days", "complaint_respond_days", "complaint_working_days"]
    SIGNATURE_FIELDS = ["firm_signatory_id", "firm_signed_on", "client_signatory",
                        "client_signed_on", "signed_copy", "signed_copy_sha256"]

    class Meta:
        verbose_name = _("contract")
        verbose_name_plural = _("contracts")
        ordering = ["engagement", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["firm", "engagement", "version"],
                                    name="contract_version_per_engagement"),
            models.UniqueConstraint(fields=["firm", "number"], name="contract_number_per_firm"),
        ]
        indexes = [models.Index(fields=["firm", "engagement"], name="contract_firm_eng_idx"),
                   models.Index(fields=["firm", "status"], name="contract_firm_status_idx")]

    def __str__(self):
        return self.number

    def get_absolute_url(self):
        return reverse("contracts:contract", args=[self.engagement_id])

    def full_clean(self, exclude=None, validate_unique=True, validate_constraints=True):
        exclude = {*(exclude or ()), "status"}
        super().full_clean(exclude=exclude, validate_unique=validate_unique,
                           validate_constraints=validate_constraints)

    # -- what clause 7 requires ------------------------------------------------------
    def empty_clauses(self) -> list[str]:
        """The names of the clauses still empty (the issue form names them)."""
        return [str(name) for key, name in CLAUSES
                if not getattr(self, clause_field(key)).strip()]

    @classmethod
    def clauses_filled_q(cls) -> models.Q:
        q = models.Q()
        for key in CLAUSE_KEYS:
            q &= ~models.Q(**{clause_field(key): ""})
        return q

    @property
    def is_editable(self) -> bool:
        return self.status == self.Status.DRAFT

    @property
    def is_superseded(self) -> bool:
        return hasattr(self, "amendment") and self.amendment.status == self.Status.SIGNED

    # -- the status machine (only contracts.services calls these) --------------------
    @transition(field=status, source=Status.DRAFT, target=Status.ISSUED)
    def issue(self):
        pass

    @transition(field=status, source=Status.ISSUED, target=Status.DRAFT)
    def withdraw(self):
        """Back to the draft for a correction, before anyone signed."""

    @transition(field=status, source=Status.ISSUED, target=Status.SIGNED)
    def sign(self):
        pass

    @transition(field=status, source=Status.SIGNED, target=Status.TERMINATED)
    def terminate(self, reason):
        self.termination_reason = reason

    # -- frozen once issued ----------------------------------------------------------
    @classmethod
    def frozen_q(cls, fields=None):
        """The versions a change of ``fields`` may not touch (``None``: a deletion): the
        content of an issued or signed one, the signature of a signed one; only a draft
        is deleted."""
        if fields is None:
            return ~models.Q(status=cls.Status.DRAFT)
        q = None
        if fields & set(cls.CONTENT_FIELDS):
            q = ~models.Q(status=cls.Status.DRAFT)
        if fields & set(cls.SIGNATURE_FIELDS):
            signed = models.Q(status__in=[cls.Status.SIGNED, cls.Status.TERMINATED])
            q = signed if q is None else q | signed
        return q

    def save(self, *args, **kwargs):
        if self.pk is not None:
            stored = Contract.objects.with_scopes_disabled().filter(pk=self.pk).values(
                "status", *self.CONTENT_FIELDS, *self.SIGNATURE_FIELDS).first()
            if stored and stored["status"] != self.Status.DRAFT:
                changed = [f for f in self.CONTENT_FIELDS if stored[f] != getattr(self, f)]
                if stored["status"] in (self.Status.SIGNED, self.Status.TERMINATED):
                    changed += [f for f in self.SIGNATURE_FIELDS
                                if str(stored[f] or "") != str(getattr(self, f) or "")]
                if changed:
                    raise FrozenRecord(_("An issued or signed contract is not edited; a change "
                                         "after signing is an amendment."))
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if Contract.objects.with_scopes_disabled().filter(pk=self.pk).exclude(
                status=self.Status.DRAFT).exists():
            raise FrozenRecord(_("Only a draft contract can be deleted."))
        return super().delete(*args, **kwargs)


class ContractPart(FirmOwned):
    """A row that belongs to a contract's content: frozen with it once it is issued."""

    contract = models.ForeignKey(Contract, verbose_name=_("contract"), on_delete=models.PROTECT,
                                 related_name="%(class)ss")
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    objects = RecordManager()

    class Meta:
        abstract = True
        ordering = ["order", "pk"]

    @classmethod
    def frozen_q(cls, fields=None):
        return ~models.Q(contract__status=Contract.Status.DRAFT)

    def _refuse_unless_draft(self):
        status = Contract.objects.with_scopes_disabled().filter(pk=self.contract_id).values_list(
            "status", flat=True).first()
        if status is not None and status != Contract.Status.DRAFT:
            raise FrozenRecord(_("The contract is issued; its content can no longer change."))

    def save(self, *args, **kwargs):
        self._refuse_unless_draft()
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        self._refuse_unless_draft()
        return super().delete(*args, **kwargs)


class Deliverable(ContractPart):
    """A deliverable the contract lists (8.5.1 categories), with its due date."""

    class Category(models.TextChoices):
        STANDARDIZATION = "standardization", _("Safety standardization system documents")
        LEDGER = "ledger", _("Safety ledger documents")
        RISK_GRADING = "risk_grading", _("Risk grading and control system documents")
        OTHER = "other", _("Other technical documents")

    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    title = models.CharField(_("deliverable"), max_length=200)
    description = models.CharField(_("description"), max_length=500, blank=True)
    due_date = models.DateField(_("due date"))

    history = HistoricalRecords()

    class Meta(ContractPart.Meta):
        verbose_name = _("deliverable")
        verbose_name_plural = _("deliverables")
        indexes = [models.Index(fields=["firm", "contract"], name="deliverable_firm_contract_idx")]

    def __str__(self):
        return self.title


class PaymentInstallment(ContractPart):
    """One payment of the payment schedule."""

    description = models.CharField(_("payment"), max_length=200,
                                   help_text=_("e.g. 合同签订后 10 个工作日内"))
    amount = models.DecimalField(_("amount (CNY)"), **CNY)
    due_date = models.DateField(_("due date"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta(ContractPart.Meta):
        verbose_name = _("payment installment")
        verbose_name_plural = _("payment schedule")
        indexes = [models.Index(fields=["firm", "contract"], name="payment_firm_contract_idx")]

    def __str__(self):
        return self.description


# 8.5.1: the document system each service type requires among the contract's deliverables
# (the starting mapping of every firm, which the firm then edits).
DEFAULT_DOCUMENT_SYSTEMS = {
    "standardization": ["standardization"],   # 安全生产标准化 → 安全标准化体系资料
    "ledgers": ["ledger"],                    # 安全台账 → 安全台账资料
    "risk_grading": ["risk_grading"],         # 风险分级管控（双重预防）→ 风险分级管控体系资料
}


class DocumentSystemRequirement(FirmOwned):
    """8.5.1: a service type requires the contract to deliver a document system (安全标准化
    体系资料, 安全台账资料, 风险分级管控体系资料). The firm's mapping, seeded and editable."""

    # (a service type no engagement names may be deleted: its mapping goes with it)
    service_type = models.ForeignKey("engagements.ServiceType", verbose_name=_("service type"),
                                     on_delete=models.CASCADE, related_name="+")
    category = models.CharField(_("required document system"), max_length=20,
                                choices=Deliverable.Category.choices)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("document system a service type requires")
        verbose_name_plural = _("document systems the service types require")
        ordering = ["service_type__position", "category"]
        constraints = [models.UniqueConstraint(fields=["firm", "service_type", "category"],
                                               name="document_system_once")]
        indexes = [models.Index(fields=["firm", "service_type"], name="docsys_firm_type_idx")]

    def __str__(self):
        return f"{self.service_type} → {self.get_category_display()}"

    @classmethod
    def seed(cls, firm_id):
        """The firm's starting mapping, by the codes of its seeded service types (the firm
        lists' seeding runs the service types' seeder first)."""
        from engagements.models import ServiceType

        manager = cls.objects.with_scopes_disabled()
        if manager.filter(firm_id=firm_id).exists():
            return
        types = dict(ServiceType.objects.with_scopes_disabled().filter(
            firm_id=firm_id, code__in=DEFAULT_DOCUMENT_SYSTEMS).values_list("code", "pk"))
        manager.bulk_create([cls(firm_id=firm_id, service_type_id=types[code], category=category)
                             for code, categories in DEFAULT_DOCUMENT_SYSTEMS.items()
                             if code in types for category in categories])
