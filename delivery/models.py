"""Clause 8: providing the consulting service — research (8.1), the working group (8.2),
the consulting plan (8.3), implementation (8.4) and documents (8.5)."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from consultancy.clients.models import Client
from consultancy.tenancy.files import (
    ATTACHMENT_TYPES,
    DOCUMENT_TYPES,
    KINDS,
    PHOTO_TYPES,
    FirmUploadTo,
    TypedFileField,
    UploadValidator,
    content_type_field,
)
from consultancy.tenancy.models import Qualification
from consultancy.tenancy.scoping import FirmOwned
from consultancy.tenancy.versioning import content_fingerprint
from contracts.models import Deliverable
from engagements.models import EngagementRecord, FrozenRecord, VersionedManager, stages_past
from engagements.stages import Stage

from . import risk

STAFF = {"role__in": ["manager", "consultant"]}


class DeliveryRecord(EngagementRecord):
    """A record of clause 8: frozen once the engagement has left the service stage."""

    gate_stage = Stage.DELIVERY

    class Meta:
        abstract = True


# -- 8.1 project research -------------------------------------------------------------


class SiteResearch(DeliveryRecord):
    """8.1.1: staff holding safety qualifications go to the client's site and collect the
    material and information the project needs."""

    clause = "8.1.1"  # of the standard: the activity log files its events under it

    researched_on = models.DateField(_("date on site"))
    researchers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("staff on site"), related_name="+",
        limit_choices_to=STAFF,
        help_text=_("Each must hold a safety qualification valid on that date (8.1.1)."),
    )
    location = models.CharField(_("site, area or workshop"), max_length=200)
    collected = models.TextField(_("material and information collected"))
    notes = models.TextField(_("observations"), blank=True)

    history = HistoricalRecords(m2m_fields=[researchers])

    class Meta:
        verbose_name = _("site research record")
        verbose_name_plural = _("site research records")
        ordering = ["-researched_on", "-pk"]
        indexes = [models.Index(fields=["firm", "engagement"], name="siteres_firm_eng_idx")]

    def __str__(self):
        return f"{self.researched_on} {self.location}"


class ResearchAttachment(FirmOwned):
    """A photo or file taken on site (a phone's camera is the usual source)."""

    research = models.ForeignKey(SiteResearch, verbose_name=_("site research"),
                                 on_delete=models.PROTECT, related_name="attachments")
    file = TypedFileField(_("photo or file"), upload_to=FirmUploadTo("research"),
                          validators=[UploadValidator(ATTACHMENT_TYPES, max_mb=15)],
                          max_length=300)
    content_type = content_type_field()
    caption = models.CharField(_("caption"), max_length=200, blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("research attachment")
        verbose_name_plural = _("research attachments")
        ordering = ["pk"]
        indexes = [models.Index(fields=["firm", "research"], name="resatt_firm_res_idx")]

    @property
    def is_image(self):
        return self.content_type in {KINDS[k].mime for k in PHOTO_TYPES}


class ResourceResearch(DeliveryRecord):
    """8.1.2: the resources the project needs, researched, with the research recorded."""

    clause = "8.1.2"  # of the standard: the activity log files its events under it

    researched_on = models.DateField(_("date"))
    resources_needed = models.TextField(_("resources the project needs"))
    findings = models.TextField(_("what was found"))
    gaps = models.TextField(_("gaps and how they are closed"), blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("resource research record")
        verbose_name_plural = _("resource research records")
        ordering = ["-researched_on", "-pk"]
        indexes = [models.Index(fields=["firm", "engagement"], name="resres_firm_eng_idx")]

    def __str__(self):
        return f"{self.researched_on}"


# -- 8.2 the working group --------------------------------------------------------------


class TeamMember(DeliveryRecord):
    """8.2: a member of the joint project team, from our side (staff) or the client's
    (a contact), with a role and responsibilities."""

    clause = "8.2"  # of the standard: the activity log files its events under it

    class Side(models.TextChoices):
        PROVIDER = "provider", _("Our side")
        CLIENT = "client", _("Client side")

    side = models.CharField(_("side"), max_length=10, choices=Side.choices)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("staff member"),
                             on_delete=models.PROTECT, null=True, blank=True,
                             related_name="team_memberships", limit_choices_to=STAFF)
    contact = models.ForeignKey("clients.ClientContact", verbose_name=_("client contact"),
                                on_delete=models.PROTECT, null=True, blank=True,
                                related_name="team_memberships")
    role = models.CharField(_("role in the team"), max_length=50,
                            help_text=_("e.g. 项目组长, 技术负责人, 客户联络人"))
    responsibilities = models.TextField(_("responsibilities and tasks"))

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("working group member")
        verbose_name_plural = _("working group")
        ordering = ["side", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(side="provider", user__isnull=False, contact__isnull=True)
                           | models.Q(side="client", user__isnull=True, contact__isnull=False)),
                name="team_member_one_side",
            ),
            models.UniqueConstraint(fields=["firm", "engagement", "user"],
                                    condition=models.Q(user__isnull=False),
                                    name="team_member_user_once"),
            models.UniqueConstraint(fields=["firm", "engagement", "contact"],
                                    condition=models.Q(contact__isnull=False),
                                    name="team_member_contact_once"),
        ]
        indexes = [models.Index(fields=["firm", "engagement"], name="team_firm_eng_idx"),
                   models.Index(fields=["firm", "user"], name="team_firm_user_idx")]

    def __str__(self):
        return str(self.user or self.contact)

    @property
    def person(self):
        return self.user if self.side == self.Side.PROVIDER else self.contact


# The RSE specialties that fit each industry of the client (8.2.2 "相关经验和能力"): the
# starting mapping of every firm, which the firm then edits.
DEFAULT_SPECIALTY_FITS = {
    "chemical": ["chemical"],
    "construction": ["construction"],
    "warehousing": ["other", "road_transport"],
    "manufacturing": ["other"],
    "metallurgy": ["metallurgy"],
    "building_materials": ["other"],
    "light_industry": ["other"],
    "mining": ["coal_mine", "metal_mine"],
    "trade": ["other"],
    "transport": ["road_transport"],
    "power": ["other"],
    "other": ["other"],
}


class SpecialtyFit(FirmOwned):
    """8.2.2 "相关经验和能力": a registered safety engineer specialty that fits clients of
    an industry. The firm's mapping, seeded with the usual one and editable."""

    industry = models.CharField(_("client's industry"), max_length=30,
                                choices=Client.Industry.choices)
    specialty = models.CharField(_("RSE specialty"), max_length=20,
                                 choices=Qualification.Specialty.choices)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("RSE specialty fitting an industry")
        verbose_name_plural = _("RSE specialties fitting the industries")
        ordering = ["industry", "specialty"]
        constraints = [models.UniqueConstraint(fields=["firm", "industry", "specialty"],
                                               name="specialty_fit_once")]
        indexes = [models.Index(fields=["firm", "industry"], name="specfit_firm_ind_idx")]

    def __str__(self):
        return f"{self.get_industry_display()} ← {self.get_specialty_display()}"

    @classmethod
    def seed(cls, firm_id):
        manager = cls.objects.with_scopes_disabled()
        if manager.filter(firm_id=firm_id).exists():
            return
        manager.bulk_create([cls(firm_id=firm_id, industry=industry, specialty=specialty)
                             for industry, specialties in DEFAULT_SPECIALTY_FITS.items()
                             for specialty in specialties])


class RseJustification(DeliveryRecord):
    """8.2.2: no registered safety engineer of our side has a specialty that fits the
    client's industry, so a manager records why this one's experience qualifies them
    (the projects, the years). Shown in the dossier."""

    clause = "8.2.2"  # of the standard: the activity log files its events under it

    holder = models.ForeignKey(settings.AUTH_USER_MODEL,
                               verbose_name=_("registered safety engineer"),
                               on_delete=models.PROTECT, related_name="+",
                               limit_choices_to=STAFF)
    experience = models.TextField(_("the experience that qualifies them"))

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("justification of the RSE's fit")
        verbose_name_plural = _("justifications of the RSE's fit")
        ordering = ["pk"]
        indexes = [models.Index(fields=["firm", "engagement"], name="rsejust_firm_eng_idx")]

    def __str__(self):
        return f"{self.holder}"


# -- 8.3 the consulting plan ------------------------------------------------------------


class ConsultingPlan(DeliveryRecord):
    """8.3: the consulting plan, approved by the project team, issued in writing (PDF),
    confirmed by the client. Versioned: a change after confirmation is a new version that
    is approved and confirmed again (9.3 uses this when the site changes)."""

    clause = "8.3"  # of the standard: the activity log files its events under it

    versions_of = "engagement"

    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    change_reason = models.TextField(_("why this version"), blank=True,
                                     help_text=_("For a new version: what changed and why "
                                                 "(e.g. a site change, 9.3)."))
    division_of_work = models.TextField(_("division of work"), blank=True)
    schedule = models.TextField(_("schedule"), blank=True,
                                help_text=_("The phases; the milestones are listed below."))
    client_cooperation = models.TextField(_("matters the client must cooperate on"), blank=True)
    anomaly_channel = models.TextField(_("channel for communicating anomalies"), blank=True)
    emergency_handling = models.TextField(_("how emergencies are handled"), blank=True)
    training_plan = models.TextField(_("training plan"), blank=True)
    training_not_applicable = models.BooleanField(_("training not applicable"), default=False)
    training_na_reason = models.CharField(_("why training is not applicable"), max_length=300,
                                          blank=True)
    other = models.TextField(_("other"), blank=True)
    # approval by the project team (8.3.1)
    approved_on = models.DateField(_("discussed and approved by the team on"), null=True,
                                   blank=True)
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("approved by"),
                                    on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+", limit_choices_to=STAFF)
    approval_notes = models.TextField(_("notes of the team's discussion"), blank=True)
    # issued in writing
    issued_pdf = models.ForeignKey("documents.GeneratedDocument", verbose_name=_("issued PDF"),
                                   on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+", editable=False)
    issued_at = models.DateTimeField(_("issued at"), null=True, blank=True, editable=False)
    # the client's confirmation
    confirmed_by = models.ForeignKey("clients.ClientContact",
                                     verbose_name=_("confirmed by (client contact)"),
                                     on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="+")
    confirmed_on = models.DateField(_("confirmed on"), null=True, blank=True)
    confirmation_recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL,
                                                 on_delete=models.PROTECT, null=True,
                                                 blank=True, related_name="+")
    # 9.3: a version opened after the hand-over, when the site changed (feedback's
    # follow-up visits): it belongs to follow-up and freezes when the engagement closes.
    after_delivery = models.BooleanField(_("opened after delivery (9.3)"), default=False,
                                         editable=False)
    confirmed_fingerprint = models.CharField(
        _("fingerprint of the confirmed content"), max_length=64, blank=True, editable=False,
        help_text=_("SHA-256 of the version's content and issued PDF as the client "
                    "confirmed them (8.3.1)."))

    objects = VersionedManager()
    history = HistoricalRecords()

    CONTENT_FIELDS = ["division_of_work", "schedule", "client_cooperation", "anomaly_channel",
                      "emergency_handling", "training_plan", "training_not_applicable",
                      "training_na_reason", "other", "change_reason"]

    class Meta:
        verbose_name = _("consulting plan")
        verbose_name_plural = _("consulting plans")
        ordering = ["-version"]
        constraints = [models.UniqueConstraint(fields=["firm", "engagement", "version"],
                                               name="plan_version_unique")]
        indexes = [models.Index(fields=["firm", "engagement"], name="plan_firm_eng_idx")]

    def __str__(self):
        return f"{_('Consulting plan')} v{self.version}"

    @property
    def content_fingerprint(self) -> str:
        """What a client's confirmation is bound to (8.3.1): the SHA-256 of this version's
        content as stored and of the PDF it was issued as."""
        pdf = self.issued_pdf.sha256 if self.issued_pdf_id else ""
        return content_fingerprint(self, ["version", *self.CONTENT_FIELDS], extra=pdf)

    @property
    def is_approved(self):
        return self.approved_on is not None and self.approved_by_id is not None

    @property
    def is_issued(self):
        """The issue was asked for: the PDF is being made, made, or failed."""
        return self.issued_pdf_id is not None

    @property
    def is_submitted(self):
        """8.3.1 "以书面形式提交": submitted in writing once the issued PDF exists and is
        ready (not while it is being made, nor when making it failed)."""
        return self.issued_pdf_id is not None and self.issued_pdf.is_ready

    @property
    def pdf_failed(self):
        return self.issued_pdf_id is not None and self.issued_pdf.is_failed

    @property
    def is_confirmed(self):
        return self.confirmed_on is not None and self.confirmed_by_id is not None

    @property
    def status_label(self):
        if self.is_confirmed:
            return _("confirmed by the client")
        if self.is_submitted:
            return _("issued, awaiting the client's confirmation")
        if self.pdf_failed:
            return _("the written plan (PDF) could not be made: issue it again")
        if self.is_issued:
            return _("issued, the written plan (PDF) is being made")
        if self.is_approved:
            return _("approved by the team, not yet issued")
        return _("draft")

    def missing_content(self) -> list[str]:
        """8.3.2: what the plan still lacks, by name."""
        missing = [str(self._meta.get_field(f).verbose_name)
                   for f in ("division_of_work", "client_cooperation", "anomaly_channel",
                             "emergency_handling") if not getattr(self, f).strip()]
        if not getattr(self, "_milestone_count", None) and not self.milestones.exists():
            missing.append(str(_("schedule milestones")))
        if not self.training_plan.strip() and not (
                self.training_not_applicable and self.training_na_reason.strip()):
            missing.append(str(_("training plan (or “not applicable” with the reason)")))
        return missing

    @property
    def gate_stage(self):
        """The stage whose passing freezes this version: the service stage, or follow-up
        for a version opened after delivery (9.3)."""
        return Stage.FOLLOW_UP if self.after_delivery else Stage.DELIVERY

    @property
    def is_frozen(self) -> bool:
        return self.is_approved or super().is_frozen

    @classmethod
    def frozen_q(cls, fields=None):
        """Frozen once the engagement has passed the version's stage (``gate_stage``);
        an approved version's content is frozen too."""
        q = (models.Q(after_delivery=False, engagement__stage__in=stages_past(Stage.DELIVERY))
             | models.Q(after_delivery=True, engagement__stage__in=stages_past(Stage.FOLLOW_UP)))
        if fields and fields & set(cls.CONTENT_FIELDS):
            q |= models.Q(approved_on__isnull=False)
        return q

    def _refuse_if_frozen(self):
        super()._refuse_if_frozen()
        if self.pk is None:
            return
        stored = ConsultingPlan.objects.with_scopes_disabled().filter(pk=self.pk).values(
            "approved_on", *self.CONTENT_FIELDS).first()
        if stored and stored["approved_on"] is not None:
            if any(stored[f] != getattr(self, f) for f in self.CONTENT_FIELDS):
                raise FrozenRecord(_("An approved plan version is not edited; a change is a "
                                     "new version, approved and confirmed again."))


class PlanReview(FirmOwned):
    """8.3.1 "经项目小组讨论通过": the working group's discussion that passed a plan version:
    when, which members of our side took part (at least the lead consultant and a member
    holding a valid registered safety engineer certificate), and the conclusion. Recorded
    once, with the approval; never edited."""

    plan = models.OneToOneField(ConsultingPlan, verbose_name=_("plan version"),
                                on_delete=models.PROTECT, related_name="review")
    engagement = models.ForeignKey("engagements.Engagement", verbose_name=_("engagement"),
                                   on_delete=models.PROTECT, related_name="plan_reviews")
    reviewed_on = models.DateField(_("discussed by the working group on"))
    participants = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("members who took part"), related_name="+",
        help_text=_("Members of our side of the working group (8.2)."))
    conclusion = models.TextField(_("conclusion of the discussion"))
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("approved by"),
                                    on_delete=models.PROTECT, related_name="+")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("recorded by"),
                                    on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("plan review by the working group")
        verbose_name_plural = _("plan reviews by the working group")
        ordering = ["reviewed_on", "pk"]
        indexes = [models.Index(fields=["firm", "engagement"], name="planreview_firm_eng_idx")]

    def __str__(self):
        return f"{self.plan} · {self.reviewed_on}"


class PlanMilestone(FirmOwned):
    plan = models.ForeignKey(ConsultingPlan, on_delete=models.PROTECT, related_name="milestones")
    title = models.CharField(_("milestone"), max_length=200)
    due_date = models.DateField(_("date"))

    class Meta:
        verbose_name = _("milestone")
        verbose_name_plural = _("milestones")
        ordering = ["due_date", "pk"]
        indexes = [models.Index(fields=["firm", "plan"], name="milestone_firm_plan_idx")]

    def __str__(self):
        return self.title


# -- 8.4 implementation -------------------------------------------------------------------


class GuidanceLog(DeliveryRecord):
    """8.4: technical guidance given whenever needed."""

    clause = "8.4"  # of the standard: the activity log files its events under it

    given_on = models.DateField(_("date"))
    given_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("given by"),
                                 on_delete=models.PROTECT, related_name="+",
                                 limit_choices_to=STAFF)
    topic = models.CharField(_("topic"), max_length=200)
    advice = models.TextField(_("advice given"))

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("technical guidance")
        verbose_name_plural = _("guidance log")
        ordering = ["-given_on", "-pk"]
        indexes = [models.Index(fields=["firm", "engagement"], name="guidance_firm_eng_idx")]

    def __str__(self):
        return self.topic


class RiskSettings(FirmOwned):
    """The firm's risk level thresholds (a score above each threshold reaches the level)."""

    lec_major = models.DecimalField(_("LEC: major above"), max_digits=8, decimal_places=2,
                                    default=Decimal("320"))
    lec_large = models.DecimalField(_("LEC: large above"), max_digits=8, decimal_places=2,
                                    default=Decimal("160"))
    lec_general = models.DecimalField(_("LEC: general above"), max_digits=8, decimal_places=2,
                                      default=Decimal("70"))
    ls_major = models.DecimalField(_("LS: major above"), max_digits=6, decimal_places=2,
                                   default=Decimal("16"))
    ls_large = models.DecimalField(_("LS: large above"), max_digits=6, decimal_places=2,
                                   default=Decimal("12"))
    ls_general = models.DecimalField(_("LS: general above"), max_digits=6, decimal_places=2,
                                     default=Decimal("8"))

    class Meta:
        verbose_name = _("risk level thresholds")
        verbose_name_plural = _("risk level thresholds")
        constraints = [
            models.UniqueConstraint(fields=["firm"], name="one_risk_settings_per_firm"),
            models.CheckConstraint(condition=models.Q(lec_major__gt=models.F("lec_large"),
                                                      lec_large__gt=models.F("lec_general")),
                                   name="lec_thresholds_ordered"),
            models.CheckConstraint(condition=models.Q(ls_major__gt=models.F("ls_large"),
                                                      ls_large__gt=models.F("ls_general")),
                                   name="ls_thresholds_ordered"),
        ]

    def __str__(self):
        return str(_("Risk level thresholds"))

    def thresholds(self, method):
        if method == risk.Method.LEC:
            return (self.lec_major, self.lec_large, self.lec_general)
        return (self.ls_major, self.ls_large, self.ls_general)


class SiteUnit(DeliveryRecord):
    """8.4 (from the site research of 8.1.1): a unit or area of the client's site — a
    workshop, a tank farm, a warehouse, a building site. The risk register lists the
    client's units, and every one needs at least one assessed risk (全方位的风险识别)."""

    clause = "8.4"  # of the standard: the activity log files its events under it

    name = models.CharField(_("unit or area"), max_length=100,
                            help_text=_("e.g. 加氢车间, 甲类罐区, 汽车装卸站"))
    description = models.CharField(_("what it comprises"), max_length=300, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("unit or area of the site")
        verbose_name_plural = _("units and areas of the site")
        ordering = ["pk"]
        constraints = [models.UniqueConstraint(fields=["firm", "engagement", "name"],
                                               name="site_unit_name_per_engagement")]
        indexes = [models.Index(fields=["firm", "engagement"], name="siteunit_firm_eng_idx")]

    def __str__(self):
        return self.name


class RiskItem(DeliveryRecord):
    """8.4: a risk identified from the client's real production, assessed by LEC or LS:
    where (the unit or area), in what activity or on what equipment, the hazard and the
    accident type it may cause (GB 6441), the controls in place, who controls it (the
    control level and the person responsible); a 重大风险 or 较大风险 also has the control
    measures to take, with a person responsible and a due date."""

    clause = "8.4"  # of the standard: the activity log files its events under it

    unit = models.ForeignKey(SiteUnit, verbose_name=_("unit or area"), on_delete=models.PROTECT,
                             null=True, blank=True, related_name="risks")
    location = models.CharField(_("location or activity (before units were listed)"),
                                max_length=200, blank=True, editable=False)
    activity = models.CharField(_("activity or equipment"), max_length=200, blank=True)
    hazard = models.TextField(_("hazard"))
    accident_type = models.CharField(_("accident type (GB 6441)"), max_length=20,
                                     choices=risk.AccidentType.choices, blank=True)
    existing_controls = models.TextField(_("existing controls"), blank=True)
    method = models.CharField(_("method"), max_length=3, choices=risk.Method.choices,
                              default=risk.Method.LEC)
    likelihood = models.DecimalField(_("L (likelihood)"), max_digits=5, decimal_places=2)
    exposure = models.DecimalField(_("E (exposure)"), max_digits=5, decimal_places=2,
                                   null=True, blank=True)
    consequence = models.DecimalField(_("C (consequence)"), max_digits=6, decimal_places=2,
                                      null=True, blank=True)
    severity = models.DecimalField(_("S (severity)"), max_digits=5, decimal_places=2,
                                   null=True, blank=True)
    score = models.DecimalField(_("score"), max_digits=10, decimal_places=2, editable=False)
    level = models.CharField(_("level"), max_length=10, choices=risk.Level.choices,
                             editable=False)
    control_level = models.CharField(_("control level"), max_length=10,
                                     choices=risk.ControlLevel.choices, blank=True)
    responsible_person = models.CharField(_("person responsible for control"), max_length=50,
                                          blank=True)
    controls = models.TextField(_("control measures to take"), blank=True)
    measures_responsible = models.CharField(_("person responsible for the measures"),
                                            max_length=50, blank=True)
    measures_due_on = models.DateField(_("measures due by"), null=True, blank=True)
    identified_on = models.DateField(_("identified on"))

    history = HistoricalRecords()

    # What every risk names (8.4), by field.
    REQUIRED = ["unit", "activity", "hazard", "accident_type", "existing_controls",
                "control_level", "responsible_person"]
    # What a 重大风险 or 较大风险 also has.
    MEASURES = ["controls", "measures_responsible", "measures_due_on"]

    class Meta:
        verbose_name = _("risk")
        verbose_name_plural = _("risk identification register")
        ordering = ["-score", "pk"]
        indexes = [models.Index(fields=["firm", "engagement", "level"], name="risk_firm_eng_idx")]

    def __str__(self):
        return f"{self.where}: {self.hazard[:30]}"

    @property
    def where(self) -> str:
        """The unit (or, for a risk recorded before units were listed, its location) and
        the activity or equipment."""
        place = self.unit.name if self.unit_id else self.location
        return f"{place} · {self.activity}" if self.activity and place else (place or self.activity)

    @property
    def colour(self):
        return risk.LEVEL_COLOURS[self.level]

    @property
    def needs_measures(self) -> bool:
        return self.level in risk.LEVELS_NEEDING_MEASURES

    def missing(self) -> list[str]:
        """What this risk still lacks under 8.4, by name."""
        missing = [str(self._meta.get_field(f).verbose_name) for f in self.REQUIRED
                   if not (getattr(self, f"{f}_id") if f == "unit" else
                           str(getattr(self, f) or "").strip())]
        if self.needs_measures:
            missing += [str(self._meta.get_field(f).verbose_name) for f in self.MEASURES
                        if not str(getattr(self, f) or "").strip()]
        return missing


class ProgressReport(DeliveryRecord):
    """8.4: progress reported to the client on our own initiative."""

    clause = "8.4"  # of the standard: the activity log files its events under it

    period_start = models.DateField(_("period from"))
    period_end = models.DateField(_("period to"))
    work_done = models.TextField(_("work done"))
    issues = models.TextField(_("issues"), blank=True)
    next_steps = models.TextField(_("next steps"))
    shared_at = models.DateTimeField(_("shared with the client at"), null=True, blank=True,
                                     editable=False)
    shared_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                                  blank=True, related_name="+", editable=False)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("progress report")
        verbose_name_plural = _("progress reports")
        ordering = ["-period_end", "-pk"]
        indexes = [models.Index(fields=["firm", "engagement"], name="progress_firm_eng_idx")]

    def __str__(self):
        return f"{self.period_start} – {self.period_end}"

    @property
    def is_frozen(self):
        return self.shared_at is not None or super().is_frozen


# -- 8.5 documents ------------------------------------------------------------------------


class ProjectDocument(DeliveryRecord):
    """8.5: a document of the engagement's library, in the categories of 8.5.1, with
    versions; it may fulfil a contracted deliverable."""

    clause = "8.5"  # of the standard: the activity log files its events under it

    category = models.CharField(_("category"), max_length=20, choices=Deliverable.Category.choices)
    title = models.CharField(_("title"), max_length=200)
    deliverable = models.ForeignKey(Deliverable, verbose_name=_("fulfils the deliverable"),
                                    on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="documents")

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("project document")
        verbose_name_plural = _("project documents")
        ordering = ["category", "title"]
        indexes = [models.Index(fields=["firm", "engagement"], name="projdoc_firm_eng_idx")]

    def __str__(self):
        return self.title


class DocumentVersion(FirmOwned):
    """A version of a project document (8.5): the document's current file is its highest
    version."""

    versions_of = "document"

    document = models.ForeignKey(ProjectDocument, on_delete=models.PROTECT,
                                 related_name="versions")
    version = models.PositiveIntegerField(_("version"))
    file = TypedFileField(_("file"), upload_to=FirmUploadTo("documents"),
                          validators=[UploadValidator(DOCUMENT_TYPES, max_mb=30)],
                          max_length=300,
                          help_text=_("PDF, Word/Excel/PowerPoint (docx, xlsx, pptx, doc, xls), "
                                      "JPEG or PNG; at most 30 MB."))
    content_type = content_type_field()
    sha256 = models.CharField(_("SHA-256"), max_length=64, editable=False)
    note = models.CharField(_("what changed"), max_length=300, blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    related_name="+")
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    objects = VersionedManager()

    class Meta:
        verbose_name = _("document version")
        verbose_name_plural = _("document versions")
        ordering = ["-version"]
        constraints = [models.UniqueConstraint(fields=["firm", "document", "version"],
                                               name="document_version_unique")]
        indexes = [models.Index(fields=["firm", "document"], name="docver_firm_doc_idx")]

    def __str__(self):
        return f"{self.document} v{self.version}"


class DocumentDelivery(FirmOwned):
    """8.5.2: a document version delivered to the client, and the client's acknowledgement."""

    engagement = models.ForeignKey("engagements.Engagement", on_delete=models.PROTECT,
                                   related_name="document_deliveries")
    version = models.ForeignKey(DocumentVersion, verbose_name=_("document version"),
                                on_delete=models.PROTECT, related_name="deliveries")
    delivered_on = models.DateField(_("delivered on"))
    delivered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                     related_name="+")
    acknowledged_by = models.ForeignKey("clients.ClientContact",
                                        verbose_name=_("acknowledged by"),
                                        on_delete=models.PROTECT, null=True, blank=True,
                                        related_name="+")
    acknowledged_on = models.DateField(_("acknowledged on"), null=True, blank=True)
    acknowledged_fingerprint = models.CharField(
        _("fingerprint of the acknowledged document"), max_length=64, blank=True,
        editable=False, help_text=_("SHA-256 of the delivered version as the client "
                                    "acknowledged it (8.5.2)."))

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("document delivery")
        verbose_name_plural = _("document deliveries")
        ordering = ["-delivered_on", "-pk"]
        indexes = [models.Index(fields=["firm", "engagement"], name="delivery_firm_eng_idx")]

    def __str__(self):
        return f"{self.version} → {self.delivered_on}"

    @property
    def content_fingerprint(self) -> str:
        """What the client's acknowledgement is bound to (8.5.2): the delivered version and
        the stored SHA-256 of its file."""
        return content_fingerprint(self, ["version"], extra=self.version.sha256)

    @property
    def is_acknowledged(self):
        return self.acknowledged_on is not None and self.acknowledged_by_id is not None
