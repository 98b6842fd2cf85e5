"""The admin of clause 8, scoped to the manager's firm (``FirmScopedAdmin``).

Clause 8 records are written in the browser UI through ``delivery.services`` (the
qualification check of 8.1.1, plan versions and their approval, issue and confirmation
of 8.3, risk scoring of 8.4, document delivery and the client's acknowledgement of 8.5).
Those services hold rules a plain admin form would bypass, so here the records are
listed, searched, filtered and read (with their change history), never changed. The
firm's risk level thresholds (8.4) are the one editable row.
"""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from consultancy.tenancy.admin_site import (
    FirmScopedAdmin,
    ReadOnlyAdminMixin,
    ReadOnlyInline,
    adopt_saved,
)
from engagements.admin import RECORD_SEARCH_FIELDS

from . import services
from .models import (
    ConsultingPlan,
    DocumentDelivery,
    DocumentVersion,
    GuidanceLog,
    PlanMilestone,
    PlanReview,
    ProgressReport,
    ProjectDocument,
    ResearchAttachment,
    ResourceResearch,
    RiskItem,
    RiskSettings,
    RseJustification,
    SiteResearch,
    SiteUnit,
    SpecialtyFit,
    TeamMember,
)

RECORD_FIELDS = ["created_by", "created_at", "updated_at"]


class DeliveryRecordAdmin(ReadOnlyAdminMixin, FirmScopedAdmin):
    """A clause 8 record: read here, written by the services in the browser UI."""

    list_select_related = ["engagement", "created_by"]
    search_fields = RECORD_SEARCH_FIELDS
    list_filter = ["engagement__stage"]

    @admin.display(boolean=True, description=_("frozen"))
    def frozen(self, obj):
        return obj.is_frozen


# -- 8.1 research ---------------------------------------------------------------------


class ResearchAttachmentInline(ReadOnlyInline):
    model = ResearchAttachment
    fields = ["file", "caption", "uploaded_by", "uploaded_at"]


@admin.register(SiteResearch)
class SiteResearchAdmin(DeliveryRecordAdmin):
    list_display = ["engagement", "researched_on", "location", "created_by", "frozen"]
    search_fields = [*RECORD_SEARCH_FIELDS, "location", "collected"]
    date_hierarchy = "researched_on"
    inlines = [ResearchAttachmentInline]


@admin.register(ResearchAttachment)
class ResearchAttachmentAdmin(ReadOnlyAdminMixin, FirmScopedAdmin):
    list_display = ["research", "caption", "uploaded_by", "uploaded_at"]
    list_select_related = ["research", "uploaded_by"]
    search_fields = ["caption", "research__location", "research__engagement__number"]
    date_hierarchy = "uploaded_at"


@admin.register(ResourceResearch)
class ResourceResearchAdmin(DeliveryRecordAdmin):
    list_display = ["engagement", "researched_on", "created_by", "frozen"]
    search_fields = [*RECORD_SEARCH_FIELDS, "resources_needed", "findings"]
    date_hierarchy = "researched_on"


# -- 8.2 the joint working group ------------------------------------------------------


@admin.register(TeamMember)
class TeamMemberAdmin(DeliveryRecordAdmin):
    list_display = ["engagement", "side", "user", "contact", "role", "frozen"]
    list_filter = ["side", "engagement__stage"]
    list_select_related = ["engagement", "created_by", "user", "contact"]
    search_fields = [*RECORD_SEARCH_FIELDS, "role", "user__full_name", "contact__name"]


# -- 8.3 the consulting plan ----------------------------------------------------------


class PlanMilestoneInline(ReadOnlyInline):
    model = PlanMilestone
    fields = ["title", "due_date"]


@admin.register(ConsultingPlan)
class ConsultingPlanAdmin(DeliveryRecordAdmin):
    list_display = ["engagement", "version", "approved_on", "issued_at", "confirmed_by",
                    "confirmed_on", "after_delivery", "frozen"]
    list_filter = ["after_delivery", "engagement__stage"]
    list_select_related = ["engagement", "created_by", "confirmed_by"]
    date_hierarchy = "created_at"
    inlines = [PlanMilestoneInline]


@admin.register(SpecialtyFit)
class SpecialtyFitAdmin(FirmScopedAdmin):
    """8.2.2: which RSE specialties fit clients of each industry (the firm's mapping,
    seeded with the usual one); saved and removed through the services."""

    list_display = ["industry", "specialty"]
    list_filter = ["industry", "specialty"]
    fields = ["industry", "specialty"]
    ordering = ["industry", "specialty"]

    def get_queryset(self, request):
        if request.user.firm_id is not None:
            services.specialty_fits_for(request.user.firm)
        return super().get_queryset(request)

    def save_model(self, request, obj, form, change):
        firm = obj.firm if change else request.user.firm
        stored = SpecialtyFit.objects.get(pk=obj.pk) if change else None
        saved = services.specialty_fit_save(firm=firm, by=request.user, fit=stored,
                                            **form.cleaned_data)
        adopt_saved(obj, saved)

    def delete_model(self, request, obj):
        services.specialty_fit_delete(fit=obj, by=request.user)

    def delete_queryset(self, request, queryset):
        for fit in queryset:
            services.specialty_fit_delete(fit=fit, by=request.user)


@admin.register(RseJustification)
class RseJustificationAdmin(DeliveryRecordAdmin):
    list_display = ["engagement", "holder", "created_by", "created_at", "frozen"]
    list_select_related = ["engagement", "created_by", "holder"]
    search_fields = [*RECORD_SEARCH_FIELDS, "experience", "holder__full_name"]


@admin.register(PlanReview)
class PlanReviewAdmin(ReadOnlyAdminMixin, FirmScopedAdmin):
    """8.3.1: the working group's discussions that passed the plan versions (recorded with
    the approval on the plan page; never changed)."""

    list_display = ["plan", "engagement", "reviewed_on", "approved_by", "recorded_by"]
    list_select_related = ["plan", "engagement", "approved_by", "recorded_by"]
    search_fields = ["engagement__number", "conclusion"]
    date_hierarchy = "reviewed_on"


@admin.register(PlanMilestone)
class PlanMilestoneAdmin(ReadOnlyAdminMixin, FirmScopedAdmin):
    list_display = ["title", "plan", "due_date"]
    list_select_related = ["plan"]
    search_fields = ["title", "plan__engagement__number"]
    date_hierarchy = "due_date"


# -- 8.4 guidance, risks, progress ----------------------------------------------------


@admin.register(GuidanceLog)
class GuidanceLogAdmin(DeliveryRecordAdmin):
    list_display = ["engagement", "given_on", "given_by", "topic", "frozen"]
    list_select_related = ["engagement", "created_by", "given_by"]
    search_fields = [*RECORD_SEARCH_FIELDS, "topic", "advice"]
    date_hierarchy = "given_on"


@admin.register(RiskSettings)
class RiskSettingsAdmin(FirmScopedAdmin):
    """The firm's risk level thresholds (8.4): a score above a threshold reaches its level."""

    list_display = ["__str__", "lec_major", "lec_large", "lec_general", "ls_major", "ls_large",
                    "ls_general"]
    fieldsets = [
        (_("LEC method"), {"fields": ["lec_major", "lec_large", "lec_general"]}),
        (_("LS method"), {"fields": ["ls_major", "ls_large", "ls_general"]}),
    ]

    def save_model(self, request, obj, form, change):
        saved = services.risk_settings_update(
            firm=obj.firm if change else request.user.firm, by=request.user,
            **form.cleaned_data)
        adopt_saved(obj, saved)

    def has_add_permission(self, request, *args):
        # One per firm, created with the defaults on first use.
        return super().has_add_permission(request, *args) and not self.get_queryset(
            request).exists()

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(SiteUnit)
class SiteUnitAdmin(DeliveryRecordAdmin):
    list_display = ["name", "engagement", "description", "frozen"]
    search_fields = [*RECORD_SEARCH_FIELDS, "name"]


@admin.register(RiskItem)
class RiskItemAdmin(DeliveryRecordAdmin):
    list_display = ["engagement", "unit", "activity", "accident_type", "method", "score",
                    "level", "control_level", "identified_on", "frozen"]
    list_filter = ["level", "method", "accident_type", "control_level", "engagement__stage"]
    list_select_related = ["engagement", "created_by", "unit"]
    search_fields = [*RECORD_SEARCH_FIELDS, "unit__name", "location", "activity", "hazard"]
    date_hierarchy = "identified_on"


@admin.register(ProgressReport)
class ProgressReportAdmin(DeliveryRecordAdmin):
    list_display = ["engagement", "period_start", "period_end", "shared_at", "frozen"]
    search_fields = [*RECORD_SEARCH_FIELDS, "work_done"]
    date_hierarchy = "period_end"


# -- 8.5 documents and their delivery -------------------------------------------------


class DocumentVersionInline(ReadOnlyInline):
    model = DocumentVersion
    fields = ["version", "file", "note", "uploaded_by", "uploaded_at"]


@admin.register(ProjectDocument)
class ProjectDocumentAdmin(DeliveryRecordAdmin):
    list_display = ["title", "engagement", "category", "deliverable", "frozen"]
    list_filter = ["category", "engagement__stage"]
    list_select_related = ["engagement", "created_by", "deliverable"]
    search_fields = [*RECORD_SEARCH_FIELDS, "title"]
    inlines = [DocumentVersionInline]


@admin.register(DocumentVersion)
class DocumentVersionAdmin(ReadOnlyAdminMixin, FirmScopedAdmin):
    list_display = ["document", "version", "note", "uploaded_by", "uploaded_at"]
    list_select_related = ["document", "uploaded_by"]
    search_fields = ["document__title", "note", "document__engagement__number"]
    date_hierarchy = "uploaded_at"


@admin.register(DocumentDelivery)
class DocumentDeliveryAdmin(ReadOnlyAdminMixin, FirmScopedAdmin):
    list_display = ["version", "engagement", "delivered_on", "delivered_by", "acknowledged_by",
                    "acknowledged_on"]
    list_filter = ["engagement__stage"]
    list_select_related = ["version__document", "engagement", "delivered_by", "acknowledged_by"]
    search_fields = ["version__document__title", *RECORD_SEARCH_FIELDS]
    date_hierarchy = "delivered_on"
