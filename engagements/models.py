"""Clause 4 (the engagement and its process), 5 (needs analysis), 6 (communication and
confirmation)."""

import contextvars
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Exists, OuterRef, Subquery
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, FSMModelMixin, transition
from simple_history.models import HistoricalRecords

from consultancy.refusals import CONFLICT, Refusal
from consultancy.tenancy.models import in_reader_language
from consultancy.tenancy.scoping import FirmOwned, FirmScopedManager
from consultancy.tenancy.versioning import content_fingerprint

from . import freezing, gates
from .stages import DECLINABLE, ENDED, ORDER, TERMINABLE, Stage

CNY = {"max_digits": 14, "decimal_places": 2, "validators": [MinValueValidator(Decimal("0"))]}


class ServiceType(FirmOwned):
    """A kind of service the firm sells (安全生产标准化咨询, 安全台账, …): a list the firm
    keeps, seeded with the common ones (:mod:`.service_types`). An engagement names one;
    the satisfaction statistics group by it and the firm's 8.5.1 mapping says which
    document system its contract must deliver. A type in use is not deleted, only no
    longer offered (``is_active``)."""

    name = models.CharField(_("service type"), max_length=60)
    name_en = models.CharField(_("service type (English)"), max_length=100, blank=True)
    code = models.SlugField(
        _("code"), max_length=40, blank=True,
        help_text=_("A short name in Latin letters, kept for imports and audits; made from "
                    "the English name when left empty."))
    position = models.PositiveSmallIntegerField(_("order"), default=100)
    is_active = models.BooleanField(_("offered"), default=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("service type")
        verbose_name_plural = _("service types")
        ordering = ["position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["firm", "name"], name="service_type_name_per_firm"),
            models.UniqueConstraint(fields=["firm", "code"], name="service_type_code_per_firm"),
        ]
        indexes = [models.Index(fields=["firm", "position"], name="stype_firm_pos_idx")]

    def __str__(self):
        return self.label

    @property
    def label(self) -> str:
        """The name in the reader's language (the Chinese one when no English is kept)."""
        return in_reader_language(self.name, self.name_en)


class Engagement(ConcurrentTransitionMixin, FSMModelMixin, FirmOwned):
    """One consulting project for one client, run through the process of clause 4."""

    class Origin(models.TextChoices):
        REQUEST = "request", _("The client asked for it")
        PROACTIVE = "proactive", _("Proactive (we approached the client)")

    number = models.CharField(_("number"), max_length=20, editable=False)
    client = models.ForeignKey(
        "clients.Client", verbose_name=_("client"), on_delete=models.PROTECT,
        related_name="engagements",
    )
    title = models.CharField(_("title"), max_length=200)
    service_type = models.ForeignKey(
        ServiceType, verbose_name=_("service type"), on_delete=models.PROTECT,
        related_name="engagements")
    origin = models.CharField(
        _("origin"), max_length=10, choices=Origin.choices, default=Origin.REQUEST,
        help_text=_("Proactive engagements need a site visit record (clause 6.1)."),
    )
    lead_consultant = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("lead consultant"), on_delete=models.PROTECT,
        related_name="led_engagements",
        limit_choices_to={"role__in": ["manager", "consultant"]},
    )
    consultants = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("other consultants"), blank=True,
        related_name="assigned_engagements",
        limit_choices_to={"role__in": ["manager", "consultant"]},
    )
    description = models.TextField(_("description"), blank=True)
    stage = FSMField(
        _("stage"), max_length=20, choices=Stage.choices, default=Stage.NEEDS_ANALYSIS,
        protected=True,
    )
    stage_entered_at = models.DateTimeField(_("in this stage since"), default=timezone.now)
    end_reason = models.TextField(_("reason for ending"), blank=True)
    opened_on = models.DateField(
        _("opened on"), default=timezone.localdate,
        help_text=_("No record of the engagement is dated earlier. The day it was created; "
                    "a manager may set it earlier for imported history."),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    history = HistoricalRecords(excluded_fields=["stage", "stage_entered_at"])

    class Meta:
        verbose_name = _("engagement")
        verbose_name_plural = _("engagements")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["firm", "number"], name="engagement_number_per_firm"),
        ]
        indexes = [
            models.Index(fields=["firm", "stage"], name="engagement_firm_stage_idx"),
            models.Index(fields=["firm", "client"], name="engagement_firm_client_idx"),
            models.Index(fields=["firm", "lead_consultant"], name="engagement_firm_lead_idx"),
        ]

    def __str__(self):
        return f"{self.number} {self.title}"

    def get_absolute_url(self):
        return reverse("engagements:detail", args=[self.pk])

    def full_clean(self, exclude=None, validate_unique=True, validate_constraints=True):
        # Cleaning would re-assign the protected stage; only transitions touch it.
        exclude = {*(exclude or ()), "stage"}
        super().full_clean(exclude=exclude, validate_unique=validate_unique,
                           validate_constraints=validate_constraints)

    # -- the gates -------------------------------------------------------------------
    def requirements(self, stage=None):
        """The requirements of ``stage`` (default: the current one), met or not."""
        return gates.statuses(self, stage)

    @property
    def is_ended(self):
        return self.stage in ENDED

    def has_passed(self, stage) -> bool:
        """Whether the engagement has left ``stage`` behind (its gate was passed)."""
        if self.stage in (Stage.DECLINED, Stage.TERMINATED):
            return True  # an ended engagement's file is closed, whatever stage it ended in
        return ORDER.get(self.stage, -1) > ORDER[stage]

    # -- the transitions (only services.engagement_transition calls these) -----------
    @transition(field=stage, source=Stage.NEEDS_ANALYSIS, target=Stage.COMMUNICATION,
                conditions=[gates.gate_is_open])
    def confirm_needs(self):
        """Clause 5 done: the needs assessment came before communication."""

    @transition(field=stage, source=Stage.COMMUNICATION, target=Stage.CONTRACTING,
                conditions=[gates.gate_is_open])
    def confirm_framework(self):
        """Clause 6 done: the project framework (6.4) is confirmed."""

    @transition(field=stage, source=Stage.CONTRACTING, target=Stage.DELIVERY,
                conditions=[gates.gate_is_open])
    def sign_contract(self):
        """Clause 7 done: the written contract is signed."""

    @transition(field=stage, source=Stage.DELIVERY, target=Stage.EVALUATION,
                conditions=[gates.gate_is_open])
    def hand_over(self):
        """Clause 8 done: the results are handed over."""

    @transition(field=stage, source=Stage.EVALUATION, target=Stage.FOLLOW_UP,
                conditions=[gates.gate_is_open])
    def accept(self):
        """Evaluation done: the client accepted the results."""

    @transition(field=stage, source=Stage.FOLLOW_UP, target=Stage.CLOSED,
                conditions=[gates.gate_is_open])
    def close(self):
        """Clause 9 done."""

    @transition(field=stage, source=DECLINABLE, target=Stage.DECLINED)
    def decline(self, reason):
        self.end_reason = reason

    @transition(field=stage, source=TERMINABLE, target=Stage.TERMINATED)
    def terminate(self, reason):
        self.end_reason = reason


class StageTransition(FirmOwned):
    """The audit row of every stage change (DESIGN.md): who moved it, when, from where."""

    engagement = models.ForeignKey(
        Engagement, verbose_name=_("engagement"), on_delete=models.PROTECT,
        related_name="transitions",
    )
    transition = models.CharField(_("transition"), max_length=30)
    from_stage = models.CharField(_("from"), max_length=20, choices=Stage.choices)
    to_stage = models.CharField(_("to"), max_length=20, choices=Stage.choices)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.PROTECT,
        related_name="+",
    )
    at = models.DateTimeField(_("at"), default=timezone.now)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("stage transition")
        verbose_name_plural = _("stage transitions")
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["firm", "engagement", "at"], name="transition_firm_eng_idx")]

    def __str__(self):
        return f"{self.engagement_id}: {self.from_stage} → {self.to_stage}"


class FrozenRecord(Refusal):
    """A record that met a passed stage's gate cannot be changed or deleted."""

    code = "frozen"
    kind = CONFLICT
    default_message = _("This record is frozen: it can be read but no longer changed.")


def stages_past(stage) -> list[str]:
    """The stages of an engagement that has passed ``stage`` (``Engagement.has_passed``)."""
    return [s for s in Stage
            if s in (Stage.DECLINED, Stage.TERMINATED) or ORDER.get(s, -1) > ORDER[stage]]


_bulk_update_checked = contextvars.ContextVar("bulk_update_checked", default=False)


class FrozenGuardQuerySet(models.QuerySet):
    """The queryset of a model with frozen rows: ``update()``, ``bulk_update()`` (which
    updates through ``update()``) and ``delete()`` refuse, with :class:`FrozenRecord`,
    when any row they would touch is frozen. One ``EXISTS`` query decides, by the
    model's ``frozen_q(fields)``: the ``Q`` of the rows a change of ``fields`` (``None``
    for a deletion) may not touch, or ``None`` when no row is frozen for it.

    A model without ``frozen_q`` is not guarded; :func:`freezing.frozen_records_unlocked`
    lets a named, logged change through.
    """

    def _refuse_if_any_frozen(self, fields):
        frozen_q = getattr(self.model, "frozen_q", None)
        if frozen_q is None or freezing.unlocked_reason():
            return
        if fields is not None:
            names = set()
            for name in fields:
                field = self.model._meta.get_field(name)
                names |= {field.name, field.attname}
            fields = names
        condition = frozen_q(fields)
        if condition is not None and self.filter(condition).exists():
            raise FrozenRecord(_("Some of these records are frozen: they can be read but no "
                                 "longer changed."))

    def update(self, **kwargs):
        if not _bulk_update_checked.get():
            self._refuse_if_any_frozen(kwargs)
        return super().update(**kwargs)

    update.alters_data = True

    def delete(self):
        self._refuse_if_any_frozen(None)
        return super().delete()

    delete.alters_data = True
    delete.queryset_only = True

    def bulk_update(self, objs, fields, batch_size=None):
        # Checked once, before Django's atomic block (a refusal inside it would leave
        # the caller's transaction unusable); the batches' update() then skip the check.
        objs = list(objs)
        self.filter(pk__in=[obj.pk for obj in objs])._refuse_if_any_frozen(fields)
        token = _bulk_update_checked.set(True)
        try:
            return super().bulk_update(objs, fields, batch_size=batch_size)
        finally:
            _bulk_update_checked.reset(token)

    bulk_update.alters_data = True


class VersionedQuerySet(FrozenGuardQuerySet):
    """The rows of a versioned record: each version is a row with a ``version`` number,
    the versions of one record share its owner (the model's ``versions_of``, e.g.
    ``"engagement"``), and the current version is the highest number.

    "Current" is relative to the queryset: ``filter(status=SIGNED).current()`` is the
    highest signed version, while ``newest().filter(status=SIGNED)`` keeps an owner's
    highest version only if that one is signed.
    """

    def current(self):
        """The highest version in this queryset, or ``None``."""
        return self.order_by("-version").first()

    def current_for(self, owner):
        """The current version of ``owner``'s record (an instance or a pk), or ``None``."""
        return self.filter(**{self.model.versions_of: owner}).current()

    def newest(self):
        """The rows of this queryset that no later row of it supersedes: for many owners
        at once, each one's highest version (one query, with ``NOT EXISTS``)."""
        key = f"{self.model.versions_of}_id"
        later = self.filter(**{key: OuterRef(key), "version__gt": OuterRef("version")})
        return self.filter(~Exists(later))

    def current_value(self, field, owner=None, **kwargs):
        """A ``Subquery`` of ``field`` of the highest version in this queryset whose owner
        is ``owner`` (default ``OuterRef("pk")``: annotating the owners themselves)."""
        owner = OuterRef("pk") if owner is None else owner
        return Subquery(self.filter(**{self.model.versions_of: owner}).order_by("-version")
                        .values(field)[:1], **kwargs)


VersionedManager = FirmScopedManager.from_queryset(VersionedQuerySet)
RecordManager = FirmScopedManager.from_queryset(FrozenGuardQuerySet)


class EngagementRecord(FirmOwned):
    """A record the standard asks for, kept on an engagement.

    ``gate_stage`` is the stage whose gate the record serves; once the engagement has
    passed that stage the record is frozen: saving or deleting it raises
    :class:`FrozenRecord`, whatever the entry point (view, form, admin, shell). The
    manager's queryset refuses ``update()``/``bulk_update()``/``delete()`` of frozen
    rows (:class:`FrozenGuardQuerySet`, by :meth:`frozen_q`), and on PostgreSQL a
    trigger refuses it in the database (:mod:`engagements.freezing`).
    """

    gate_stage: str = ""
    # The clause of the standard the record is kept for (e.g. "6.2"): the events written
    # by record_save and record_delete carry it (the timeline filters by it).
    clause: str = ""

    engagement = models.ForeignKey(
        Engagement, verbose_name=_("engagement"), on_delete=models.PROTECT,
        related_name="%(class)ss",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = RecordManager()

    class Meta:
        abstract = True

    @classmethod
    def frozen_q(cls, fields=None):
        """The rows a change of ``fields`` (``None``: a deletion) may not touch: those
        whose engagement has passed the record's stage."""
        return models.Q(engagement__stage__in=stages_past(cls.gate_stage))

    @property
    def is_frozen(self) -> bool:
        return self.engagement.has_passed(self.gate_stage)

    def _refuse_if_frozen(self):
        if self.pk is None:
            return
        # Read the engagement's stage from the database, not from a stale instance.
        stage = Engagement.objects.with_scopes_disabled().filter(pk=self.engagement_id).values_list(
            "stage", flat=True
        ).first()
        probe = Engagement(stage=stage)
        if probe.has_passed(self.gate_stage):
            raise FrozenRecord(
                _("This record met the gate of a stage the engagement has passed; it can no "
                  "longer be changed.")
            )

    def save(self, *args, **kwargs):
        self._refuse_if_frozen()
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        self._refuse_if_frozen()
        return super().delete(*args, **kwargs)


# -- Clause 5: needs analysis --------------------------------------------------------


class Verdict(models.TextChoices):
    FINE = "fine", _("Fine")
    CONCERN = "concern", _("Concern")
    BLOCKER = "blocker", _("Blocker")


class NeedsAssessment(EngagementRecord):
    """Clause 5: the assessment of a potential client's needs, recorded completely.

    A half-filled assessment is a draft: it is kept, but does not meet ``5.assessment``.
    """

    clause = "5"  # of the standard: the activity log files its events under it

    gate_stage = Stage.NEEDS_ANALYSIS

    # The six dimensions of clause 5 ("at least"), each with a finding and a verdict.
    DIMENSIONS = [
        ("scope", _("Service scope: is it within our range?")),
        ("capability", _("Capability: can we handle the technical fields involved?")),
        ("client_resources", _("Client resources: can the client's resources support it?")),
        ("risks", _("Project risks")),
        ("schedule", _("Schedule: can it be finished in the required time?")),
        ("budget", _("Budget: the reasonable range")),
    ]

    # The same, named shortly (a list of the blocked dimensions).
    DIMENSION_NAMES = {
        "scope": _("Service scope"), "capability": _("Capability"),
        "client_resources": _("Client resources"), "risks": _("Project risks"),
        "schedule": _("Schedule"), "budget": _("Budget"),
    }

    class Decision(models.TextChoices):
        PROCEED = "proceed", _("Proceed")
        DECLINE = "decline", _("Decline")

    engagement = models.OneToOneField(
        Engagement, verbose_name=_("engagement"), on_delete=models.PROTECT,
        related_name="needs_assessment",
    )
    scope_finding = models.TextField(_("service scope: finding"), blank=True)
    scope_verdict = models.CharField(_("service scope: verdict"), max_length=10,
                                     choices=Verdict.choices, blank=True)
    capability_finding = models.TextField(_("capability: finding"), blank=True)
    capability_verdict = models.CharField(_("capability: verdict"), max_length=10,
                                          choices=Verdict.choices, blank=True)
    client_resources_finding = models.TextField(_("client resources: finding"), blank=True)
    client_resources_verdict = models.CharField(_("client resources: verdict"), max_length=10,
                                                choices=Verdict.choices, blank=True)
    risks_finding = models.TextField(_("project risks: finding"), blank=True)
    risks_verdict = models.CharField(_("project risks: verdict"), max_length=10,
                                     choices=Verdict.choices, blank=True)
    schedule_finding = models.TextField(_("schedule: finding"), blank=True)
    schedule_verdict = models.CharField(_("schedule: verdict"), max_length=10,
                                        choices=Verdict.choices, blank=True)
    budget_finding = models.TextField(_("budget: finding"), blank=True)
    budget_verdict = models.CharField(_("budget: verdict"), max_length=10,
                                      choices=Verdict.choices, blank=True)
    budget_min = models.DecimalField(_("budget from (CNY)"), null=True, blank=True, **CNY)
    budget_max = models.DecimalField(_("budget up to (CNY)"), null=True, blank=True, **CNY)
    other_finding = models.TextField(_("other: finding"), blank=True)
    other_verdict = models.CharField(_("other: verdict"), max_length=10,
                                     choices=Verdict.choices, blank=True)
    measures = models.TextField(
        _("measures"), blank=True,
        help_text=_("The measures taken or planned for what the assessment found."),
    )
    assessor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("assessor"), on_delete=models.PROTECT,
        related_name="+", null=True, blank=True,
        limit_choices_to={"role__in": ["manager", "consultant"]},
    )
    assessed_on = models.DateField(_("assessed on"), null=True, blank=True)
    decision = models.CharField(_("decision"), max_length=10, choices=Decision.choices,
                                blank=True)
    decision_reasons = models.TextField(_("reasons for the decision"), blank=True)
    # 5: a "blocker" on any of the six dimensions lets the engagement proceed only by a
    # manager's recorded decision (services.needs_blocker_approve), bound to the content
    # the manager approved: a change of the findings asks for a new approval.
    blocker_approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("blocker approved by (manager)"),
        on_delete=models.PROTECT, related_name="+", null=True, blank=True, editable=False,
    )
    blocker_approved_at = models.DateTimeField(_("blocker approved at"), null=True, blank=True,
                                               editable=False)
    blocker_approval_reason = models.TextField(
        _("why the engagement proceeds despite the blocker"), blank=True, editable=False)
    blocker_approved_fingerprint = models.CharField(
        _("fingerprint of the approved assessment"), max_length=64, blank=True, editable=False)
    # The fingerprint of the findings as they are, kept current by every save: the gate
    # compares it with the approved one in SQL (one query for a page of engagements).
    blocker_content_fingerprint = models.CharField(
        _("fingerprint of the findings as they are"), max_length=64, blank=True,
        editable=False)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("needs assessment")
        verbose_name_plural = _("needs assessments")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(budget_min__isnull=True) | models.Q(budget_max__isnull=True)
                | models.Q(budget_max__gte=models.F("budget_min")),
                name="needs_budget_range_ordered",
            ),
        ]
        indexes = [models.Index(fields=["firm", "engagement"], name="needs_firm_eng_idx")]

    def __str__(self):
        return str(_("Needs assessment"))

    def save(self, *args, **kwargs):
        """Every save keeps :attr:`blocker_content_fingerprint` current (it names the pk:
        a new row gets it once inserted)."""
        update_fields = kwargs.get("update_fields")
        if self.pk is not None:
            self.blocker_content_fingerprint = self.blocker_fingerprint
            if update_fields is not None:
                kwargs["update_fields"] = {*update_fields, "blocker_content_fingerprint"}
            super().save(*args, **kwargs)
            return
        super().save(*args, **kwargs)
        self.blocker_content_fingerprint = self.blocker_fingerprint
        type(self).objects.filter(pk=self.pk).update(
            blocker_content_fingerprint=self.blocker_content_fingerprint)

    def clean(self):
        errors = {}
        if self.budget_min is not None and self.budget_max is not None:
            if self.budget_max < self.budget_min:
                errors["budget_max"] = _("The upper end of the budget is below the lower end.")
        if self.decision == self.Decision.DECLINE and not self.decision_reasons.strip():
            errors["decision_reasons"] = _("Say why the engagement is declined.")
        if errors:
            raise ValidationError(errors)

    @classmethod
    def required_fields(cls):
        fields = []
        for dim, _label in cls.DIMENSIONS:
            fields += [f"{dim}_finding", f"{dim}_verdict"]
        return fields + ["budget_min", "budget_max", "measures", "assessor", "assessed_on",
                         "decision"]

    def missing_fields(self) -> list[str]:
        """The verbose names of what is still missing for a complete record (clause 5)."""
        missing = []
        for name in self.required_fields():
            value = getattr(self, name if name not in ("assessor",) else "assessor_id")
            if value in (None, ""):
                missing.append(str(self._meta.get_field(name).verbose_name))
        if self.decision == self.Decision.DECLINE and not self.decision_reasons.strip():
            missing.append(str(self._meta.get_field("decision_reasons").verbose_name))
        return missing

    @property
    def is_complete(self) -> bool:
        return not self.missing_fields()

    # -- 5: a blocker is a manager's decision --------------------------------------------
    @classmethod
    def blocker_q(cls) -> models.Q:
        """The assessments with a "blocker" verdict on any of the six dimensions."""
        q = models.Q()
        for dim, _label in cls.DIMENSIONS:
            q |= models.Q(**{f"{dim}_verdict": Verdict.BLOCKER})
        return q

    @classmethod
    def blocker_content_fields(cls) -> list[str]:
        """What a manager's approval of a blocker is bound to."""
        return [f"{dim}_{part}" for dim, _label in cls.DIMENSIONS
                for part in ("finding", "verdict")] + ["measures"]

    def blockers(self) -> list[str]:
        """The six dimensions with a "blocker" verdict, by name."""
        return [str(self.DIMENSION_NAMES[dim]) for dim, _label in self.DIMENSIONS
                if getattr(self, f"{dim}_verdict") == Verdict.BLOCKER]

    @property
    def blocker_fingerprint(self) -> str:
        return content_fingerprint(self, self.blocker_content_fields())

    @classmethod
    def unapproved_blocker_q(cls) -> models.Q:
        """The database form of :attr:`blocker_needs_approval`."""
        return cls.blocker_q() & (
            models.Q(blocker_approved_by__isnull=True)
            | ~models.Q(blocker_approved_fingerprint=models.F("blocker_content_fingerprint")))

    @property
    def blocker_approved(self) -> bool:
        """A manager approved proceeding, and the findings are still those approved."""
        return (self.blocker_approved_by_id is not None
                and self.blocker_approved_fingerprint == self.blocker_fingerprint)

    @property
    def blocker_needs_approval(self) -> bool:
        return bool(self.blockers()) and not self.blocker_approved

    @classmethod
    def complete_q(cls) -> models.Q:
        """The database form of :attr:`is_complete` (for the gate's one query)."""
        q = models.Q()
        for name in cls.required_fields():
            field = cls._meta.get_field(name)
            if field.null:
                q &= models.Q(**{f"{name}__isnull": False})
            else:
                q &= ~models.Q(**{name: ""})
        return q


# -- Clause 6: communication and confirmation ---------------------------------------


class SiteVisit(EngagementRecord):
    """6.1: where no request came from the client, we visit its site to learn whether it
    needs consulting."""

    clause = "6.1"  # of the standard: the activity log files its events under it

    gate_stage = Stage.COMMUNICATION

    class NeedExists(models.TextChoices):
        YES = "yes", _("Yes, a need exists")
        NO = "no", _("No need found")
        UNCLEAR = "unclear", _("Not clear yet")

    visited_on = models.DateField(_("visit date"))
    visitors = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("visitors"), related_name="+",
        limit_choices_to={"role__in": ["manager", "consultant"]},
    )
    client_people = models.CharField(_("people met at the client"), max_length=300, blank=True)
    findings = models.TextField(_("what was found"))
    need_exists = models.CharField(_("does a need exist?"), max_length=10,
                                   choices=NeedExists.choices)
    notes = models.TextField(_("notes"), blank=True)

    history = HistoricalRecords(m2m_fields=[visitors])

    class Meta:
        verbose_name = _("site visit")
        verbose_name_plural = _("site visits")
        ordering = ["-visited_on", "-pk"]
        indexes = [models.Index(fields=["firm", "engagement"], name="visit_firm_eng_idx")]

    def __str__(self):
        return f"{_('Site visit')} {self.visited_on}"


class CommunicationRecord(EngagementRecord):
    """6.2: on the client's request we learn its basic situation and its needs, explicit
    and latent."""

    clause = "6.2"  # of the standard: the activity log files its events under it

    gate_stage = Stage.COMMUNICATION

    class Channel(models.TextChoices):
        MEETING = "meeting", _("Meeting")
        SITE = "site", _("At the client's site")
        PHONE = "phone", _("Phone")
        VIDEO = "video", _("Video call")
        OTHER = "other", _("Other")

    held_on = models.DateField(_("date"))
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices,
                               default=Channel.MEETING)
    participants = models.CharField(_("participants"), max_length=300)
    basic_situation = models.TextField(
        _("the client's basic situation"),
        help_text=_("Business, sites, workforce, hazards, current safety management."),
    )
    explicit_needs = models.TextField(_("explicit needs"),
                                      help_text=_("What the client asks for."))
    latent_needs = models.TextField(
        _("latent needs"), help_text=_("What the client needs without having said so.")
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("communication record")
        verbose_name_plural = _("communication records")
        ordering = ["-held_on", "-pk"]
        indexes = [models.Index(fields=["firm", "engagement"], name="comm_firm_eng_idx")]

    def __str__(self):
        return f"{_('Communication')} {self.held_on}"


class ExchangeRecord(EngagementRecord):
    """6.3: both sides' views on the project's objectives, main content, implementation
    and rights and obligations."""

    clause = "6.3"  # of the standard: the activity log files its events under it

    gate_stage = Stage.COMMUNICATION

    held_on = models.DateField(_("date"))
    participants = models.CharField(_("participants"), max_length=300)
    objectives = models.TextField(_("project objectives"))
    main_content = models.TextField(_("main content of the service"))
    implementation_approach = models.TextField(_("implementation approach"))
    rights_and_obligations = models.TextField(_("rights and obligations of both sides"))

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("exchange record")
        verbose_name_plural = _("exchange records")
        ordering = ["-held_on", "-pk"]
        indexes = [models.Index(fields=["firm", "engagement"], name="exchange_firm_eng_idx")]

    def __str__(self):
        return f"{_('Exchange')} {self.held_on}"


class ProjectFramework(EngagementRecord):
    """6.4: the project framework drawn up from the exchange, confirmed by the client.

    Versioned: a confirmed version is never edited; a change is a new version, which has
    to be confirmed again. The engagement's framework is its latest version.
    """

    clause = "6.4"  # of the standard: the activity log files its events under it

    gate_stage = Stage.COMMUNICATION
    versions_of = "engagement"

    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    objectives = models.TextField(_("objectives"))
    scope = models.TextField(_("scope"))
    approach = models.TextField(_("approach"))
    timetable = models.TextField(_("timetable"))
    budget = models.DecimalField(_("budget (CNY)"), **CNY)
    confirmed_by = models.ForeignKey(
        "clients.ClientContact", verbose_name=_("confirmed by (client contact)"),
        on_delete=models.PROTECT, null=True, blank=True, related_name="+",
    )
    confirmed_on = models.DateField(_("confirmed on"), null=True, blank=True)
    confirmation_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("confirmation recorded by"),
        on_delete=models.PROTECT, null=True, blank=True, related_name="+",
    )
    confirmed_fingerprint = models.CharField(
        _("fingerprint of the confirmed content"), max_length=64, blank=True, editable=False,
        help_text=_("SHA-256 of the version's content as the client confirmed it (6.4)."))

    shown_to_client_at = models.DateTimeField(
        _("first shown to the client"), null=True, blank=True, editable=False,
        help_text=_("When a client contact first opened this version in the portal: from "
                    "then on it is not edited; a change is a new version (6.4)."))

    CONTENT_FIELDS = ("version", "objectives", "scope", "approach", "timetable", "budget")

    objects = VersionedManager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("project framework")
        verbose_name_plural = _("project frameworks")
        ordering = ["-version"]
        constraints = [
            models.UniqueConstraint(fields=["firm", "engagement", "version"],
                                    name="framework_version_unique"),
            models.CheckConstraint(
                condition=(models.Q(confirmed_by__isnull=True) & models.Q(confirmed_on__isnull=True))
                | (models.Q(confirmed_by__isnull=False) & models.Q(confirmed_on__isnull=False)),
                name="framework_confirmation_complete",
            ),
        ]
        indexes = [models.Index(fields=["firm", "engagement"], name="framework_firm_eng_idx")]

    def __str__(self):
        return f"{_('Project framework')} v{self.version}"

    @property
    def content_fingerprint(self) -> str:
        """What a client's confirmation is bound to: the SHA-256 of this version's
        content as stored (a confirmation of content since changed is refused)."""
        return content_fingerprint(self, self.CONTENT_FIELDS)

    @property
    def is_confirmed(self) -> bool:
        return self.confirmed_by_id is not None and self.confirmed_on is not None

    @property
    def is_frozen(self) -> bool:
        return self.is_confirmed or super().is_frozen

    @classmethod
    def frozen_q(cls, fields=None):
        return super().frozen_q(fields) | models.Q(confirmed_on__isnull=False)

    def _refuse_if_frozen(self):
        super()._refuse_if_frozen()
        if self.pk is not None and ProjectFramework.objects.with_scopes_disabled().filter(
            pk=self.pk, confirmed_on__isnull=False
        ).exists():
            raise FrozenRecord(
                _("This framework version is confirmed by the client; a change is a new version.")
            )
        if self.pk is not None:
            seen = ProjectFramework.objects.with_scopes_disabled().filter(
                pk=self.pk, shown_to_client_at__isnull=False).first()
            if seen is not None and any(getattr(seen, name) != getattr(self, name)
                                        for name in self.CONTENT_FIELDS):
                raise FrozenRecord(_("The client has seen this framework version; a change "
                                     "is a new version."))
