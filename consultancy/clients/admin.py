"""The admin of clients and their people. Saves go through ``clients.services``; a
contact's portal login is given by the invitation on the staff pages (the client's page),
never picked here. Clients and contacts are not deleted (no service deletes them: a
contact leaves by being made inactive)."""

from django.contrib import admin

from consultancy.tenancy.admin_site import FirmScopedAdmin, FirmScopedInline, adopt_saved

from . import services
from .models import Client, ClientContact

CONTACT_FIELDS = ["name", "position", "phone", "email", "is_active"]


class ClientContactInline(FirmScopedInline, admin.TabularInline):
    model = ClientContact
    fields = [*CONTACT_FIELDS, "user"]
    readonly_fields = ["user"]
    extra = 0
    show_change_link = True
    can_delete = False  # a contact leaves the record by being made inactive

    def get_queryset(self, request):
        # the read-only portal login of every row, in the rows' query (issue 19: one query
        # per contact otherwise)
        return super().get_queryset(request).select_related("user")


@admin.register(Client)
class ClientAdmin(FirmScopedAdmin):
    list_display = ["name", "uscc", "industry", "size", "phone"]
    list_filter = ["industry", "size"]
    search_fields = ["name", "uscc", "address"]

    def get_inlines(self, request, obj):
        return [ClientContactInline] if obj is not None else []

    def save_model(self, request, obj, form, change):
        if change:
            services.client_update(client=obj, by=request.user, **form.cleaned_data)
            return
        adopt_saved(obj, services.client_create(firm=request.user.firm, by=request.user,
                                                **form.cleaned_data))

    def save_formset(self, request, form, formset, change):
        for row in formset.forms:
            if not row.cleaned_data:
                continue  # an empty extra row
            contact = row.instance if row.instance.pk else None
            if contact is not None and not row.has_changed():
                continue
            fields = {name: row.cleaned_data[name] for name in CONTACT_FIELDS
                      if name in row.cleaned_data}
            if contact is None:
                services.client_contact_create(firm=form.instance.firm, client=form.instance,
                                               by=request.user, **fields)
            else:
                services.client_contact_update(contact=contact, by=request.user, **fields)


@admin.register(ClientContact)
class ClientContactAdmin(FirmScopedAdmin):
    list_display = ["name", "client", "position", "phone", "email", "user", "is_active"]
    list_filter = ["is_active"]
    list_select_related = ["client", "user"]
    search_fields = ["name", "email", "phone", "client__name"]
    autocomplete_fields = ["client"]
    readonly_fields = ["user"]

    def save_model(self, request, obj, form, change):
        fields = {name: value for name, value in form.cleaned_data.items() if name != "client"}
        if change:
            services.client_contact_update(contact=obj, by=request.user, **fields)
            return
        adopt_saved(obj, services.client_contact_create(
            firm=request.user.firm, client=form.cleaned_data["client"], by=request.user,
            **fields))
