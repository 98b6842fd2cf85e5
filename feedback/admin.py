"""The admin of evaluation and clause 9, scoped to the manager's firm (``FirmScopedAdmin``).

Changes go through ``feedback.services`` as in every other entry point. The client's
verdicts, complaint steps, surveys, their links and answers, and reminders are written
by the services and read here; a complaint's status is never a form field (its steps are
taken in the browser UI). Records that met a passed stage's gate are view-only, as in
``engagements.admin``.
"""

from django.contrib import admin
from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from consultancy.tenancy.admin_site import (
    FirmScopedAdmin,
    FirmScopedInline,
    ReadOnlyAdminMixin,
    ReadOnlyInline,
    adopt_saved,
)
from engagements.admin import RECORD_SEARCH_FIELDS, FrozenRecordAdminMixin
from engagements.services import record_delete

from . import services
from .models import (
    LIMIT_STEPS,
    ClientAcceptance,
    Complaint,
    ComplaintAction,
    ComplaintCause,
    ComplaintNotice,
    ComplaintReply,
    ComplaintReport,
    ComplaintStep,
    FeedbackSettings,
    FollowUpGuidance,
    FollowUpVisit,
    ObjectiveReview,
    OutcomeReview,
    Reminder,
    SatisfactionReport,
    Survey,
    SurveyAnswer,
    SurveyInvitation,
    SurveyQuestion,
    SurveyQuestionSet,
    SurveyResponse,
)

RECORD_FIELDS = ["created_by", "created_at", "updated_at"]


def _adopt(obj, saved, names):
    """The admin goes on with the form's instance (log entry, redirect): make it the row
    the service saved."""
    for name in ("id", "firm_id", *names):
        setattr(obj, name, getattr(saved, name))
    obj._state.adding = False
    obj._state.db = saved._state.db


# -- evaluation ---------------------------------------------------------------------------


@admin.register(ClientAcceptance)
class ClientAcceptanceAdmin(FrozenRecordAdminMixin, FirmScopedAdmin):
    """A verdict is the client's act: added through ``acceptance_record``, never changed
    (a later verdict is a new row)."""

    list_display = ["engagement", "verdict", "contact", "accepted_on", "created_by", "created_at"]
    list_filter = ["verdict", "engagement__stage"]
    list_select_related = ["engagement", "contact", "created_by"]
    search_fields = [*RECORD_SEARCH_FIELDS, "contact__name", "reasons"]
    autocomplete_fields = ["engagement"]
    date_hierarchy = "accepted_on"
    fields = ["engagement", "contact", "accepted_on", "verdict", "reasons", *RECORD_FIELDS]
    readonly_fields = RECORD_FIELDS

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        saved = services.acceptance_record(
            engagement=data["engagement"], by=request.user, contact=data["contact"],
            accepted_on=data["accepted_on"], verdict=data["verdict"], reasons=data["reasons"])
        _adopt(obj, saved, ["created_by_id", "created_at", "updated_at"])


class ObjectiveReviewInline(FirmScopedInline, admin.TabularInline):
    model = ObjectiveReview
    fields = ["order", "objective", "verdict", "evidence"]
    extra = 0

    def _open(self, obj):
        return obj is None or not obj.is_frozen

    def has_add_permission(self, request, obj=None):
        return self._open(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return self._open(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self._open(obj) and super().has_delete_permission(request, obj)


class RecordAdmin(FrozenRecordAdminMixin, FirmScopedAdmin):
    readonly_fields = RECORD_FIELDS
    list_select_related = ["engagement", "created_by"]
    search_fields = RECORD_SEARCH_FIELDS

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if obj is not None:
            readonly.insert(0, "engagement")
        return readonly

    @admin.display(boolean=True, description=_("frozen"))
    def frozen(self, obj):
        return obj.is_frozen

    def delete_model(self, request, obj):
        record_delete(record=obj, by=request.user)  # refuses a frozen record


@admin.register(OutcomeReview)
class OutcomeReviewAdmin(RecordAdmin):
    ordering = ["-reviewed_on", "-pk"]
    list_display = ["engagement", "reviewed_on", "reviewer", "objective_count", "frozen"]
    list_filter = ["engagement__stage"]
    list_select_related = ["engagement", "reviewer"]
    autocomplete_fields = ["engagement"]
    date_hierarchy = "reviewed_on"
    fields = ["engagement", "reviewed_on", "reviewer", "conclusion", *RECORD_FIELDS]
    inlines = [ObjectiveReviewInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(n_objectives=Count("objectives"))

    @admin.display(description=_("objectives"), ordering="n_objectives")
    def objective_count(self, obj):
        return obj.n_objectives

    def save_model(self, request, obj, form, change):
        pass  # saved with its objectives by review_save (save_related)

    def save_related(self, request, form, formsets, change):
        """The review and its objectives in one ``review_save``: the evaluation stage, the
        reviewer of the firm's staff, a verdict and evidence for every objective."""
        data = form.cleaned_data
        rows = []
        for formset in formsets:
            rows += [row.cleaned_data for row in formset.forms
                     if row.cleaned_data and not row.cleaned_data.get("DELETE")]
        rows.sort(key=lambda r: r.get("order") or 0)
        engagement = form.instance.engagement if change else data["engagement"]
        saved = services.review_save(
            engagement=engagement, by=request.user, reviewer=data["reviewer"],
            reviewed_on=data["reviewed_on"], conclusion=data.get("conclusion", ""),
            objectives=[{name: row.get(name) for name in ("objective", "verdict", "evidence")}
                        for row in rows])
        _adopt(form.instance, saved, ["created_by_id", "created_at", "updated_at"])


@admin.register(ObjectiveReview)
class ObjectiveReviewAdmin(ReadOnlyAdminMixin, FirmScopedAdmin):
    """Read here; changed with its review."""

    list_display = ["review", "objective", "verdict"]
    list_filter = ["verdict"]
    list_select_related = ["review__engagement"]
    search_fields = ["objective", "evidence", "review__engagement__number"]


# -- 9.1 to 9.3 ---------------------------------------------------------------------------


@admin.register(FollowUpGuidance)
class FollowUpGuidanceAdmin(RecordAdmin):
    list_display = ["engagement", "given_on", "given_by", "channel", "topic", "frozen"]
    list_filter = ["channel", "engagement__stage"]
    list_select_related = ["engagement", "given_by"]
    search_fields = [*RECORD_SEARCH_FIELDS, "topic", "advice"]
    autocomplete_fields = ["engagement"]
    date_hierarchy = "given_on"
    fields = ["engagement", "given_on", "given_by", "channel", "topic", "advice", *RECORD_FIELDS]

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        engagement = obj.engagement if change else data["engagement"]
        saved = services.follow_up_guidance_save(
            engagement=engagement, by=request.user, given_on=data["given_on"],
            given_by=data["given_by"], channel=data["channel"], topic=data["topic"],
            advice=data["advice"], guidance=obj if change else None)
        _adopt(obj, saved, ["created_by_id", "created_at", "updated_at"])


@admin.register(FollowUpVisit)
class FollowUpVisitAdmin(RecordAdmin):
    list_display = ["engagement", "visited_on", "plan_needs_adjusting", "has_site_changes",
                    "plan_version", "frozen"]
    list_filter = ["plan_needs_adjusting", "engagement__stage"]
    search_fields = [*RECORD_SEARCH_FIELDS, "discussed", "site_changes"]
    autocomplete_fields = ["engagement"]
    filter_horizontal = ["visitors"]
    date_hierarchy = "visited_on"
    fields = ["engagement", "visited_on", "visitors", "client_participants", "discussed",
              "plan_needs_adjusting", "adjustment_notes", "site_changes", "plan_version",
              *RECORD_FIELDS]
    readonly_fields = ["plan_version", *RECORD_FIELDS]

    @admin.display(boolean=True, description=_("site changes"))
    def has_site_changes(self, obj):
        return bool(obj.site_changes)

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        engagement = obj.engagement if change else data["engagement"]
        saved = services.follow_up_visit_save(
            engagement=engagement, by=request.user, visited_on=data["visited_on"],
            visitors=list(data["visitors"]), discussed=data["discussed"],
            plan_needs_adjusting=data["plan_needs_adjusting"],
            site_changes=data["site_changes"], adjustment_notes=data["adjustment_notes"],
            client_participants=data["client_participants"], visit=obj if change else None)
        _adopt(obj, saved, ["created_by_id", "created_at", "updated_at", "plan_version_id"])

    def save_related(self, request, form, formsets, change):
        # follow_up_visit_save has set the visitors.
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)


# -- settings -----------------------------------------------------------------------------


@admin.register(FeedbackSettings)
class FeedbackSettingsAdmin(FirmScopedAdmin):
    list_display = ["__str__", "survey_required", "acknowledge_days", "assess_days",
                    "investigate_days", "respond_days", "close_days"]
    fieldsets = [
        (_("Satisfaction survey (9.5)"), {"fields": [
            "survey_required", "survey_link_valid_days", "survey_reminder_after_days"]}),
        (_("Complaint time limits (9.4)"), {"fields": [
            "working_days", "acknowledge_days", "assess_days", "investigate_days",
            "respond_days", "close_days"]}),
        (_("Follow-up (9.1, 9.2)"), {"fields": ["visit_reminder_days"]}),
    ]

    def save_model(self, request, obj, form, change):
        saved = services.feedback_settings_update(
            firm=obj.firm if change else request.user.firm, by=request.user,
            **form.cleaned_data)
        adopt_saved(obj, saved)

    def has_add_permission(self, request, *args):
        # One per firm.
        return super().has_add_permission(request, *args) and not self.get_queryset(
            request).exists()

    def has_delete_permission(self, request, obj=None):
        return False


# -- 9.4 complaints -----------------------------------------------------------------------


class ComplaintStepInline(ReadOnlyInline):
    model = ComplaintStep
    fields = ["on", "at", "step", "from_status", "to_status", "by", "note"]


class ComplaintActionInline(ReadOnlyInline):
    model = ComplaintAction
    fields = ["kind", "description", "owner", "due_on", "done_on", "done_note", "verified_by",
              "verified_on", "verification", "plan_version"]


class ComplaintNoticeInline(ReadOnlyInline):
    model = ComplaintNotice
    fields = ["kind", "created_at", "email", "language", "sent_at"]


class ComplaintReplyInline(ReadOnlyInline):
    model = ComplaintReply
    fields = ["at", "contact", "accepts", "handling_rating", "comment"]


@admin.register(Complaint)
class ComplaintAdmin(FirmScopedAdmin):
    """Complaints are entered through ``complaint_receive`` (numbering, cross-firm checks)
    and moved only by the step services; here they are read, with their steps."""

    list_display = ["number", "received_on", "complainant_name", "engagement", "safety_related",
                    "severity", "cause", "status", "due_on", "overdue"]
    list_display_links = ["number", "complainant_name"]
    list_filter = ["status", "safety_related", "severity", "cause", "channel"]
    list_select_related = ["engagement", "cause"]
    search_fields = ["number", "complainant_name", "description", "engagement__number",
                     "engagement__title"]
    autocomplete_fields = ["engagement"]
    date_hierarchy = "received_on"
    intake_fields = ["received_on", "channel", "complainant_name", "complainant_contact",
                     "contact", "engagement", "description", "remedy_sought", "safety_related"]
    step_fields = ["status", "status_changed_at", "due_on", "limits_contract",
                   "limits_working_days", "acknowledge_limit_days", "respond_limit_days",
                   "acknowledge_due_on", "assess_due_on", "investigate_due_on", "respond_due_on",
                   "close_due_on", "acknowledgement", "acknowledged_on", "severity", "cause",
                   "assessment", "assessed_on", "findings", "investigated_on", "decision",
                   "responded_on", "first_responded_on", "complainant_acceptance", "closed_on",
                   "escalated_to", "escalation_reason", "escalated_on", "no_action_reason",
                   "no_action_by", "no_action_on"]
    inlines = [ComplaintStepInline, ComplaintActionInline, ComplaintNoticeInline,
               ComplaintReplyInline]

    def get_fields(self, request, obj=None):
        if obj is None:
            return list(self.intake_fields)
        return ["number", *self.intake_fields, *self.step_fields, "received_by", "created_at"]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        return self.get_fields(request, obj)

    def get_inlines(self, request, obj):
        return self.inlines if obj is not None else []

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(boolean=True, description=_("overdue"))
    def overdue(self, obj):
        return obj.is_overdue

    def save_model(self, request, obj, form, change):
        if change:
            return  # every field is read-only
        data = form.cleaned_data
        saved = services.complaint_receive(
            firm=request.user.firm, by=request.user,
            **{name: data[name] for name in self.intake_fields})
        _adopt(obj, saved, ["number", "status_changed_at", "due_on", "received_by_id",
                            "created_at", *[f"{step}_due_on" for step in LIMIT_STEPS],
                            "acknowledge_limit_days", "respond_limit_days",
                            "limits_working_days", "limits_contract_id"])

    def save_related(self, request, form, formsets, change):
        pass  # no inline is editable


@admin.register(ComplaintCause)
class ComplaintCauseAdmin(FirmScopedAdmin):
    """9.4: the firm's list of complaint causes (seeded with the default seven), saved
    through ``complaint_cause_save``. A cause in use is not deleted: stop offering it."""

    list_display = ["name", "name_en", "order", "is_active"]
    fields = ["name", "name_en", "order", "is_active"]
    ordering = ["order", "pk"]

    def save_model(self, request, obj, form, change):
        firm = obj.firm if change else request.user.firm
        stored = ComplaintCause.objects.get(pk=obj.pk) if change else None
        saved = services.complaint_cause_save(firm=firm, by=request.user, cause=stored,
                                              **form.cleaned_data)
        _adopt(obj, saved, ["name", "name_en", "order", "is_active"])

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ComplaintAction)
class ComplaintActionAdmin(ReadOnlyAdminMixin, FirmScopedAdmin):
    """9.4: the corrective and preventive actions (taken on the complaint's page)."""

    list_display = ["complaint", "kind", "description", "owner", "due_on", "done_on",
                    "verified_on"]
    list_filter = ["kind"]
    list_select_related = ["complaint", "owner"]
    search_fields = ["complaint__number", "description"]
    date_hierarchy = "due_on"


@admin.register(ComplaintNotice)
class ComplaintNoticeAdmin(ReadOnlyAdminMixin, FirmScopedAdmin):
    """9.4: the notices the complainants were sent."""

    list_display = ["complaint", "kind", "created_at", "email", "sent_at"]
    list_filter = ["kind"]
    list_select_related = ["complaint"]
    search_fields = ["complaint__number", "email"]


@admin.register(ComplaintReply)
class ComplaintReplyAdmin(ReadOnlyAdminMixin, FirmScopedAdmin):
    """9.4: the complainants' replies to the answers, given in the client portal."""

    list_display = ["complaint", "contact", "at", "accepts", "handling_rating"]
    list_filter = ["accepts", "handling_rating"]
    list_select_related = ["complaint", "contact"]
    search_fields = ["complaint__number", "comment"]


@admin.register(ComplaintReport)
class ComplaintReportAdmin(ReadOnlyAdminMixin, FirmScopedAdmin):
    """9.4: the complaint analysis reports managers requested."""

    list_display = ["__str__", "period_from", "period_to", "group_by", "requested_by",
                    "created_at", "document"]
    list_select_related = ["requested_by", "document"]


@admin.register(ComplaintStep)
class ComplaintStepAdmin(ReadOnlyAdminMixin, FirmScopedAdmin):
    list_display = ["complaint", "step", "from_status", "to_status", "by", "at"]
    list_filter = ["step", "to_status"]
    list_select_related = ["complaint", "by"]
    search_fields = ["complaint__number", "note"]
    date_hierarchy = "at"


# -- 9.5 satisfaction surveys -------------------------------------------------------------


class SurveyQuestionInline(FirmScopedInline, admin.TabularInline):
    model = SurveyQuestion
    fields = ["order", "code", "kind", "label_zh", "label_en", "required", "is_active"]
    extra = 0


@admin.register(SurveyQuestionSet)
class SurveyQuestionSetAdmin(FirmScopedAdmin):
    """The firm's questions (the set is seeded with the default questions when the firm is
    created). An answered question cannot be deleted: make it inactive instead."""

    list_display = ["name", "updated_at"]
    fields = ["name"]
    readonly_fields = ["name"]
    inlines = [SurveyQuestionInline]

    def save_model(self, request, obj, form, change):
        pass  # the set itself is not edited; its questions are saved by save_formset

    def has_add_permission(self, request, *args):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_formset(self, request, form, formset, change):
        """The questions through ``survey_question_edit`` (an answered one keeps its
        wording and kind); an answered question is not deleted."""
        fields = SurveyQuestionInline.fields
        for row in formset.forms:
            if not row.cleaned_data:
                continue  # an empty extra row
            stored = row.instance if row.instance.pk else None
            if row.cleaned_data.get("DELETE"):
                if stored is not None:
                    services.survey_question_delete(question=stored, by=request.user)
                continue
            if stored is not None and not row.has_changed():
                continue
            if stored is not None:
                stored = SurveyQuestion.objects.get(pk=stored.pk)  # as stored, not as posted
            services.survey_question_edit(
                firm=request.user.firm, by=request.user, question=stored,
                **{name: row.cleaned_data[name] for name in fields if name in row.cleaned_data})


@admin.register(SurveyQuestion)
class SurveyQuestionAdmin(FirmScopedAdmin):
    list_display = ["label_zh", "code", "kind", "order", "required", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["code", "label_zh", "label_en"]
    fields = ["order", "code", "kind", "label_zh", "label_en", "required", "is_active"]

    def has_add_permission(self, request, *args):
        return False  # added in the question set

    def save_model(self, request, obj, form, change):
        # The question-set page's rules (9.5): an answered question keeps its wording.
        data = {name: form.cleaned_data[name] for name in self.fields}
        stored = self.get_queryset(request).get(pk=obj.pk)
        services.survey_question_edit(firm=request.user.firm, by=request.user, question=stored,
                                      **data)

    def delete_model(self, request, obj):
        services.survey_question_delete(question=obj, by=request.user)


class SurveyInvitationInline(ReadOnlyInline):
    model = SurveyInvitation
    fields = ["contact", "email", "expires_at", "mailed_at", "reminder_sent_at", "used_at"]


@admin.register(Survey)
class SurveyAdmin(ReadOnlyAdminMixin, FirmScopedAdmin):
    list_display = ["engagement", "sent_at", "sent_by", "invitation_count", "response_count"]
    ordering = ["-sent_at", "-pk"]
    list_select_related = ["engagement", "sent_by"]
    search_fields = ["engagement__number", "engagement__title", "engagement__client__name"]
    date_hierarchy = "sent_at"
    fields = ["engagement", "question_set", "sent_at", "sent_by"]
    inlines = [SurveyInvitationInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(
            n_invitations=Count("invitations", distinct=True),
            n_responses=Count("responses", distinct=True))

    @admin.display(description=_("links"), ordering="n_invitations")
    def invitation_count(self, obj):
        return obj.n_invitations

    @admin.display(description=_("answers"), ordering="n_responses")
    def response_count(self, obj):
        return obj.n_responses


@admin.register(SurveyInvitation)
class SurveyInvitationAdmin(ReadOnlyAdminMixin, FirmScopedAdmin):
    """The token's hash is never shown."""

    list_display = ["survey", "contact", "email", "mailed_at", "reminder_sent_at", "used_at",
                    "expires_at"]
    list_select_related = ["survey__engagement", "contact"]
    search_fields = ["email", "contact__name", "survey__engagement__number"]
    fields = ["survey", "contact", "email", "expires_at", "mailed_at", "reminder_sent_at",
              "used_at"]


class SurveyAnswerInline(ReadOnlyInline):
    model = SurveyAnswer
    fields = ["question", "score", "text"]


@admin.register(SurveyResponse)
class SurveyResponseAdmin(ReadOnlyAdminMixin, FirmScopedAdmin):
    list_display = ["engagement", "contact", "submitted_at"]
    list_select_related = ["engagement", "contact"]
    search_fields = ["engagement__number", "engagement__title", "contact__name"]
    date_hierarchy = "submitted_at"
    fields = ["engagement", "survey", "invitation", "contact", "submitted_at"]
    inlines = [SurveyAnswerInline]


@admin.register(SurveyAnswer)
class SurveyAnswerAdmin(ReadOnlyAdminMixin, FirmScopedAdmin):
    list_display = ["response", "question", "score", "text"]
    list_select_related = ["response__engagement", "response__contact", "question"]
    list_filter = ["question__code"]
    search_fields = ["text", "response__engagement__number"]


# -- reminders ----------------------------------------------------------------------------


@admin.register(Reminder)
class ReminderAdmin(ReadOnlyAdminMixin, FirmScopedAdmin):
    list_display = ["created_at", "user", "kind", "text", "emailed_at", "read_at"]
    list_filter = ["kind"]
    list_select_related = ["user"]
    search_fields = ["text", "key", "user__full_name", "user__email"]
    date_hierarchy = "created_at"


@admin.register(SatisfactionReport)
class SatisfactionReportAdmin(ReadOnlyAdminMixin, FirmScopedAdmin):
    """9.5: the statistics reports managers requested (made on the statistics page)."""

    list_display = ["__str__", "period_from", "period_to", "group_by", "requested_by",
                    "created_at", "document"]
    list_filter = ["group_by"]
    list_select_related = ["requested_by", "document"]
    search_fields = ["requested_by__full_name"]
    date_hierarchy = "created_at"
    fields = ["period_from", "period_to", "group_by", "requested_by", "created_at", "document"]
