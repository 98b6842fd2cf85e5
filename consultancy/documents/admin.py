"""Generated PDFs, read-only: rendered by the worker, never changed by hand (their SHA-256
is what was handed out)."""

from django.contrib import admin

from consultancy.tenancy.admin_site import FirmScopedAdmin, ReadOnlyAdminMixin

from .models import GeneratedDocument


@admin.register(GeneratedDocument)
class GeneratedDocumentAdmin(ReadOnlyAdminMixin, FirmScopedAdmin):
    list_display = ["__str__", "kind", "status", "pages", "size", "requested_by", "requested_at",
                    "rendered_at"]
    list_filter = ["kind", "status"]
    list_select_related = ["requested_by"]
    search_fields = ["kind", "sha256", "requested_by__full_name"]
    date_hierarchy = "requested_at"
    exclude = ["owner_type"]
