"""The admin of clauses 4–6: engagements, their audit trail and their records.

Every page is scoped to the manager's firm (``FirmScopedAdmin``). State changes go
through ``engagements.services`` as in every other entry point: an engagement is created
and updated by the services (number allocation, cross-firm checks), and a record by
``record_save`` / ``framework_save``. The stage is never a form field; transitions are
actions and buttons here that call ``services.engagement_transition`` (the same gates;
a refusal names the missing requirement codes). Records that met a passed stage's gate
are frozen: their pages are view-only and a change or a delete is refused with 403
before the model would refuse it.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _

from consultancy.tenancy.admin_site import (
    FirmScopedAdmin,
    FirmScopedInline,
    ReadOnlyAdminMixin,
    adopt_saved,
    require_own,
)

from . import gates, services
from .models import (
    CommunicationRecord,
    Engagement,
    ExchangeRecord,
    NeedsAssessment,
    ProjectFramework,
    ServiceType,
    SiteVisit,
    StageTransition,
)
from .stages import DECLINABLE, FORWARD, TERMINABLE, TRANSITION_LABELS, Stage

RECORD_SEARCH_FIELDS = ["engagement__number", "engagement__title", "engagement__client__name"]


# -- the engagement ----------------------------------------------------------------


class StageTransitionInline(FirmScopedInline, admin.TabularInline):
    """The engagement's audit trail, read-only."""

    model = StageTransition
    fields = ["at", "from_stage", "to_stage", "transition", "by", "note"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReasonForm(forms.Form):
    """Declining (clauses 5, 6, 7) or terminating (clauses 8, 9) needs a reason."""

    reason = forms.CharField(
        label=_("Reason"), widget=forms.Textarea(attrs={"rows": 4, "cols": 60}),
        help_text=_("Recorded in the engagement's transition history."),
    )

    def clean_reason(self):
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise ValidationError(_("A reason is required."))
        return reason


REASON_TRANSITIONS = ("decline", "terminate")


def transitions_for(engagement) -> list[str]:
    """The transitions the engagement's stage offers (the forward one first)."""
    names = [FORWARD[engagement.stage]] if engagement.stage in FORWARD else []
    if engagement.stage in DECLINABLE:
        names.append("decline")
    if engagement.stage in TERMINABLE:
        names.append("terminate")
    return names


class EngagementAdminForm(forms.ModelForm):
    """The service type is chosen by its code (the firm's list): the form starts on the
    engagement's own."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and "service_type" in self.fields:
            self.initial["service_type"] = self.instance.service_type.code


@admin.register(Engagement)
class EngagementAdmin(FirmScopedAdmin):
    """Clause 4: the engagement. The stage is read-only; it moves only by the actions
    and the buttons of the change page, which run ``services.engagement_transition``."""

    change_form_template = "admin/engagements/engagement/change_form.html"
    form = EngagementAdminForm
    actions = ["advance_stage", "decline", "terminate"]
    list_display = [
        "number", "title", "client", "service_type", "stage", "lead_consultant",
        "stage_entered_at",
    ]
    list_display_links = ["number", "title"]
    list_filter = ["stage", "service_type", "origin"]
    list_select_related = ["client", "lead_consultant", "service_type"]
    search_fields = ["number", "title", "client__name"]
    autocomplete_fields = ["client", "lead_consultant", "consultants"]
    date_hierarchy = "created_at"
    # The stage is a protected FSM field: only the services' transitions move it.
    exclude = ["stage"]
    # The opening date moves only through services.engagement_set_opened_on (a manager,
    # with a reason, logged): the engagement page's "change" link.
    readonly_fields = ["number", "opened_on", "stage", "stage_entered_at", "end_reason"]
    editable_fields = [
        "title", "client", "service_type", "origin", "lead_consultant", "consultants",
        "description",
    ]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == "service_type" and field is not None:
            # the firm's list (FirmScopedAdmin), by code; one no longer offered stays on the
            # engagements that name it
            field.to_field_name = "code"
            object_id = request.resolver_match.kwargs.get("object_id") if (
                request.resolver_match) else None
            current = Engagement.objects.filter(pk=object_id).values("service_type_id") if (
                object_id and str(object_id).isdigit()) else ServiceType.objects.none()
            from django.db.models import Q

            field.queryset = field.queryset.filter(Q(is_active=True) | Q(pk__in=current))
        return field

    def get_fields(self, request, obj=None):
        if obj is None:
            return list(self.editable_fields)
        return ["number", "opened_on", *self.editable_fields, "stage", "stage_entered_at",
                "end_reason"]

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if obj is not None and obj.stage != Stage.NEEDS_ANALYSIS:
            # engagement_update refuses a new client after the needs analysis.
            readonly.append("client")
        if obj is not None:
            # 6.1: the origin changes only during the needs analysis, with a reason, on the
            # engagement's edit page (engagement_update logs it); here it is read-only.
            readonly.append("origin")
        return readonly

    def get_inlines(self, request, obj):
        return [StageTransitionInline] if obj is not None else []

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if not change:
            created = services.engagement_create(
                firm=request.user.firm, by=request.user, client=data["client"],
                title=data["title"], service_type=data["service_type"],
                origin=data["origin"], lead_consultant=data["lead_consultant"],
                consultants=list(data.get("consultants") or []),
                description=data.get("description", ""),
            )
            # The admin goes on with the form's instance (log entry, redirect): make it
            # the engagement the service created.
            for name in ("id", "firm_id", "number", "stage_entered_at", "created_at",
                         "updated_at"):
                setattr(obj, name, getattr(created, name))
            obj._state.adding = False
            obj._state.db = created._state.db
            return
        fields = {
            name: value for name, value in data.items()
            if name in self.editable_fields and name != "consultants"
        }
        # A fresh copy: the form has already written its values onto ``obj``, and the
        # service compares the new client with the stored one.
        stored = self.get_queryset(request).get(pk=obj.pk)
        services.engagement_update(
            engagement=stored, by=request.user,
            consultants=list(data["consultants"]) if "consultants" in data else None,
            **fields,
        )

    def save_related(self, request, form, formsets, change):
        # The services set ``consultants`` (without the lead consultant); the form's
        # save_m2m() would overwrite that with the raw selection.
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    # -- transitions ---------------------------------------------------------------

    def run_transition(self, request, engagement, transition, **kwargs) -> bool:
        """One transition through the service; the outcome as an admin message."""
        try:
            services.engagement_transition(
                engagement=engagement, transition=transition, by=request.user, **kwargs)
        except services.TransitionRefused as exc:
            self.message_user(request, _("%(number)s: %(error)s") % {
                "number": engagement.number, "error": exc}, messages.ERROR)
            return False
        self.message_user(request, _("%(number)s is now at the stage “%(stage)s”.") % {
            "number": engagement.number, "stage": engagement.get_stage_display()},
            messages.SUCCESS)
        return True

    @admin.action(description=_("Move to the next stage (checks the gate)"))
    def advance_stage(self, request, queryset):
        for engagement in queryset.order_by("pk"):
            transition = FORWARD.get(engagement.stage)
            if transition is None:
                self.message_user(request, _("%(number)s: the stage “%(stage)s” has no next "
                                             "stage.") % {"number": engagement.number,
                                                          "stage": engagement.get_stage_display()},
                                  messages.ERROR)
                continue
            self.run_transition(request, engagement, transition,
                                expected_stage=engagement.stage)

    @admin.action(description=_("Decline (needs a reason)"))
    def decline(self, request, queryset):
        return self._reason_action(request, queryset, "decline")

    @admin.action(description=_("Terminate (needs a reason)"))
    def terminate(self, request, queryset):
        return self._reason_action(request, queryset, "terminate")

    def _reason_action(self, request, queryset, transition):
        """An intermediate page asks for the reason, then runs the transition on each."""
        engagements = list(queryset.select_related("client").order_by("pk"))
        form = ReasonForm(request.POST if "apply" in request.POST else None)
        if form.is_bound and form.is_valid():
            for engagement in engagements:
                self.run_transition(request, engagement, transition,
                                    reason=form.cleaned_data["reason"],
                                    expected_stage=engagement.stage)
            return None
        return self._reason_page(request, engagements, transition, form, action=True)

    def _reason_page(self, request, engagements, transition, form, *, action):
        context = {
            **self.admin_site.each_context(request),
            "title": TRANSITION_LABELS[transition],
            "opts": self.model._meta,
            "engagements": engagements,
            "transition": transition,
            "form": form,
            "action": action,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(
            request, "admin/engagements/engagement/transition_reason.html", context)

    def get_urls(self):
        return [
            path("<path:object_id>/transition/<str:transition>/",
                 self.admin_site.admin_view(self.transition_view),
                 name="engagements_engagement_transition"),
            *super().get_urls(),
        ]

    def transition_view(self, request, object_id, transition):
        """The buttons of the change page: POST runs the transition; decline and
        terminate first ask for the reason."""
        engagement = self.get_object(request, object_id)
        if engagement is None:
            raise Http404
        if not self.has_change_permission(request, engagement):
            raise PermissionDenied
        if transition not in TRANSITION_LABELS:
            raise Http404
        change_url = reverse("admin:engagements_engagement_change", args=[engagement.pk])
        if transition in REASON_TRANSITIONS:
            form = ReasonForm(request.POST if request.method == "POST" else None)
            if form.is_bound and form.is_valid():
                self.run_transition(request, engagement, transition,
                                    reason=form.cleaned_data["reason"],
                                    expected_stage=request.POST.get("expected_stage") or None)
                return redirect(change_url)
            return self._reason_page(request, [engagement], transition, form, action=False)
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        self.run_transition(request, engagement, transition,
                            expected_stage=request.POST.get("expected_stage") or None)
        return redirect(change_url)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = extra_context or {}
        engagement = self.get_object(request, object_id)
        if engagement is not None:
            extra_context["transition_buttons"] = [
                {"name": name, "label": TRANSITION_LABELS[name],
                 "url": reverse("admin:engagements_engagement_transition",
                                args=[engagement.pk, name]),
                 "needs_reason": name in REASON_TRANSITIONS}
                for name in transitions_for(engagement)
            ]
            extra_context["requirements"] = (
                gates.statuses(engagement) if engagement.stage in FORWARD else [])
            extra_context["current_stage"] = engagement.stage
        return super().change_view(request, object_id, form_url, extra_context)


@admin.register(StageTransition)
class StageTransitionAdmin(ReadOnlyAdminMixin, FirmScopedAdmin):
    """The audit trail: written only by ``engagement_transition``; here it is read."""

    list_display = ["engagement", "from_stage", "to_stage", "by", "at"]
    list_filter = ["to_stage", "from_stage"]
    list_select_related = ["engagement", "by"]
    search_fields = ["engagement__number", "engagement__title", "note"]
    date_hierarchy = "at"
    fields = ["engagement", "transition", "from_stage", "to_stage", "by", "at", "note"]
    readonly_fields = fields

    def delete_view(self, request, object_id, extra_context=None):
        # Another firm's row is a 404, as everywhere, before "you may not delete".
        require_own(self, request, object_id)
        return super().delete_view(request, object_id, extra_context)

    def history_view(self, request, object_id, extra_context=None):
        # The row is itself the audit: it has no simple-history table; show the admin log.
        require_own(self, request, object_id)
        return admin.ModelAdmin.history_view(self, request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        raise Http404


# -- the records of clauses 5 and 6 -----------------------------------------------


class FrozenRecordAdminMixin:
    """A record that met a passed stage's gate (``record.is_frozen``) is view-only.

    The change page renders as a view page; a POST to it, to its delete page or a bulk
    delete that includes it is refused with 403 (the admin never reaches the model's
    ``FrozenRecord``).
    """

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.is_frozen:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.is_frozen:
            return False
        return super().has_delete_permission(request, obj)


class EngagementRecordAdmin(FrozenRecordAdminMixin, FirmScopedAdmin):
    """The common admin of a clause 5–6 record: saved by ``services.record_save``."""

    record_fields = ["created_by", "created_at", "updated_at"]
    readonly_fields = record_fields
    list_select_related = ["engagement", "created_by"]
    search_fields = RECORD_SEARCH_FIELDS

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if obj is not None:
            readonly.insert(0, "engagement")  # a record does not move between engagements
        return readonly

    def get_fields(self, request, obj=None):
        fields = list(super().get_fields(request, obj))
        if "engagement" in fields:
            fields.remove("engagement")
            fields.insert(0, "engagement")
        return fields

    @admin.display(boolean=True, description=_("frozen"))
    def frozen(self, obj):
        return obj.is_frozen

    def m2m_data(self, form):
        return {
            f.name: list(form.cleaned_data[f.name])
            for f in form.instance._meta.many_to_many
            if f.name in form.cleaned_data
        }

    def save_model(self, request, obj, form, change):
        # On add the service gives the record its engagement's firm and ``created_by``.
        obj._history_user = request.user
        services.record_save(record=obj, by=request.user, m2m=self.m2m_data(form))

    def delete_model(self, request, obj):
        services.record_delete(record=obj, by=request.user)  # refuses a frozen record

    def save_related(self, request, form, formsets, change):
        # record_save has set the many-to-many fields.
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)


@admin.register(NeedsAssessment)
class NeedsAssessmentAdmin(EngagementRecordAdmin):
    list_display = ["engagement", "assessor", "assessed_on", "decision", "complete", "frozen"]
    list_filter = ["decision", "engagement__stage"]
    list_select_related = ["engagement", "assessor"]
    autocomplete_fields = ["engagement", "assessor"]
    date_hierarchy = "assessed_on"
    fieldsets = [
        (None, {"fields": ["engagement"]}),
        (_("Findings (clause 5)"), {"fields": [
            ("scope_finding", "scope_verdict"),
            ("capability_finding", "capability_verdict"),
            ("client_resources_finding", "client_resources_verdict"),
            ("risks_finding", "risks_verdict"),
            ("schedule_finding", "schedule_verdict"),
            ("budget_finding", "budget_verdict"),
            ("budget_min", "budget_max"),
            ("other_finding", "other_verdict"),
        ]}),
        (_("Measures and decision"), {"fields": [
            "measures", ("assessor", "assessed_on"), "decision", "decision_reasons",
        ]}),
        # 5: the manager's decision on a blocker is taken on the engagement's page
        # (services.needs_blocker_approve), shown here read-only.
        (_("A blocker: the manager's decision (clause 5)"), {"fields": [
            ("blocker_approved_by", "blocker_approved_at"), "blocker_approval_reason",
        ]}),
        (_("Record"), {"fields": EngagementRecordAdmin.record_fields}),
    ]
    readonly_fields = [*EngagementRecordAdmin.record_fields, "blocker_approved_by",
                       "blocker_approved_at", "blocker_approval_reason"]

    @admin.display(boolean=True, description=_("complete"))
    def complete(self, obj):
        return obj.is_complete


@admin.register(SiteVisit)
class SiteVisitAdmin(EngagementRecordAdmin):
    list_display = ["engagement", "visited_on", "need_exists", "created_by", "frozen"]
    list_filter = ["need_exists", "engagement__stage"]
    autocomplete_fields = ["engagement", "visitors"]
    date_hierarchy = "visited_on"


@admin.register(CommunicationRecord)
class CommunicationRecordAdmin(EngagementRecordAdmin):
    list_display = ["engagement", "held_on", "channel", "participants", "created_by", "frozen"]
    list_filter = ["channel", "engagement__stage"]
    search_fields = [*RECORD_SEARCH_FIELDS, "participants"]
    autocomplete_fields = ["engagement"]
    date_hierarchy = "held_on"


@admin.register(ExchangeRecord)
class ExchangeRecordAdmin(EngagementRecordAdmin):
    list_display = ["engagement", "held_on", "participants", "created_by", "frozen"]
    list_filter = ["engagement__stage"]
    search_fields = [*RECORD_SEARCH_FIELDS, "participants"]
    autocomplete_fields = ["engagement"]
    date_hierarchy = "held_on"


class ProjectFrameworkAdminForm(forms.ModelForm):
    # No Meta: the admin's modelform_factory gives it one (declaring the model here would
    # build the engagement choices at import time, outside any firm scope).

    def clean(self):
        cleaned = super().clean()
        engagement = cleaned.get("engagement")
        if self.instance.pk is None and engagement is not None:
            if engagement.has_passed(Stage.COMMUNICATION):
                raise forms.ValidationError(
                    _("The communication stage is passed; the framework is frozen.")
                )
            draft = ProjectFramework.objects.current_for(engagement)
            if draft is not None and not draft.is_confirmed:
                raise forms.ValidationError(
                    _("Version %(version)s of this engagement's framework is not confirmed "
                      "yet: change it instead of adding a new version.")
                    % {"version": draft.version}
                )
        return cleaned


@admin.register(ProjectFramework)
class ProjectFrameworkAdmin(EngagementRecordAdmin):
    """A confirmed version is frozen; a change is a new version (``framework_save``).
    The confirmation is the client's act, recorded by ``framework_confirm`` in the UI or
    the portal, so it is read-only here."""

    form = ProjectFrameworkAdminForm
    list_display = [
        "engagement", "version", "budget", "confirmed_by", "confirmed_on", "created_by",
        "frozen",
    ]
    list_filter = ["engagement__stage"]
    list_select_related = ["engagement", "confirmed_by", "created_by"]
    autocomplete_fields = ["engagement"]
    framework_fields = ["objectives", "scope", "approach", "timetable", "budget"]
    readonly_fields = [
        "version", "confirmed_by", "confirmed_on", "confirmation_recorded_by",
        "shown_to_client_at", *EngagementRecordAdmin.record_fields,
    ]

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["engagement", *self.framework_fields]
        return ["engagement", "version", *self.framework_fields, "shown_to_client_at",
                "confirmed_by", "confirmed_on", "confirmation_recorded_by",
                *EngagementRecordAdmin.record_fields]

    def save_model(self, request, obj, form, change):
        if change and ProjectFramework.objects.filter(
                pk=obj.pk, shown_to_client_at__isnull=True).exists():
            return super().save_model(request, obj, form, change)
        # A new framework, or a change of the version the client has seen: framework_save
        # (which makes the change a new version).
        created = services.framework_save(
            engagement=obj.engagement if change else form.cleaned_data["engagement"],
            by=request.user,
            **{name: form.cleaned_data[name] for name in self.framework_fields},
        )
        for name in ("id", "firm_id", "version", "created_by_id", "created_at", "updated_at"):
            setattr(obj, name, getattr(created, name))
        obj._state.adding = False
        obj._state.db = created._state.db


@admin.register(ServiceType)
class ServiceTypeAdmin(FirmScopedAdmin):
    """The firm's list of service types (seeded with the common ones), saved through
    ``service_type_save``. A type in use is not deleted: stop offering it."""

    list_display = ["name", "name_en", "code", "position", "is_active"]
    fields = ["name", "name_en", "code", "position", "is_active"]
    ordering = ["position", "pk"]
    search_fields = ["name", "name_en", "code"]

    def save_model(self, request, obj, form, change):
        firm = obj.firm if change else request.user.firm
        stored = ServiceType.objects.get(pk=obj.pk) if change else None
        saved = services.service_type_save(firm=firm, by=request.user, service_type=stored,
                                           **form.cleaned_data)
        adopt_saved(obj, saved, ["code"])

    def delete_model(self, request, obj):
        services.service_type_delete(service_type=obj, by=request.user)
