"""Hidden dangers (隐患排查治理): found on the client's site, notified to the client,
rectified by the client with evidence, verified by the consultant, closed.

The Work Safety Law (2021, art. 41) asks every enterprise to run both halves of the dual
prevention mechanism: risk grading and control (the 8.4 risk register of ``delivery``)
and the investigation and governance of hidden dangers (this app). The consultant's part
runs through 8.4 (technical guidance, risk identification), 8.5.1 and 9.1–9.3.

A :class:`HiddenDanger` moves only through ``hazards.services``::

    found --notify--> notified --acknowledge--> acknowledged --submit--> submitted
    submitted --verify_pass--> closed          (frozen from then on)
    submitted --verify_fail--> acknowledged    (back to rectification, with the reason)
    notified | acknowledged --record_refusal--> refused  (the client's reason, our advice)

Every step writes a :class:`HiddenDangerStep` (who, when, note) and an activity event.
"""

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, FSMModelMixin, transition

from consultancy.clients.models import Client
from consultancy.tenancy.files import (
    KINDS,
    PHOTO_TYPES,
    FirmUploadTo,
    TypedFileField,
    UploadValidator,
    content_type_field,
)
from consultancy.tenancy.scoping import FirmOwned, FirmScopedManager
from engagements.models import FrozenGuardQuerySet, FrozenRecord


class Industry(models.TextChoices):
    """The industries whose 重大事故隐患判定标准 the firm keeps."""

    CHEMICAL = "chemical", _("Chemicals and hazardous chemicals")
    CONSTRUCTION = "construction", _("Housing and municipal construction")
    INDUSTRY_TRADE = "industry_trade", _("Industry and trade (工贸)")


def industry_of(client) -> str:
    """The criteria list that applies to a client, by its industry."""
    if client.industry == Client.Industry.CHEMICAL:
        return Industry.CHEMICAL
    if client.industry == Client.Industry.CONSTRUCTION:
        return Industry.CONSTRUCTION
    return Industry.INDUSTRY_TRADE


class MajorHazardCriterion(FirmOwned):
    """One criterion of a 重大事故隐患判定标准, kept by the firm (seeded with a handful per
    industry; the firm adds the rest it uses)."""

    industry = models.CharField(_("industry"), max_length=20, choices=Industry.choices)
    code = models.CharField(_("item"), max_length=20)
    text = models.TextField(_("criterion"))
    source = models.CharField(_("standard"), max_length=200)
    active = models.BooleanField(_("in use"), default=True)

    class Meta:
        verbose_name = _("major hidden danger criterion")
        verbose_name_plural = _("major hidden danger criteria")
        ordering = ["industry", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["firm", "industry", "code"],
                                    name="hazard_criterion_code_per_firm"),
        ]

    def __str__(self):
        return f"{self.code} {self.text[:60]}"


class Source(models.TextChoices):
    SITE_RESEARCH = "site_research", _("Site research (8.1.1)")
    GUIDANCE = "guidance", _("Technical guidance on site (8.4)")
    FOLLOW_UP = "follow_up", _("Follow-up visit (9.2)")
    OTHER_VISIT = "other_visit", _("Other site visit")


class Category(models.TextChoices):
    BASIC = "basic", _("基础管理类 (basic management)")
    SITE = "site", _("现场管理类 (site management)")


# The sub-types of each category (the usual classification of hidden dangers).
SUBTYPES = {
    Category.BASIC: [
        ("licences", _("Qualifications and licences")),
        ("organisation", _("Safety organisation and staff")),
        ("responsibility", _("Safety responsibility system")),
        ("rules", _("Safety rules and operating procedures")),
        ("training", _("Safety education and training")),
        ("investment", _("Safety investment")),
        ("emergency", _("Emergency management")),
        ("contractors_basic", _("Contractors and tenants (management)")),
        ("records", _("Safety records and ledgers")),
        ("other_basic", _("Other basic management")),
    ],
    Category.SITE: [
        ("equipment", _("Production equipment and facilities")),
        ("process", _("Process and operation")),
        ("special_equipment", _("Special equipment")),
        ("electrical", _("Electrical safety")),
        ("fire", _("Fire safety")),
        ("hazardous_chemicals", _("Storage and use of hazardous chemicals")),
        ("confined_space", _("Confined spaces")),
        ("workplace", _("Workplace and environment")),
        ("behaviour", _("Workers' behaviour")),
        ("occupational_health", _("Occupational health on site")),
        ("contractors_site", _("Contractors on site")),
        ("other_site", _("Other site management")),
    ],
}
SUBTYPE_CHOICES = [(code, label) for rows in SUBTYPES.values() for code, label in rows]
SUBTYPE_CATEGORY = {code: cat for cat, rows in SUBTYPES.items() for code, _label in rows}


class Grade(models.TextChoices):
    GENERAL = "general", _("一般隐患 (general)")
    MAJOR = "major", _("重大隐患 (major)")


class State(models.TextChoices):
    FOUND = "found", _("Found")
    NOTIFIED = "notified", _("Notified to the client")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged, being rectified")
    SUBMITTED = "submitted", _("Rectification submitted")
    CLOSED = "closed", _("Verified and closed")
    REFUSED = "refused", _("Refused by the client")


# The client's acknowledgement of a notified hidden danger is due within these statutory
# working days (China's calendar, consultancy.workdays): a 重大隐患 by the next working day
# (it is notified the same day it is found), a general one within three. The product's
# rule, for the reminders (the limits the firm writes into its notice count the same way).
ACKNOWLEDGE_WORKING_DAYS = {"major": 1, "general": 3}


def acknowledge_deadline(grade, notified_on: datetime.date) -> datetime.date:
    """The day by which the client acknowledges a hidden danger notified on
    ``notified_on``, counted in statutory working days (a weekend or public holiday does
    not count; a make-up working day does)."""
    from consultancy.workdays.calendar import add_working_days

    return add_working_days(notified_on, ACKNOWLEDGE_WORKING_DAYS[grade])


# Open: not verified and closed, and no refusal on record.
OPEN = [State.FOUND, State.NOTIFIED, State.ACKNOWLEDGED, State.SUBMITTED]
# The client owes the rectification: a deadline passed in these states is overdue.
AWAITING_CLIENT = [State.NOTIFIED, State.ACKNOWLEDGED]
# What the client sees in the portal.
CLIENT_VISIBLE = [State.NOTIFIED, State.ACKNOWLEDGED, State.SUBMITTED, State.CLOSED,
                  State.REFUSED]


class HiddenDangerQuerySet(FrozenGuardQuerySet):
    def open(self):
        return self.filter(state__in=OPEN)

    def overdue(self, day=None):
        day = day or timezone.localdate()
        return self.filter(state__in=AWAITING_CLIENT, deadline__lt=day)


HiddenDangerManager = FirmScopedManager.from_queryset(HiddenDangerQuerySet)


class HiddenDanger(ConcurrentTransitionMixin, FSMModelMixin, FirmOwned):
    """A hidden danger found on the client's site during the engagement."""

    engagement = models.ForeignKey("engagements.Engagement", verbose_name=_("engagement"),
                                   on_delete=models.PROTECT, related_name="hidden_dangers")
    seq = models.PositiveIntegerField(_("number"), editable=False)
    source = models.CharField(_("found during"), max_length=20, choices=Source.choices)
    found_on = models.DateField(_("found on"))
    unit = models.ForeignKey(
        "delivery.SiteUnit", verbose_name=_("unit or area"), on_delete=models.PROTECT,
        null=True, blank=True, related_name="hidden_dangers",
        help_text=_("The client's unit or area, from the units of the 8.4 risk register."))
    location = models.CharField(
        _("where exactly"), max_length=200, blank=True,
        help_text=_("The place within the unit (or, when the unit is not listed, the area "
                    "where it was found)."))
    risk_item = models.ForeignKey(
        "delivery.RiskItem", verbose_name=_("risk in the register"), on_delete=models.PROTECT,
        null=True, blank=True, related_name="hidden_dangers",
        help_text=_("The risk of the 8.4 register it belongs to, if any."))
    description = models.TextField(_("description of the hidden danger"))
    category = models.CharField(_("category"), max_length=10, choices=Category.choices)
    subtype = models.CharField(_("sub-type"), max_length=30, choices=SUBTYPE_CHOICES)
    grade = models.CharField(_("grade"), max_length=10, choices=Grade.choices,
                             default=Grade.GENERAL)
    criterion = models.ForeignKey(
        MajorHazardCriterion, verbose_name=_("major hidden danger criterion met"),
        on_delete=models.PROTECT, null=True, blank=True, related_name="hidden_dangers",
        help_text=_("A major hidden danger names the criterion of the 重大事故隐患判定标准 "
                    "of the client's industry that it meets."))
    basis = models.TextField(_("legal or standard basis"))
    recommendation = models.TextField(_("recommended rectification"))
    responsible_person = models.CharField(_("client's responsible person"), max_length=100)
    deadline = models.DateField(_("rectify by"))
    state = FSMField(_("state"), max_length=15, choices=State.choices, default=State.FOUND,
                     protected=True)
    # the client's side
    notified_at = models.DateTimeField(_("notified at"), null=True, blank=True, editable=False)
    acknowledge_by = models.DateField(
        _("to be acknowledged by"), null=True, blank=True, editable=False,
        help_text=_("Counted in statutory working days from the day it was notified."))
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True,
                                           editable=False)
    acknowledged_by = models.ForeignKey(
        "clients.ClientContact", verbose_name=_("acknowledged by"), on_delete=models.PROTECT,
        null=True, blank=True, related_name="+", editable=False)
    measures = models.TextField(_("rectification measures taken"), blank=True, editable=False)
    rectified_on = models.DateField(_("rectified on"), null=True, blank=True, editable=False)
    submitted_at = models.DateTimeField(_("rectification submitted at"), null=True, blank=True,
                                        editable=False)
    submitted_by = models.ForeignKey(
        "clients.ClientContact", verbose_name=_("rectification submitted by"),
        on_delete=models.PROTECT, null=True, blank=True, related_name="+", editable=False)
    # our verification
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True, editable=False)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("verified by"), on_delete=models.PROTECT,
        null=True, blank=True, related_name="+", editable=False)
    verification_note = models.TextField(_("verification"), blank=True, editable=False)
    failed_verifications = models.PositiveSmallIntegerField(
        _("verifications not passed"), default=0, editable=False)
    # the client's refusal
    refusal_reason = models.TextField(_("the client's reason for refusing"), blank=True,
                                      editable=False)
    refusal_advice = models.TextField(_("our advice to the client"), blank=True,
                                      editable=False)
    informed_in_writing_on = models.DateField(
        _("client informed in writing on"), null=True, blank=True, editable=False)
    refused_at = models.DateTimeField(_("refusal recorded at"), null=True, blank=True,
                                      editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("recorded by"),
                                   on_delete=models.PROTECT, related_name="+", editable=False)
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = HiddenDangerManager()

    class Meta:
        verbose_name = _("hidden danger")
        verbose_name_plural = _("hidden dangers")
        ordering = ["engagement", "-seq"]
        constraints = [
            models.UniqueConstraint(fields=["firm", "engagement", "seq"],
                                    name="hidden_danger_seq_per_engagement"),
        ]
        indexes = [
            models.Index(fields=["firm", "engagement", "state"], name="hazard_firm_eng_idx"),
            models.Index(fields=["firm", "state", "deadline"], name="hazard_firm_due_idx"),
            models.Index(fields=["firm", "unit"], name="hazard_firm_unit_idx"),
        ]

    def __str__(self):
        return f"{self.number} {self.place}"

    @property
    def place(self) -> str:
        """Where it was found: the register's unit and the detail, as far as known."""
        unit = self.unit.name if self.unit_id else ""
        detail = "" if self.location.strip() == unit else self.location.strip()
        return " · ".join(part for part in (unit, detail) if part)

    @property
    def number(self) -> str:
        return f"YH-{self.seq:03d}" if self.seq else "YH-?"

    @property
    def is_major(self) -> bool:
        return self.grade == Grade.MAJOR

    @property
    def is_open(self) -> bool:
        return self.state in OPEN

    @property
    def is_frozen(self) -> bool:
        return self.state == State.CLOSED

    def is_overdue_on(self, day: datetime.date) -> bool:
        return self.state in AWAITING_CLIENT and self.deadline < day

    def is_acknowledgement_late_on(self, day: datetime.date) -> bool:
        return (self.state == State.NOTIFIED and self.acknowledge_by is not None
                and self.acknowledge_by < day)

    @property
    def is_acknowledgement_late(self) -> bool:
        return self.is_acknowledgement_late_on(timezone.localdate())

    @property
    def is_overdue(self) -> bool:
        return self.is_overdue_on(timezone.localdate())

    @property
    def subtype_label(self):
        return dict(SUBTYPE_CHOICES).get(self.subtype, self.subtype)

    @classmethod
    def frozen_q(cls, fields=None):
        """A closed hidden danger is frozen: no update, no deletion."""
        return models.Q(state=State.CLOSED)

    def clean(self):
        errors = {}
        if self.subtype and self.category and SUBTYPE_CATEGORY.get(self.subtype) != self.category:
            errors["subtype"] = ValidationError(
                _("This sub-type belongs to the other category."), code="subtype")
        if self.grade == Grade.MAJOR and self.criterion_id is None:
            errors["criterion"] = ValidationError(
                _("A major hidden danger names the criterion of the 重大事故隐患判定标准 it "
                  "meets."), code="criterion_required")
        if self.grade == Grade.GENERAL and self.criterion_id is not None:
            errors["criterion"] = ValidationError(
                _("Only a major hidden danger names a criterion."), code="criterion_general")
        if self.unit_id is None and not (self.location or "").strip():
            errors["unit"] = ValidationError(
                _("Say where it was found: the unit or area, or the place."), code="where")
        if (self.unit_id is not None and self.engagement_id is not None
                and self.unit.engagement_id != self.engagement_id):
            errors["unit"] = ValidationError(
                _("The unit must be one of this engagement's register."), code="unit_other")
        if self.found_on and self.found_on > timezone.localdate():
            errors["found_on"] = ValidationError(_("The date cannot be in the future."),
                                                 code="future")
        if self.found_on and self.deadline and self.deadline < self.found_on:
            errors["deadline"] = ValidationError(
                _("The deadline cannot be before the day it was found."), code="deadline")
        if errors:
            raise ValidationError(errors)

    def full_clean(self, exclude=None, validate_unique=True, validate_constraints=True):
        exclude = {*(exclude or ()), "state", "seq"}
        super().full_clean(exclude=exclude, validate_unique=validate_unique,
                           validate_constraints=validate_constraints)

    def _refuse_if_frozen(self):
        if self.pk is None:
            return
        stored = (type(self).objects.with_scopes_disabled().filter(pk=self.pk)
                  .values_list("state", flat=True).first())
        if stored == State.CLOSED:
            raise FrozenRecord(_("This hidden danger is verified and closed; it can be read "
                                 "but no longer changed."))

    def save(self, *args, **kwargs):
        self._refuse_if_frozen()
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        self._refuse_if_frozen()
        return super().delete(*args, **kwargs)

    # -- the state machine (only hazards.services calls these) --------------------------
    @transition(field=state, source=State.FOUND, target=State.NOTIFIED)
    def notify(self):
        """Notified to the client (portal and notice)."""

    @transition(field=state, source=State.NOTIFIED, target=State.ACKNOWLEDGED)
    def acknowledge(self):
        """The client acknowledges it and takes on the rectification."""

    @transition(field=state, source=State.ACKNOWLEDGED, target=State.SUBMITTED)
    def submit(self):
        """The client submits the rectification (measures, photos, date)."""

    @transition(field=state, source=State.SUBMITTED, target=State.CLOSED)
    def verify_pass(self):
        """Verified on site: closed."""

    @transition(field=state, source=State.SUBMITTED, target=State.ACKNOWLEDGED)
    def verify_fail(self):
        """Not passed on site: back to rectification, with the reason."""

    @transition(field=state, source=[State.NOTIFIED, State.ACKNOWLEDGED], target=State.REFUSED)
    def record_refusal(self):
        """The client refuses to rectify: its reason and our advice are recorded."""


class HiddenDangerStep(FirmOwned):
    """One step of a hidden danger: who did it, when, from which state to which, and the
    note (the reason of a failed verification, the client's reason for refusing)."""

    danger = models.ForeignKey(HiddenDanger, on_delete=models.PROTECT, related_name="steps")
    transition = models.CharField(_("step"), max_length=20)
    from_state = models.CharField(_("from"), max_length=15, choices=State.choices, blank=True)
    to_state = models.CharField(_("to"), max_length=15, choices=State.choices)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("by"),
                           on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(_("at"), default=timezone.now)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("hidden danger step")
        verbose_name_plural = _("hidden danger steps")
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["firm", "danger"], name="hazstep_firm_danger_idx")]


class HiddenDangerPhoto(FirmOwned):
    """A photo of a hidden danger: as found (taken by the consultant on a phone) or of the
    rectification (uploaded by the client). Its type is decided from its content."""

    class Stage(models.TextChoices):
        FOUND = "found", _("As found")
        RECTIFIED = "rectified", _("After rectification")

    danger = models.ForeignKey(HiddenDanger, on_delete=models.PROTECT, related_name="photos")
    stage = models.CharField(_("photo of"), max_length=10, choices=Stage.choices,
                             default=Stage.FOUND)
    file = TypedFileField(_("photo"), upload_to=FirmUploadTo("hazards"),
                          validators=[UploadValidator(PHOTO_TYPES, max_mb=15)], max_length=300)
    content_type = content_type_field()
    caption = models.CharField(_("caption"), max_length=200, blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("hidden danger photo")
        verbose_name_plural = _("hidden danger photos")
        ordering = ["pk"]
        indexes = [models.Index(fields=["firm", "danger"], name="hazphoto_firm_danger_idx")]

    @property
    def is_image(self):
        return self.content_type in {KINDS[k].mime for k in PHOTO_TYPES}
