from django.contrib import admin

from consultancy.tenancy.admin_site import FirmScopedAdmin, FirmScopedInline

from .models import Client, ClientContact


class ClientContactInline(FirmScopedInline, admin.TabularInline):
    model = ClientContact
    fields = ["name", "position", "phone", "email", "user", "is_active"]
    autocomplete_fields = ["user"]
    extra = 0
    show_change_link = True


@admin.register(Client)
class ClientAdmin(FirmScopedAdmin):
    list_display = ["name", "uscc", "industry", "size", "phone"]
    list_filter = ["industry", "size"]
    search_fields = ["name", "uscc", "address"]

    def get_inlines(self, request, obj):
        # Inline rows are saved by FirmScopedAdmin.save_formset, which gives them the firm.
        return [ClientContactInline] if obj is not None else []


@admin.register(ClientContact)
class ClientContactAdmin(FirmScopedAdmin):
    list_display = ["name", "client", "position", "phone", "email", "user", "is_active"]
    list_filter = ["is_active"]
    list_select_related = ["client", "user"]
    search_fields = ["name", "email", "phone", "client__name"]
    autocomplete_fields = ["client", "user"]
