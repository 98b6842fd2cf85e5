from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from .admin_site import FirmScopedAdmin, is_platform_operator, refuse_history_revert
from .models import Firm, Qualification, User


@admin.register(Firm)
class FirmAdmin(admin.ModelAdmin):
    """Only platform operators reach this (managers lack the firm permissions)."""

    list_display = ["name", "short_name", "uscc", "created_at"]
    search_fields = ["name", "short_name", "uscc"]


class UserCreationForm(AdminUserCreationForm):
    class Meta:
        model = User
        fields = ["email", "full_name", "role"]


class UserChangeForm(forms.ModelForm):
    class Meta:
        model = User
        fields = [
            "email",
            "full_name",
            "phone",
            "language",
            "password",
            "firm",
            "role",
            "is_active",
            "is_superuser",
        ]


@admin.register(User)
class UserAdmin(DjangoUserAdmin, SimpleHistoryAdmin):
    """Managers add staff and contacts of their own firm, set roles, deactivate leavers.

    Nobody is deleted here: a person who signed, visited or approved something stays on
    record (their rows are protected); deactivate instead.
    """

    add_form = UserCreationForm
    form = UserChangeForm
    ordering = ["full_name"]
    list_display = ["full_name", "email", "role", "firm", "is_active", "last_login"]
    list_filter = ["role", "is_active"]
    list_select_related = ["firm"]
    search_fields = ["full_name", "email", "phone"]
    readonly_fields = ["last_login", "date_joined"]
    add_fieldsets = [
        (
            None,
            {
                "classes": ["wide"],
                "fields": [
                    "email",
                    "full_name",
                    "role",
                    "usable_password",
                    "password1",
                    "password2",
                ],
            },
        ),
    ]

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            fieldsets = list(self.add_fieldsets)
            if is_platform_operator(request):
                fieldsets.append((_("Firm"), {"fields": ["firm"]}))
            return fieldsets
        personal = ["email", "full_name", "phone", "language", "password"]
        access = ["role", "is_active"]
        if is_platform_operator(request):
            access = ["firm", "role", "is_active", "is_superuser"]
        return [
            (None, {"fields": personal}),
            (_("Access"), {"fields": access}),
            (_("Dates"), {"fields": ["last_login", "date_joined"]}),
        ]

    def get_list_filter(self, request):
        if is_platform_operator(request):
            return ["firm", "role", "is_active"]
        return self.list_filter

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        if is_platform_operator(request):
            return qs
        return qs.filter(firm_id=request.user.firm_id)

    def formfield_for_choice_field(self, db_field, request, **kwargs):
        if db_field.name == "role" and not is_platform_operator(request):
            kwargs["choices"] = [c for c in User.Role.choices if c[0] != User.Role.OPERATOR]
        return super().formfield_for_choice_field(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        if not is_platform_operator(request):
            obj.firm_id = request.user.firm_id
            obj.is_superuser = False
        super().save_model(request, obj, form, change)

    def has_delete_permission(self, request, obj=None):
        return False

    def _get_obj_does_not_exist_redirect(self, request, opts, object_id):
        raise Http404

    def delete_view(self, request, object_id, extra_context=None):
        if not self.get_queryset(request).filter(pk=object_id).exists():
            raise Http404
        return super().delete_view(request, object_id, extra_context)

    def user_change_password(self, request, id, form_url=""):
        if not self.get_queryset(request).filter(pk=id).exists():
            raise Http404
        return super().user_change_password(request, id, form_url)

    def history_view(self, request, object_id, extra_context=None):
        if not self.get_queryset(request).filter(pk=object_id).exists():
            raise Http404
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        return refuse_history_revert(self, request, object_id) or super().history_form_view(
            request, object_id, version_id, extra_context
        )


@admin.register(Qualification)
class QualificationAdmin(FirmScopedAdmin):
    list_display = ["holder", "kind", "level", "specialty", "number", "valid_from", "valid_until"]
    list_filter = ["kind", "specialty", "level"]
    list_select_related = ["holder"]
    search_fields = ["number", "holder__full_name", "name"]
    autocomplete_fields = ["holder"]
    date_hierarchy = "valid_until"

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == "holder" and not is_platform_operator(request):
            field.queryset = field.queryset.filter(
                firm_id=request.user.firm_id, role__in=[User.Role.MANAGER, User.Role.CONSULTANT]
            )
        return field
