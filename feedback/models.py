"""Evaluation and clause 9.

* Evaluation (named in clause 1 and Figure 1, no clause of its own): the client's
  acceptance of the delivered results (:class:`ClientAcceptance`) and the provider's
  review of the outcome against each objective (:class:`OutcomeReview`,
  :class:`ObjectiveReview`).
* 9.1 further technical guidance after delivery (:class:`FollowUpGuidance`); 9.2 follow-up
  visits and 9.3 site changes (:class:`FollowUpVisit`, which may open a new version of the
  consulting plan).
* 9.4 complaints, handled per GB/T 17242-2025 《投诉处理规范》 (whose process follows
  ISO 10002 / GB/T 19012): a register per firm (:class:`Complaint`) with its own state
  machine, time limits counted from the receipt (:class:`ComplaintLimits`), a
  :class:`ComplaintStep` audit row per step, the firm's cause categories
  (:class:`ComplaintCause`), corrective and preventive actions (:class:`ComplaintAction`),
  the notices to the complainant (:class:`ComplaintNotice`), the complainant's replies in
  the portal (:class:`ComplaintReply`) and the analysis PDF (:class:`ComplaintReport`).
* 9.5 satisfaction surveys: the firm's question set, the surveys sent, one-time links
  (:class:`SurveyInvitation`, only a hash of the token is stored) and the answers.
* The firm's settings of this app (:class:`FeedbackSettings`) and the in-app reminders
  (:class:`Reminder`) the daily task writes.
"""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_fsm import FSMField, FSMModelMixin, transition
from simple_history.models import HistoricalRecords

from consultancy.formats import show_date
from consultancy.tenancy.models import in_reader_language
from consultancy.tenancy.scoping import FirmOwned
from consultancy.workdays.calendar import add_working_days
from engagements.models import (
    Engagement,
    EngagementRecord,
    FrozenRecord,
    RecordManager,
    stages_past,
)
from engagements.stages import Stage

STAFF = {"role__in": ["manager", "consultant"]}


class EvaluationRecord(EngagementRecord):
    """A record of the evaluation stage: frozen once the engagement has left it."""

    gate_stage = Stage.EVALUATION

    class Meta:
        abstract = True


class FollowUpRecord(EngagementRecord):
    """A record of clause 9 kept on the engagement: frozen once the engagement is closed."""

    gate_stage = Stage.FOLLOW_UP

    class Meta:
        abstract = True


# -- evaluation ---------------------------------------------------------------------------


class ClientAcceptance(EvaluationRecord):
    """The client's verdict on the delivered results, given by a named contact on a date.

    A recorded verdict is the client's act and is never edited: a later verdict (after the
    results were reworked) is a new row, and the latest one recorded counts
    (``E.acceptance``). ``created_by`` is who recorded it.
    """

    clause = "9"  # of the standard: the activity log files its events under it

    class Verdict(models.TextChoices):
        ACCEPTED = "accepted", _("Accepted")
        RESERVATIONS = "reservations", _("Accepted with reservations")
        NOT_ACCEPTED = "not_accepted", _("Not accepted")

    PASSING = (Verdict.ACCEPTED, Verdict.RESERVATIONS)

    contact = models.ForeignKey(
        "clients.ClientContact", verbose_name=_("client contact"), on_delete=models.PROTECT,
        related_name="+",
    )
    accepted_on = models.DateField(_("date of the verdict"))
    verdict = models.CharField(_("verdict"), max_length=15, choices=Verdict.choices)
    reasons = models.TextField(
        _("reservations or reasons"), blank=True,
        help_text=_("Required unless the results are accepted without reservations: the "
                    "reservations, or why the results are not accepted."),
    )
    content_sha256 = models.CharField(
        _("fingerprint of the results judged"), max_length=64, blank=True, editable=False,
        help_text=_("SHA-256 of the delivered documents the client had on screen when "
                    "giving the verdict."))

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("client acceptance")
        verbose_name_plural = _("client acceptances")
        ordering = ["-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(verdict="accepted") | ~models.Q(reasons=""),
                name="acceptance_reasons_unless_accepted",
            ),
        ]
        indexes = [models.Index(fields=["firm", "engagement"], name="accept_firm_eng_idx")]

    def __str__(self):
        return f"{self.get_verdict_display()} {self.accepted_on}"

    @property
    def recorded_by(self):
        return self.created_by

    @property
    def is_passing(self) -> bool:
        return self.verdict in self.PASSING

    def clean(self):
        if self.verdict and self.verdict != self.Verdict.ACCEPTED and not self.reasons.strip():
            raise ValidationError({"reasons": _("Give the reservations or the reasons for not "
                                                "accepting the results.")})

    @property
    def is_frozen(self) -> bool:
        return self.pk is not None or super().is_frozen

    @classmethod
    def frozen_q(cls, fields=None):
        return models.Q()  # every recorded verdict

    def _refuse_if_frozen(self):
        super()._refuse_if_frozen()
        if self.pk is not None:
            raise FrozenRecord(_("A recorded verdict of the client is not changed; record the "
                                 "new verdict instead."))


class OutcomeReview(EvaluationRecord):
    """The provider's review of the outcome against each objective of the contract.

    One per engagement; its rows are :class:`ObjectiveReview`.
    """

    clause = "9"  # of the standard: the activity log files its events under it

    reviewed_on = models.DateField(_("reviewed on"))
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("reviewer"), on_delete=models.PROTECT,
        related_name="+", limit_choices_to=STAFF,
    )
    conclusion = models.TextField(
        _("overall conclusion"), blank=True,
        help_text=_("The overall judgement and the lessons for later engagements."),
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("outcome review")
        verbose_name_plural = _("outcome reviews")
        constraints = [
            models.UniqueConstraint(fields=["firm", "engagement"], name="one_review_per_engagement"),
        ]
        indexes = [models.Index(fields=["firm", "engagement"], name="review_firm_eng_idx")]

    def __str__(self):
        return f"{_('Outcome review')} {self.reviewed_on}"


class ObjectiveReview(FirmOwned):
    """One objective of the contract, with the provider's verdict and its evidence."""

    class Verdict(models.TextChoices):
        MET = "met", _("Met")
        PARTLY = "partly", _("Partly met")
        NOT_MET = "not_met", _("Not met")

    review = models.ForeignKey(OutcomeReview, verbose_name=_("review"),
                               on_delete=models.PROTECT, related_name="objectives")
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    objective = models.TextField(_("objective"))
    verdict = models.CharField(_("verdict"), max_length=10, choices=Verdict.choices)
    evidence = models.TextField(
        _("evidence"), help_text=_("What shows it: documents delivered, site findings, "
                                   "the client's feedback."))

    objects = RecordManager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("objective review")
        verbose_name_plural = _("objective reviews")
        ordering = ["order", "pk"]
        indexes = [models.Index(fields=["firm", "review"], name="objrev_firm_review_idx")]

    def __str__(self):
        return self.objective[:60]

    @property
    def is_frozen(self) -> bool:
        return self.review.is_frozen

    @classmethod
    def frozen_q(cls, fields=None):
        return models.Q(review__engagement__stage__in=stages_past(Stage.EVALUATION))

    def _refuse_if_frozen(self):
        # The review's engagement decides, its stage read from the database.
        stage = (OutcomeReview.objects.with_scopes_disabled().filter(pk=self.review_id)
                 .values_list("engagement__stage", flat=True).first())
        if stage is not None and Engagement(stage=stage).has_passed(Stage.EVALUATION):
            raise FrozenRecord(_("The evaluation stage is passed; the review is frozen."))

    def save(self, *args, **kwargs):
        self._refuse_if_frozen()
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        self._refuse_if_frozen()
        return super().delete(*args, **kwargs)


# -- 9.1 to 9.3: follow-up ----------------------------------------------------------------


class FollowUpGuidance(FollowUpRecord):
    """9.1: further technical guidance after delivery, as the contract agrees."""

    clause = "9.1"  # of the standard: the activity log files its events under it

    class Channel(models.TextChoices):
        SITE = "site", _("On site")
        PHONE = "phone", _("Phone")
        ONLINE = "online", _("Online (video, messaging)")
        WRITTEN = "written", _("In writing")

    given_on = models.DateField(_("date"))
    given_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("given by"),
                                 on_delete=models.PROTECT, related_name="+",
                                 limit_choices_to=STAFF)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices,
                               default=Channel.SITE)
    topic = models.CharField(_("topic"), max_length=200)
    advice = models.TextField(_("guidance given"))

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("follow-up guidance")
        verbose_name_plural = _("follow-up guidance")
        ordering = ["-given_on", "-pk"]
        indexes = [models.Index(fields=["firm", "engagement"], name="fuguid_firm_eng_idx")]

    def __str__(self):
        return f"{self.given_on} {self.topic}"


class FollowUpVisit(FollowUpRecord):
    """9.2: a follow-up visit: the two sides discuss whether the next stage of work needs
    the plan adjusted. 9.3: site changes found on the visit open a new version of the
    consulting plan (``plan_version``), approved and confirmed again."""

    clause = "9.2"  # of the standard: the activity log files its events under it

    visited_on = models.DateField(_("date of the visit"))
    visitors = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("our visitors"), related_name="+",
        limit_choices_to=STAFF,
    )
    client_participants = models.CharField(_("client participants"), max_length=300,
                                           blank=True)
    discussed = models.TextField(_("what was discussed"))
    plan_needs_adjusting = models.BooleanField(
        _("the plan needs adjusting"), null=True,
        help_text=_("Clause 9.2: whether the next stage of work needs the plan adjusted."),
    )
    adjustment_notes = models.TextField(_("what to adjust"), blank=True)
    site_changes = models.TextField(
        _("site changes found"), blank=True,
        help_text=_("Clause 9.3: changes at the client's site (processes, equipment, "
                    "organisation, regulations). Recording one opens a new plan version."),
    )
    plan_version = models.ForeignKey(
        "delivery.ConsultingPlan", verbose_name=_("plan version opened"),
        on_delete=models.PROTECT, null=True, blank=True, related_name="+", editable=False,
    )

    history = HistoricalRecords(m2m_fields=[visitors])

    class Meta:
        verbose_name = _("follow-up visit")
        verbose_name_plural = _("follow-up visits")
        ordering = ["-visited_on", "-pk"]
        indexes = [models.Index(fields=["firm", "engagement"], name="fuvisit_firm_eng_idx")]

    def __str__(self):
        return f"{_('Follow-up visit')} {self.visited_on}"

    @property
    def calls_for_a_plan_change(self) -> bool:
        return bool(self.plan_needs_adjusting) or bool(self.site_changes.strip())


# -- the firm's settings ------------------------------------------------------------------


LIMIT_STEPS = ["acknowledge", "assess", "investigate", "respond", "close"]


@dataclass(frozen=True)
class ComplaintLimits:
    """The time limits of a complaint's steps (9.4), each counted from the day the
    complaint was received, in working days of China's calendar (``working_days``) or in
    calendar days. The acknowledgement and the written answer are the ones the contract
    promises; the assessment and the investigation fall due inside the answer's limit,
    the closing no earlier than it. ``contract_id``: the contract whose promise they are
    (None: the firm's settings, for a complaint on no contracted engagement)."""

    acknowledge: int
    assess: int
    investigate: int
    respond: int
    close: int
    working_days: bool = True
    contract_id: int | None = None

    @classmethod
    def held_to(cls, *, acknowledge, respond, working_days, firm_limits, contract_id=None):
        """The limits of a complaint under a contract that promises ``acknowledge`` and
        ``respond``: the firm's intermediate limits, kept between the two."""
        def inside(days):
            return max(acknowledge, min(days, respond))
        return cls(acknowledge=acknowledge, assess=inside(firm_limits.assess),
                   investigate=inside(firm_limits.investigate), respond=respond,
                   close=max(respond, firm_limits.close), working_days=working_days,
                   contract_id=contract_id)

    def days(self, step: str) -> int:
        return getattr(self, step)

    def due_on(self, received_on: datetime.date, step: str) -> datetime.date:
        days = self.days(step)
        if self.working_days:
            return add_working_days(received_on, days)
        return received_on + datetime.timedelta(days=days)

    def due_dates(self, received_on: datetime.date) -> dict:
        return {step: self.due_on(received_on, step) for step in LIMIT_STEPS}


def _at_least_one_day(value):
    if value is not None and value < 1:
        raise ValidationError(_("A time limit of zero days cannot be met; give at least one "
                                "day."), code="min_value")


class FeedbackSettings(FirmOwned):
    """One per firm (a firm without a row has the defaults): complaint time limits, the
    satisfaction survey and its links.

    The complaint limits count from the day a complaint is received (9.4), so they come
    in the order of the steps: acknowledge ≤ assess ≤ investigate ≤ respond ≤ close. The
    acknowledgement and the written answer fill the placeholders of the contract's
    complaint clause when a contract is drafted; a signed contract keeps its numbers."""

    survey_required = models.BooleanField(
        _("a satisfaction survey is required before closing"), default=True,
        help_text=_("Clause 9.5 says the provider should run a survey; unticked, the "
                    "requirement 9.5.survey is always met."),
    )
    survey_link_valid_days = models.PositiveSmallIntegerField(
        _("survey links are valid for (days)"), default=30, validators=[_at_least_one_day])
    survey_reminder_after_days = models.PositiveSmallIntegerField(
        _("remind an unanswered survey after (days)"), default=7)
    working_days = models.BooleanField(
        _("complaint time limits count working days"), default=True,
        help_text=_("Weekends and China's public holidays are skipped and the make-up "
                    "working days (调休) count; unticked, calendar days."))
    acknowledge_days = models.PositiveSmallIntegerField(
        _("acknowledge within"), default=1, validators=[_at_least_one_day],
        help_text=_("Days from the receipt of a complaint to confirming it to the "
                    "complainant (9.4); the contract's complaint clause promises it."))
    assess_days = models.PositiveSmallIntegerField(
        _("assess within"), default=3, validators=[_at_least_one_day],
        help_text=_("Days from the receipt to the assessment of severity, safety "
                    "implications and cause (9.4)."))
    investigate_days = models.PositiveSmallIntegerField(
        _("investigate within"), default=10, validators=[_at_least_one_day],
        help_text=_("Days from the receipt to the findings of the investigation (9.4)."))
    respond_days = models.PositiveSmallIntegerField(
        _("respond within"), default=15, validators=[_at_least_one_day],
        help_text=_("Days from the receipt to the written answer (9.4); the contract's "
                    "complaint clause promises it."))
    close_days = models.PositiveSmallIntegerField(
        _("close within"), default=30, validators=[_at_least_one_day],
        help_text=_("Days from the receipt to closing, with the complainant's acceptance "
                    "and the corrective actions done (9.4)."))
    visit_reminder_days = models.PositiveSmallIntegerField(
        _("remind of a follow-up visit or the end of guidance (days ahead)"), default=7)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("evaluation and follow-up settings")
        verbose_name_plural = _("evaluation and follow-up settings")
        constraints = [models.UniqueConstraint(fields=["firm"], name="one_feedback_settings_per_firm")]

    def __str__(self):
        return str(_("Evaluation and follow-up settings"))

    def clean(self):
        """The complaint limits all count from the receipt, so each step's is at least
        the one before it (acknowledging within 30 days and closing within 1 is refused)."""
        errors = {}
        for earlier, later in zip(LIMIT_STEPS, LIMIT_STEPS[1:], strict=False):
            a, b = getattr(self, f"{earlier}_days"), getattr(self, f"{later}_days")
            if a is None or b is None or a < 1 or b < 1:
                continue
            if b < a:
                errors[f"{later}_days"] = ValidationError(_(
                    "“%(later)s” (%(b)s days) is shorter than “%(earlier)s” (%(a)s days): every "
                    "complaint time limit counts from the receipt (9.4), so each step's limit "
                    "is at least the one before it. Give %(a)s days or more."), params={
                    "later": self._meta.get_field(f"{later}_days").verbose_name,
                    "earlier": self._meta.get_field(f"{earlier}_days").verbose_name,
                    "a": a, "b": b}, code="limits_out_of_order")
        if errors:
            raise ValidationError(errors)

    def limit_for(self, step: str) -> int:
        return getattr(self, f"{step}_days")

    def complaint_limits(self) -> ComplaintLimits:
        return ComplaintLimits(**{step: self.limit_for(step) for step in LIMIT_STEPS},
                               working_days=self.working_days)

    def due_on(self, start: datetime.date, step: str) -> datetime.date:
        """``step``'s due date for a complaint received on ``start``."""
        return self.complaint_limits().due_on(start, step)


# -- 9.4 complaints -----------------------------------------------------------------------


class ComplaintCause(FirmOwned):
    """A cause category of complaints (9.4): the firm keeps its own list (seeded with
    服务质量, 交付延误, 人员资质, 沟通, 收费, 安全隐患处置, 其他); the assessment names one,
    and the complaint analysis counts by it. A cause in use is not deleted, only no
    longer offered (``is_active``)."""

    name = models.CharField(_("cause"), max_length=60)
    name_en = models.CharField(_("cause (English)"), max_length=60, blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("offered"), default=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("complaint cause")
        verbose_name_plural = _("complaint causes")
        ordering = ["order", "pk"]
        constraints = [models.UniqueConstraint(fields=["firm", "name"],
                                               name="complaint_cause_name_per_firm")]
        indexes = [models.Index(fields=["firm", "order"], name="ccause_firm_order_idx")]

    def __str__(self):
        return self.label

    @property
    def label(self) -> str:
        return in_reader_language(self.name, self.name_en)


class Complaint(FSMModelMixin, FirmOwned):
    """A complaint in the firm's register (9.4, per GB/T 17242-2025 《投诉处理规范》,
    whose process follows ISO 10002 / GB/T 19012).

    received → acknowledged → assessed → investigated → responded → closed, or escalated
    to external dispute resolution (per the contract's clause) from acknowledged,
    assessed, investigated or responded; an escalated complaint is closed when the
    outcome of the external resolution is recorded. A complainant who does not accept
    the answer may get a revised one (responded again). Only ``feedback.services`` moves
    the status; each step has its date (in order: received ≤ acknowledged ≤ assessed ≤
    investigated ≤ responded ≤ closed ≤ today) and its text, and writes a
    :class:`ComplaintStep` (who, when, note).

    The time limits are fixed when the complaint is received, all counted from the
    receipt (:class:`ComplaintLimits`): those the engagement's signed contract promises,
    else the firm's settings. ``due_on`` is the due date of the step pending now.
    """

    class Status(models.TextChoices):
        RECEIVED = "received", _("Received")
        ACKNOWLEDGED = "acknowledged", pgettext_lazy("complaint", "Acknowledged")
        ASSESSED = "assessed", _("Assessed")
        INVESTIGATED = "investigated", _("Investigated")
        RESPONDED = "responded", _("Responded")
        CLOSED = "closed", _("Closed")
        ESCALATED = "escalated", _("Escalated to external dispute resolution")

    class Channel(models.TextChoices):
        PHONE = "phone", _("Phone")
        EMAIL = "email", _("E-mail")
        LETTER = "letter", _("Letter")
        IN_PERSON = "in_person", _("In person")
        PORTAL = "portal", _("Client portal")
        OTHER = "other", _("Other")

    class Severity(models.TextChoices):
        LOW = "low", _("Minor")
        MEDIUM = "medium", _("Moderate")
        HIGH = "high", _("Serious")
        CRITICAL = "critical", _("Critical")

    # The step due in each status, and the status it leads to.
    NEXT_STEP = {
        Status.RECEIVED: "acknowledge",
        Status.ACKNOWLEDGED: "assess",
        Status.ASSESSED: "investigate",
        Status.INVESTIGATED: "respond",
        Status.RESPONDED: "close",
    }
    OPEN = [Status.RECEIVED, Status.ACKNOWLEDGED, Status.ASSESSED, Status.INVESTIGATED,
            Status.RESPONDED, Status.ESCALATED]
    ESCALABLE = [Status.ACKNOWLEDGED, Status.ASSESSED, Status.INVESTIGATED, Status.RESPONDED]
    # Each step's date, in the order the dates must keep.
    STEP_DATES = [("receive", "received_on"), ("acknowledge", "acknowledged_on"),
                  ("assess", "assessed_on"), ("investigate", "investigated_on"),
                  ("respond", "responded_on"), ("escalate", "escalated_on"),
                  ("close", "closed_on")]

    number = models.CharField(_("number"), max_length=20, editable=False)
    received_on = models.DateField(_("received on"))
    channel = models.CharField(_("received through"), max_length=10, choices=Channel.choices)
    complainant_name = models.CharField(_("complainant"), max_length=100)
    complainant_contact = models.CharField(_("complainant's phone or e-mail"), max_length=200,
                                           blank=True)
    contact = models.ForeignKey(
        "clients.ClientContact", verbose_name=_("client contact"), on_delete=models.PROTECT,
        null=True, blank=True, related_name="+",
    )
    engagement = models.ForeignKey(
        "engagements.Engagement", verbose_name=_("engagement"), on_delete=models.PROTECT,
        null=True, blank=True, related_name="complaints",
    )
    description = models.TextField(_("what happened"))
    remedy_sought = models.TextField(_("remedy sought"), blank=True)
    safety_related = models.BooleanField(
        _("safety-related"), default=False,
        help_text=_("Safety-related complaints are handled first."))
    received_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("received by"),
                                    on_delete=models.PROTECT, related_name="+", editable=False)
    status = FSMField(_("status"), max_length=15, choices=Status.choices,
                      default=Status.RECEIVED, protected=True)
    status_changed_at = models.DateTimeField(_("in this status since"), default=timezone.now,
                                             editable=False)
    due_on = models.DateField(_("next step due by"), null=True, blank=True, editable=False)
    # the time limits it is held to, fixed at receipt, each counted from the receipt
    limits_contract = models.ForeignKey(
        "contracts.Contract", verbose_name=_("time limits promised by"),
        on_delete=models.PROTECT, null=True, blank=True, related_name="+", editable=False,
        help_text=_("The signed contract whose complaint clause the limits come from; "
                    "empty: the firm's complaint settings."))
    limits_working_days = models.BooleanField(_("limits count working days"), default=True,
                                              editable=False)
    acknowledge_limit_days = models.PositiveSmallIntegerField(
        _("to acknowledge within (days of receipt)"), null=True, blank=True, editable=False)
    respond_limit_days = models.PositiveSmallIntegerField(
        _("to answer in writing within (days of receipt)"), null=True, blank=True,
        editable=False)
    acknowledge_due_on = models.DateField(_("acknowledgement due by"), null=True, blank=True,
                                          editable=False)
    assess_due_on = models.DateField(_("assessment due by"), null=True, blank=True,
                                     editable=False)
    investigate_due_on = models.DateField(_("investigation due by"), null=True, blank=True,
                                          editable=False)
    respond_due_on = models.DateField(_("written answer due by"), null=True, blank=True,
                                      editable=False)
    close_due_on = models.DateField(_("closing due by"), null=True, blank=True, editable=False)
    # the content and the date of each step
    acknowledgement = models.TextField(
        _("acknowledgement to the complainant"), blank=True,
        help_text=_("How and what the receipt was confirmed to the complainant."))
    acknowledged_on = models.DateField(pgettext_lazy("complaint", "acknowledged on"), null=True,
                                       blank=True)
    severity = models.CharField(_("severity"), max_length=10, choices=Severity.choices,
                                blank=True)
    cause = models.ForeignKey(ComplaintCause, verbose_name=_("cause"), on_delete=models.PROTECT,
                              null=True, blank=True, related_name="complaints")
    assessment = models.TextField(_("assessment"), blank=True)
    assessed_on = models.DateField(_("assessed on"), null=True, blank=True)
    findings = models.TextField(_("findings of the investigation"), blank=True)
    investigated_on = models.DateField(_("investigated on"), null=True, blank=True)
    decision = models.TextField(_("decision communicated to the complainant"), blank=True)
    responded_on = models.DateField(_("decision communicated on"), null=True, blank=True)
    first_responded_on = models.DateField(_("first written answer on"), null=True, blank=True,
                                          editable=False)
    complainant_acceptance = models.TextField(
        _("the complainant's acceptance"), blank=True,
        help_text=_("How the complainant accepted the decision (or, after escalation, the "
                    "outcome of the external resolution)."))
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    escalated_to = models.CharField(_("escalated to"), max_length=200, blank=True,
                                    help_text=_("Per the contract's clause on external "
                                                "dispute resolution, e.g. arbitration."))
    escalation_reason = models.TextField(_("reason for escalation"), blank=True)
    escalated_on = models.DateField(_("escalated on"), null=True, blank=True)
    # no corrective action needed: a manager's recorded decision
    no_action_reason = models.TextField(
        _("why no corrective action is needed"), blank=True,
        help_text=_("A manager's reason; without it, a complaint is closed only once its "
                    "corrective and preventive actions are done."))
    no_action_by = models.ForeignKey(settings.AUTH_USER_MODEL,
                                     verbose_name=_("no action needed, decided by"),
                                     on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="+", editable=False)
    no_action_on = models.DateField(_("no action needed, decided on"), null=True, blank=True,
                                    editable=False)
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    history = HistoricalRecords(excluded_fields=["status"])

    class Meta:
        verbose_name = _("complaint")
        verbose_name_plural = _("complaints")
        ordering = ["-received_on", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["firm", "number"], name="complaint_number_per_firm"),
        ]
        indexes = [
            models.Index(fields=["firm", "status"], name="complaint_firm_status_idx"),
            models.Index(fields=["firm", "engagement"], name="complaint_firm_eng_idx"),
            models.Index(fields=["firm", "due_on"], name="complaint_firm_due_idx"),
            models.Index(fields=["firm", "received_on"], name="complaint_firm_received_idx"),
        ]

    def __str__(self):
        return f"{self.number} {self.complainant_name}"

    def full_clean(self, exclude=None, validate_unique=True, validate_constraints=True):
        exclude = {*(exclude or ()), "status"}
        super().full_clean(exclude=exclude, validate_unique=validate_unique,
                           validate_constraints=validate_constraints)

    def clean(self):
        """The steps' dates in order (9.4): none before the one it follows, none in the
        future."""
        errors = {}
        today = timezone.localdate()
        previous = None
        for _step, name in self.STEP_DATES:
            day = getattr(self, name)
            if day is None:
                continue
            if day > today:
                errors[name] = ValidationError(_("The date cannot be in the future."),
                                               code="future")
            elif previous is not None and day < previous[1]:
                errors[name] = ValidationError(
                    _("This date (%(day)s) is before the date of the step it follows, "
                      "“%(before)s” (%(before_day)s): the steps of a complaint come in "
                      "order (9.4)."),
                    params={"day": show_date(day), "before_day": show_date(previous[1]),
                            "before": self._meta.get_field(previous[0]).verbose_name},
                    code="out_of_order")
            previous = (name, day) if previous is None or day >= previous[1] else previous
        if errors:
            raise ValidationError(errors)

    def last_step_date(self) -> datetime.date:
        """The latest date a step of this complaint carries (its receipt at least)."""
        days = [getattr(self, name) for _step, name in self.STEP_DATES]
        return max(day for day in days if day is not None)

    def set_limits(self, limits: ComplaintLimits) -> None:
        """Fix the time limits at receipt: each step's due date from ``received_on``."""
        self.limits_contract_id = limits.contract_id
        self.limits_working_days = limits.working_days
        self.acknowledge_limit_days = limits.acknowledge
        self.respond_limit_days = limits.respond
        for step, day in limits.due_dates(self.received_on).items():
            setattr(self, f"{step}_due_on", day)

    def due_for(self, step: str | None):
        if step is None:
            return None
        return getattr(self, f"{step}_due_on", None)

    @property
    def is_open(self) -> bool:
        return self.status != self.Status.CLOSED

    @property
    def next_step(self) -> str | None:
        return self.NEXT_STEP.get(self.status)

    @property
    def due_by(self):
        """The date by which the current step is due (``None`` when no step is pending
        under a time limit: closed, or escalated to an outside body)."""
        return self.due_on if self.next_step else None

    def is_overdue_on(self, day: datetime.date) -> bool:
        due = self.due_by
        return due is not None and day > due

    @property
    def is_overdue(self) -> bool:
        return self.is_overdue_on(timezone.localdate())

    @property
    def acknowledged_in_time(self) -> bool | None:
        if self.acknowledged_on is None or self.acknowledge_due_on is None:
            return None
        return self.acknowledged_on <= self.acknowledge_due_on

    @property
    def answered_in_time(self) -> bool | None:
        if self.first_responded_on is None or self.respond_due_on is None:
            return None
        return self.first_responded_on <= self.respond_due_on

    # -- the state machine (only feedback.services calls these) -------------------------
    @transition(field=status, source=Status.RECEIVED, target=Status.ACKNOWLEDGED)
    def acknowledge(self):
        """The receipt is confirmed to the complainant."""

    @transition(field=status, source=Status.ACKNOWLEDGED, target=Status.ASSESSED)
    def assess(self):
        """Severity, safety implications, cause and the need for immediate action."""

    @transition(field=status, source=Status.ASSESSED, target=Status.INVESTIGATED)
    def investigate(self):
        """The circumstances are investigated and the findings recorded."""

    @transition(field=status, source=[Status.INVESTIGATED, Status.RESPONDED],
                target=Status.RESPONDED)
    def respond(self):
        """The decision is communicated to the complainant (again: a revised answer)."""

    @transition(field=status, source=[Status.RESPONDED, Status.ESCALATED], target=Status.CLOSED)
    def close(self):
        """The complainant accepted the decision (or the external resolution ended)."""

    @transition(field=status, source=ESCALABLE, target=Status.ESCALATED)
    def escalate(self):
        """The complainant takes it to external dispute resolution."""


class ComplaintStep(FirmOwned):
    """The audit row of every step of a complaint: what, who, on which day (``on``),
    when it was recorded (``at``), and a note."""

    complaint = models.ForeignKey(Complaint, verbose_name=_("complaint"),
                                  on_delete=models.PROTECT, related_name="steps")
    step = models.CharField(_("step"), max_length=15)
    from_status = models.CharField(_("from status"), max_length=15,
                                   choices=Complaint.Status.choices, blank=True)
    to_status = models.CharField(_("to status"), max_length=15, choices=Complaint.Status.choices)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("by"),
                           on_delete=models.PROTECT, related_name="+")
    on = models.DateField(_("date of the step"), null=True, blank=True)
    at = models.DateTimeField(_("recorded at"), default=timezone.now)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("complaint step")
        verbose_name_plural = _("complaint steps")
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["firm", "complaint", "at"], name="cstep_firm_complaint_idx")]

    def __str__(self):
        return f"{self.complaint_id}: {self.step}"


class ComplaintAction(FirmOwned):
    """A corrective or preventive action taken on a complaint (9.4; GB/T 17242-2025 and
    ISO 10002 ask for the causes to be removed and the improvement followed): what, who,
    by when, when it was done and who verified it. A complaint closes once its actions
    are done. An action that changes the consulting plan opens a new plan version (9.3),
    linked here."""

    class Kind(models.TextChoices):
        CORRECTIVE = "corrective", _("Corrective")
        PREVENTIVE = "preventive", _("Preventive")

    complaint = models.ForeignKey(Complaint, verbose_name=_("complaint"),
                                  on_delete=models.PROTECT, related_name="actions")
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices,
                            default=Kind.CORRECTIVE)
    description = models.TextField(_("action"), help_text=_("What is to be done."))
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("who"),
                              on_delete=models.PROTECT, related_name="+",
                              limit_choices_to=STAFF)
    due_on = models.DateField(_("due by"))
    done_on = models.DateField(_("done on"), null=True, blank=True)
    done_note = models.TextField(_("what was done"), blank=True)
    verified_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("verified by"),
                                    on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+", limit_choices_to=STAFF)
    verified_on = models.DateField(_("verified on"), null=True, blank=True)
    verification = models.TextField(_("verification of its effect"), blank=True)
    changes_plan = models.BooleanField(
        _("changes the consulting plan"), default=False,
        help_text=_("Clause 9.3: the action opens a new version of the engagement's "
                    "consulting plan, to be approved, issued and confirmed again."))
    plan_version = models.ForeignKey(
        "delivery.ConsultingPlan", verbose_name=_("plan version opened"),
        on_delete=models.PROTECT, null=True, blank=True, related_name="+", editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("recorded by"),
                                   on_delete=models.PROTECT, related_name="+", editable=False)
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("corrective or preventive action")
        verbose_name_plural = _("corrective and preventive actions")
        ordering = ["due_on", "pk"]
        indexes = [models.Index(fields=["firm", "complaint"], name="caction_firm_complaint_idx"),
                   models.Index(fields=["firm", "done_on"], name="caction_firm_done_idx")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(verified_on__isnull=True) | models.Q(done_on__isnull=False),
                name="caction_verified_after_done"),
        ]

    def __str__(self):
        return self.description[:60]

    @property
    def is_done(self) -> bool:
        return self.done_on is not None

    @property
    def is_verified(self) -> bool:
        return self.verified_on is not None

    def is_overdue_on(self, day) -> bool:
        return self.done_on is None and day > self.due_on


class ComplaintNotice(FirmOwned):
    """A notice to the complainant (9.4: they hear back on the acknowledgement, the
    written answer and the closing): written with the step, in the same transaction,
    shown in the portal at once and e-mailed once by a task after commit (``sent_at``
    says it went; the task sends nothing twice). ``email`` and ``language`` are the
    complainant's when the notice was written."""

    class Kind(models.TextChoices):
        ACKNOWLEDGED = "acknowledged", _("Acknowledgement")
        ANSWERED = "answered", _("Written answer")
        CLOSED = "closed", _("Closing")

    NOTIFICATION_KINDS = {Kind.ACKNOWLEDGED: "complaint_acknowledged",
                          Kind.ANSWERED: "complaint_answered",
                          Kind.CLOSED: "complaint_closed"}

    complaint = models.ForeignKey(Complaint, verbose_name=_("complaint"),
                                  on_delete=models.PROTECT, related_name="notices")
    kind = models.CharField(_("notice"), max_length=15, choices=Kind.choices)
    created_at = models.DateTimeField(_("written at"), default=timezone.now)
    email = models.EmailField(_("sent to"), blank=True)
    language = models.CharField(_("language"), max_length=10, blank=True)
    sent_at = models.DateTimeField(_("e-mailed at"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("notice to the complainant")
        verbose_name_plural = _("notices to the complainant")
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["firm", "complaint"], name="cnotice_firm_complaint_idx")]

    def __str__(self):
        return f"{self.complaint_id}: {self.get_kind_display()}"

    @property
    def notification_kind(self) -> str:
        return self.NOTIFICATION_KINDS[self.kind]


class ComplaintReply(FirmOwned):
    """The complainant's reply to a written answer, given in the portal: whether they
    accept it (an acceptance is the closing's acceptance) and how they rate the handling
    of the complaint (1–5). The client's own act: bound to the answer on their screen
    (``answer_sha256``), one per answer, never edited."""

    complaint = models.ForeignKey(Complaint, verbose_name=_("complaint"),
                                  on_delete=models.PROTECT, related_name="replies")
    contact = models.ForeignKey("clients.ClientContact", verbose_name=_("client contact"),
                                on_delete=models.PROTECT, related_name="+")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("by"),
                           on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(_("replied at"), default=timezone.now)
    accepts = models.BooleanField(_("accepts the answer"))
    handling_rating = models.PositiveSmallIntegerField(
        _("rating of the handling (1–5)"),
        validators=[MinValueValidator(1), MaxValueValidator(5)])
    comment = models.TextField(_("comment"), blank=True)
    answer_sha256 = models.CharField(_("fingerprint of the answer"), max_length=64,
                                     editable=False)

    class Meta:
        verbose_name = _("complainant's reply")
        verbose_name_plural = _("complainants' replies")
        ordering = ["at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["firm", "complaint", "answer_sha256"],
                                    name="one_reply_per_answer"),
            models.CheckConstraint(condition=models.Q(handling_rating__gte=1,
                                                      handling_rating__lte=5),
                                   name="creply_rating_range"),
        ]
        indexes = [models.Index(fields=["firm", "complaint"], name="creply_firm_complaint_idx")]

    def __str__(self):
        return f"{self.complaint_id}: {self.accepts} {self.handling_rating}"


class PeriodReport(FirmOwned):
    """A manager's request for the PDF report of a period: the owner of the generated
    document; the figures are computed when it renders. The complaint analysis (9.4) and
    the satisfaction statistics (9.5) are the two kinds."""

    class GroupBy(models.TextChoices):
        MONTH = "month", _("Month")
        QUARTER = "quarter", _("Quarter")

    period_from = models.DateField(_("from"))
    period_to = models.DateField(_("to"))
    group_by = models.CharField(_("by"), max_length=10, choices=GroupBy.choices,
                                default=GroupBy.MONTH)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("requested by"),
                                     on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    document = models.ForeignKey("documents.GeneratedDocument", verbose_name=_("PDF"),
                                 on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="+", editable=False)

    class Meta:
        abstract = True
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.period_from} – {self.period_to}"


class ComplaintReport(PeriodReport):
    """The complaint analysis PDF of a period (9.4, for continual improvement)."""

    class Meta(PeriodReport.Meta):
        verbose_name = _("complaint analysis report")
        verbose_name_plural = _("complaint analysis reports")
        indexes = [models.Index(fields=["firm", "created_at"], name="creport_firm_created_idx")]
        constraints = [
            models.CheckConstraint(condition=models.Q(period_from__lte=models.F("period_to")),
                                   name="creport_period_order"),
        ]


# -- 9.5 satisfaction surveys -------------------------------------------------------------


class SurveyQuestionSet(FirmOwned):
    """The firm's satisfaction questions (managers edit them); one per firm, seeded with
    the default questions when the firm is created (consultancy.tenancy.firm_lists)."""

    name = models.CharField(_("name"), max_length=100)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("survey question set")
        verbose_name_plural = _("survey question sets")
        constraints = [models.UniqueConstraint(fields=["firm"], name="one_question_set_per_firm")]

    def __str__(self):
        return self.name


class SurveyQuestion(FirmOwned):
    """A question of the set. A question that was answered is not deleted (the answers
    point at it); it is made inactive and no later survey asks it."""

    class Kind(models.TextChoices):
        SCALE_1_5 = "scale_1_5", _("Rating 1–5")
        NPS_0_10 = "nps_0_10", _("Likelihood to recommend 0–10")
        TEXT = "text", _("Free text")

    RANGES = {Kind.SCALE_1_5: (1, 5), Kind.NPS_0_10: (0, 10)}

    question_set = models.ForeignKey(SurveyQuestionSet, verbose_name=_("question set"),
                                     on_delete=models.PROTECT, related_name="questions")
    code = models.SlugField(_("code"), max_length=30,
                            help_text=_("A short name the statistics use, e.g. overall."))
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    label_zh = models.CharField(_("question (Chinese)"), max_length=300)
    label_en = models.CharField(_("question (English)"), max_length=300, blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    required = models.BooleanField(_("answer required"), default=True)
    is_active = models.BooleanField(_("asked"), default=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("survey question")
        verbose_name_plural = _("survey questions")
        ordering = ["order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["firm", "question_set", "code"],
                                    name="survey_question_code_unique"),
        ]
        indexes = [models.Index(fields=["firm", "question_set"], name="squestion_firm_set_idx")]

    def __str__(self):
        return self.label

    @property
    def label(self) -> str:
        return in_reader_language(self.label_zh, self.label_en)

    @property
    def range(self):
        return self.RANGES.get(self.kind)


class Survey(FirmOwned):
    """A satisfaction survey sent after delivery to the client's contacts (9.5). The
    questions are those the set asked when it was sent."""

    engagement = models.ForeignKey("engagements.Engagement", verbose_name=_("engagement"),
                                   on_delete=models.PROTECT, related_name="surveys")
    question_set = models.ForeignKey(SurveyQuestionSet, verbose_name=_("question set"),
                                     on_delete=models.PROTECT, related_name="+")
    questions = models.ManyToManyField(SurveyQuestion, verbose_name=_("questions"),
                                       related_name="+")
    sent_at = models.DateTimeField(_("sent at"), default=timezone.now)
    sent_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("sent by"),
                                on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("satisfaction survey")
        verbose_name_plural = _("satisfaction surveys")
        ordering = ["-sent_at", "-pk"]
        indexes = [models.Index(fields=["firm", "engagement"], name="survey_firm_eng_idx")]

    def __str__(self):
        return f"{_('Satisfaction survey')} {timezone.localtime(self.sent_at):%Y-%m-%d}"


class SurveyInvitation(FirmOwned):
    """One contact's link to a survey. Only the SHA-256 of the link's random token is
    stored (``token_hash``): the link cannot be rebuilt from the database, only re-issued
    (the reminder does so, which retires the earlier link). It works once, until
    ``expires_at``, without logging in."""

    survey = models.ForeignKey(Survey, verbose_name=_("survey"), on_delete=models.PROTECT,
                               related_name="invitations")
    contact = models.ForeignKey("clients.ClientContact", verbose_name=_("client contact"),
                                on_delete=models.PROTECT, related_name="+")
    email = models.EmailField(_("sent to"))
    token_hash = models.CharField(max_length=64, null=True, blank=True, editable=False)
    expires_at = models.DateTimeField(_("link expires at"))
    mailed_at = models.DateTimeField(_("mailed at"), null=True, blank=True, editable=False)
    reminder_sent_at = models.DateTimeField(_("reminder sent at"), null=True, blank=True,
                                            editable=False)
    used_at = models.DateTimeField(_("answered at"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("survey invitation")
        verbose_name_plural = _("survey invitations")
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["firm", "token_hash"], name="survey_token_unique"),
            models.UniqueConstraint(fields=["firm", "survey", "contact"],
                                    name="survey_contact_once"),
        ]
        indexes = [
            models.Index(fields=["firm", "survey"], name="sinvite_firm_survey_idx"),
            models.Index(fields=["firm", "used_at", "mailed_at"], name="sinvite_firm_open_idx"),
            # The one index not led by the firm: an anonymous visitor's link is looked up
            # by its hash before any firm is known (selectors.find_invitation).
            models.Index(fields=["token_hash"], name="sinvite_token_idx"),
        ]

    def __str__(self):
        return f"{self.contact} ({self.email})"

    @property
    def is_expired(self) -> bool:
        return timezone.now() >= self.expires_at

    @property
    def is_used(self) -> bool:
        return self.used_at is not None


class SurveyResponse(FirmOwned):
    """The answers given through one link: at most one per invitation."""

    invitation = models.ForeignKey(SurveyInvitation, verbose_name=_("invitation"),
                                   on_delete=models.PROTECT, related_name="responses")
    survey = models.ForeignKey(Survey, verbose_name=_("survey"), on_delete=models.PROTECT,
                               related_name="responses")
    engagement = models.ForeignKey("engagements.Engagement", verbose_name=_("engagement"),
                                   on_delete=models.PROTECT, related_name="survey_responses")
    contact = models.ForeignKey("clients.ClientContact", verbose_name=_("client contact"),
                                on_delete=models.PROTECT, related_name="+")
    submitted_at = models.DateTimeField(_("submitted at"), default=timezone.now)

    class Meta:
        verbose_name = _("survey response")
        verbose_name_plural = _("survey responses")
        ordering = ["-submitted_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["firm", "invitation"], name="one_response_per_link"),
        ]
        indexes = [models.Index(fields=["firm", "engagement"], name="sresponse_firm_eng_idx")]

    def __str__(self):
        return f"{self.contact} {timezone.localtime(self.submitted_at):%Y-%m-%d}"


class SurveyAnswer(FirmOwned):
    response = models.ForeignKey(SurveyResponse, verbose_name=_("response"),
                                 on_delete=models.PROTECT, related_name="answers")
    question = models.ForeignKey(SurveyQuestion, verbose_name=_("question"),
                                 on_delete=models.PROTECT, related_name="answers")
    score = models.SmallIntegerField(_("score"), null=True, blank=True)
    text = models.TextField(_("answer"), blank=True)

    class Meta:
        verbose_name = _("survey answer")
        verbose_name_plural = _("survey answers")
        ordering = ["question__order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["firm", "response", "question"],
                                    name="one_answer_per_question"),
            models.CheckConstraint(condition=models.Q(score__isnull=True)
                                   | models.Q(score__gte=0, score__lte=10),
                                   name="survey_score_range"),
        ]
        indexes = [models.Index(fields=["firm", "question"], name="sanswer_firm_question_idx")]

    def __str__(self):
        return str(self.score if self.score is not None else self.text[:40])


# -- reminders ----------------------------------------------------------------------------


class Reminder(FirmOwned):
    """An in-app reminder for a user, also sent by e-mail. ``key`` names what it is about
    (``visit:12:2``), so that the daily run never reminds anyone twice of the same thing."""

    class Kind(models.TextChoices):
        VISIT_DUE = "visit_due", _("Follow-up visit coming due")
        GUIDANCE_ENDING = "guidance_ending", _("Guidance period ending")
        COMPLAINT_OVERDUE = "complaint_overdue", _("Complaint step overdue")
        SURVEY_UNANSWERED = "survey_unanswered", _("Survey unanswered")
        QUALIFICATION_EXPIRING = "qualification_expiring", _("Qualification expiring")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("for"),
                             on_delete=models.PROTECT, related_name="reminders")
    kind = models.CharField(_("kind"), max_length=25, choices=Kind.choices)
    key = models.CharField(_("about"), max_length=100)
    text = models.CharField(_("text"), max_length=500)
    url = models.CharField(_("link"), max_length=300, blank=True)
    # what ``text`` says, as values: the reminder is shown in the reader's language
    # (``display_text``), whatever the language it was written in
    params = models.JSONField(_("values"), default=dict, blank=True, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    emailed_at = models.DateTimeField(_("e-mailed at"), null=True, blank=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["firm", "user", "kind", "key"],
                                    name="reminder_once"),
        ]
        indexes = [models.Index(fields=["firm", "user", "read_at"], name="reminder_firm_user_idx")]

    def __str__(self):
        return self.text

    @property
    def display_text(self) -> str:
        """The reminder in the active language (its stored ``text`` for a reminder made
        before its values were kept)."""
        return reminder_text(self.kind, self.params) or self.text


REMINDER_MESSAGES = {
    Reminder.Kind.VISIT_DUE: _("Follow-up visit %(n)s of %(of)s for %(number)s “%(title)s” "
                               "is due on %(day)s."),
    Reminder.Kind.GUIDANCE_ENDING: _("The guidance period of %(number)s “%(title)s” ends on "
                                     "%(day)s."),
    Reminder.Kind.COMPLAINT_OVERDUE: _("Complaint %(number)s is overdue: “%(step)s” was due "
                                       "by %(day)s."),
    Reminder.Kind.SURVEY_UNANSWERED: _("%(contact)s has not answered the satisfaction survey "
                                       "of %(number)s “%(title)s”; a reminder was sent."),
    Reminder.Kind.QUALIFICATION_EXPIRING: _("The certificate %(number)s of %(holder)s "
                                            "(%(kind)s) expires on %(day)s."),
}
# The complaint steps a reminder names (the msgids of feedback.services.STEP_LABELS).
_STEP_NAMES = {
    "acknowledge": _("acknowledge"), "assess": _("assess"), "investigate": _("investigate"),
    "respond": _("respond"), "close": _("close"), "escalate": _("escalate"),
    "receive": _("receive"),
}


def reminder_text(kind, params) -> str:
    """The text of a reminder of ``kind`` with ``params`` (dates as ISO strings, a
    complaint step or a certificate kind as its code), in the active language."""
    from django.utils.formats import date_format

    from consultancy.tenancy.models import Qualification

    message = REMINDER_MESSAGES.get(kind)
    if message is None or not params:
        return ""
    values = dict(params)
    if values.get("day"):
        try:
            values["day"] = date_format(datetime.date.fromisoformat(values["day"]))
        except ValueError:
            pass
    if "step" in values:
        values["step"] = _STEP_NAMES.get(values["step"], values["step"])
    if "kind" in values:
        try:
            values["kind"] = Qualification.Kind(values["kind"]).label
        except ValueError:
            pass
    try:
        return str(message) % values
    except (KeyError, TypeError, ValueError):
        return ""


# -- 9.5 the satisfaction statistics archive -----------------------------------------------


class SatisfactionReport(PeriodReport):
    """The statistics PDF of a period (9.5 "建立满意度调查统计档案")."""

    class Meta(PeriodReport.Meta):
        verbose_name = _("satisfaction statistics report")
        verbose_name_plural = _("satisfaction statistics reports")
        indexes = [models.Index(fields=["firm", "created_at"], name="satreport_firm_created_idx")]
        constraints = [
            models.CheckConstraint(condition=models.Q(period_from__lte=models.F("period_to")),
                                   name="satreport_period_order"),
        ]
