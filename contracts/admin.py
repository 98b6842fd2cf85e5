"""The admin of clause 7. Contracts are drafted, issued and signed in the browser UI
(``contracts.services``); here managers read them, and only a draft may be changed or
deleted. A signed contract is view-only; its change is an amendment."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from consultancy.tenancy.admin_site import (
    FirmScopedAdmin,
    FirmScopedInline,
    ReadOnlyAdminMixin,
    adopt_saved,
)

from . import services
from .clauses import CLAUSES, clause_field
from .models import (
    Contract,
    ContractTemplate,
    Deliverable,
    DocumentSystemRequirement,
    PaymentInstallment,
)


class ContractPartInline(FirmScopedInline, admin.TabularInline):
    extra = 0

    def _draft(self, obj):
        return obj is not None and obj.status == Contract.Status.DRAFT

    def has_add_permission(self, request, obj=None):
        return self._draft(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return self._draft(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self._draft(obj) and super().has_delete_permission(request, obj)


class DeliverableInline(ContractPartInline):
    model = Deliverable
    fields = ["order", "category", "title", "due_date"]


class PaymentInstallmentInline(ContractPartInline):
    model = PaymentInstallment
    fields = ["order", "description", "amount", "due_date"]


@admin.register(Contract)
class ContractAdmin(FirmScopedAdmin):
    list_display = ["number", "engagement", "version", "status", "fee", "start_date", "end_date",
                    "client_signed_on"]
    list_filter = ["status"]
    list_select_related = ["engagement"]
    search_fields = ["number", "engagement__number", "engagement__title",
                     "engagement__client__name"]
    inlines = [DeliverableInline, PaymentInstallmentInline]
    readonly_fields = ["engagement", "number", "version", "status", "amends", "issued_at",
                       "issued_by", "issued_pdf_sha256", "firm_signatory", "firm_signed_on",
                       "client_signatory", "client_signed_on", "signed_copy",
                       "signed_copy_sha256", "signed_recorded_by", "signed_recorded_at",
                       "termination_reason", "created_by", "created_at"]
    fieldsets = [
        (None, {"fields": ["engagement", "number", "version", "status", "amends"]}),
        (_("Clauses (clause 7)"), {"fields": [clause_field(k) for k, _n in CLAUSES]}),
        (_("Terms"), {"fields": ["fee", "start_date", "end_date", "personnel",
                                 "guidance_period_days", "guidance_sessions",
                                 "follow_up_visits"]}),
        (_("Issue and signature"), {"fields": [
            "issued_at", "issued_by", "issued_pdf_sha256", "firm_signatory", "firm_signed_on",
            "client_signatory", "client_signed_on", "signed_copy", "signed_copy_sha256",
            "signed_recorded_by", "signed_recorded_at", "termination_reason"]}),
    ]
    filter_horizontal = ["personnel"]

    def has_add_permission(self, request):
        return False  # drafted from the engagement's contract page

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.status != Contract.Status.DRAFT:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.status != Contract.Status.DRAFT:
            return False
        return super().has_delete_permission(request, obj)

    def save_model(self, request, obj, form, change):
        pass  # saved with its deliverables and payments by contract_update (save_related)

    def save_related(self, request, form, formsets, change):
        """The draft, its parts and its personnel in one ``contract_update``: under the
        row lock, refusing a contract issued meanwhile, refilling the clauses' term
        placeholders (clause 7)."""
        data = form.cleaned_data
        parts = {}
        for formset in formsets:
            rows = [
                {name: row.cleaned_data[name] for name in formset.form.base_fields
                 if name in row.cleaned_data and name not in ("id", "DELETE", "contract")}
                for row in formset.forms
                if row.cleaned_data and not row.cleaned_data.get("DELETE")
            ]
            key = "deliverables" if formset.model is Deliverable else "installments"
            parts[key] = sorted(rows, key=lambda r: r.get("order") or 0)
        for rows in parts.values():
            for row in rows:
                row.pop("order", None)  # the service numbers the parts in this order
        services.contract_update(
            contract=form.instance, by=request.user,
            personnel=list(data["personnel"]) if "personnel" in data else None,
            **{name: value for name, value in data.items() if name != "personnel"},
            **parts)

    def delete_model(self, request, obj):
        services.contract_delete_draft(contract=obj, by=request.user)


@admin.register(ContractTemplate)
class ContractTemplateAdmin(FirmScopedAdmin):
    list_display = ["__str__", "updated_at"]
    fieldsets = [(name, {"fields": [clause_field(k), clause_field(k) + "_en"]})
                 for k, name in CLAUSES]

    def has_add_permission(self, request):
        # One per firm, created with the default text on first use.
        return False

    def save_model(self, request, obj, form, change):
        services.contract_template_update(firm=obj.firm, by=request.user, **form.cleaned_data)

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Deliverable)
class DeliverableAdmin(ReadOnlyAdminMixin, FirmScopedAdmin):
    """Clause 7 deliverables: changed with their draft contract (its inline), read here."""

    list_display = ["title", "contract", "category", "due_date"]
    list_filter = ["category", "contract__status"]
    list_select_related = ["contract"]
    search_fields = ["title", "contract__number", "contract__engagement__number"]
    date_hierarchy = "due_date"


@admin.register(PaymentInstallment)
class PaymentInstallmentAdmin(ReadOnlyAdminMixin, FirmScopedAdmin):
    """Clause 7 payment terms: changed with their draft contract (its inline), read here."""

    list_display = ["description", "contract", "amount", "due_date"]
    list_filter = ["contract__status"]
    list_select_related = ["contract"]
    search_fields = ["description", "contract__number", "contract__engagement__number"]


@admin.register(DocumentSystemRequirement)
class DocumentSystemRequirementAdmin(FirmScopedAdmin):
    """8.5.1: which document system each service type requires among the contract's
    deliverables (the firm's mapping, seeded); saved and removed through the services."""

    list_display = ["service_type", "category"]
    list_filter = ["service_type", "category"]
    list_select_related = ["service_type"]
    fields = ["service_type", "category"]
    ordering = ["service_type__position", "category"]

    def save_model(self, request, obj, form, change):
        firm = obj.firm if change else request.user.firm
        stored = DocumentSystemRequirement.objects.get(pk=obj.pk) if change else None
        saved = services.document_system_save(firm=firm, by=request.user, row=stored,
                                              **form.cleaned_data)
        adopt_saved(obj, saved)

    def delete_model(self, request, obj):
        services.document_system_delete(row=obj, by=request.user)

    def delete_queryset(self, request, queryset):
        for row in queryset:
            services.document_system_delete(row=row, by=request.user)
