from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, ReadOnlyPasswordHashField
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from . import security, services
from .admin_site import (
    FirmScopedAdmin,
    ServiceAdminMixin,
    adopt_saved,
    is_platform_operator,
    refuse_history_revert,
    require_own,
)
from .forms import checked_initial_password, unused_email
from .models import Firm, Qualification, QualificationKind, SubmissionToken, User


class FirmCreationForm(forms.ModelForm):
    """A new firm and its first manager (who then adds the rest of the staff)."""

    manager_full_name = forms.CharField(label=_("First manager: full name"), max_length=100)
    manager_email = forms.EmailField(label=_("First manager: e-mail address"),
                                     help_text=_("The manager logs in with this address."))
    manager_password = forms.CharField(
        label=_("First manager: initial password"), required=False,
        widget=forms.PasswordInput,
        help_text=_("Optional. Leave empty and the manager sets one with “forgot password”."))

    class Meta:
        model = Firm
        fields = ["name", "short_name", "uscc", "address", "phone"]

    def clean_manager_email(self):
        return unused_email(self.cleaned_data["manager_email"])

    def clean_manager_password(self):
        return checked_initial_password(self.cleaned_data.get("manager_password"))


@admin.register(Firm)
class FirmAdmin(ServiceAdminMixin, admin.ModelAdmin):
    """Only platform operators reach this (managers lack the firm permissions). A firm is
    opened with its first manager."""

    list_display = ["name", "short_name", "uscc", "manager_names", "staff_count", "created_at"]
    search_fields = ["name", "short_name", "uscc"]
    fields = ["name", "short_name", "uscc", "address", "phone"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(
            n_staff=Count("users", filter=Q(users__role__in=["manager", "consultant"],
                                            users__is_active=True)))

    @admin.display(description=_("active staff"), ordering="n_staff")
    def staff_count(self, obj):
        return obj.n_staff

    @admin.display(description=_("managers"))
    def manager_names(self, obj):
        return ", ".join(u.full_name for u in obj.managers)

    def get_changelist_instance(self, request):
        changelist = super().get_changelist_instance(request)
        firms = list(changelist.result_list)
        managers = {}
        for user in User.objects.filter(firm__in=firms, role=User.Role.MANAGER).order_by(
                "full_name"):
            managers.setdefault(user.firm_id, []).append(user)
        for firm in firms:
            firm.managers = managers.get(firm.pk, [])
        changelist.result_list = firms
        return changelist

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = FirmCreationForm
            kwargs["fields"] = [*self.fields, "manager_full_name", "manager_email",
                                "manager_password"]
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            return [
                (None, {"fields": self.fields}),
                (_("First manager"), {"fields": ["manager_full_name", "manager_email",
                                                 "manager_password"]}),
            ]
        return super().get_fieldsets(request, obj)

    def save_model(self, request, obj, form, change):
        if change:
            return super().save_model(request, obj, form, change)
        data = form.cleaned_data
        firm, _manager = services.firm_create(
            by=request.user, manager_email=data["manager_email"],
            manager_full_name=data["manager_full_name"],
            manager_password=data.get("manager_password") or None,
            **{name: data[name] for name in self.fields})
        obj.pk, obj.created_at = firm.pk, firm.created_at
        obj._state.adding = False
        obj._state.db = firm._state.db

    def has_delete_permission(self, request, obj=None):
        return False  # a firm's records are protected; a firm is never deleted here


class UserCreationForm(AdminUserCreationForm):
    class Meta:
        model = User
        fields = ["email", "full_name", "role"]


class UserChangeForm(forms.ModelForm):
    # Shown, never posted: a password is changed through its own page (or the holder's
    # "forgot password"), never by typing a hash here.
    password = ReadOnlyPasswordHashField(label=_("Password"))

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
class UserAdmin(ServiceAdminMixin, DjangoUserAdmin, SimpleHistoryAdmin):
    """Managers add staff and contacts of their own firm, set roles, deactivate leavers.

    Nobody is deleted here: a person who signed, visited or approved something stays on
    record (their rows are protected); deactivate instead.

    A manager's saves go through the staff services (``staff_create``, ``staff_update``,
    ``staff_deactivate``, ``staff_reactivate``), as on the staff pages. A client contact's
    login is given and taken by their contact record on the client's page (the portal
    invitation), so it is view-only here. The platform operator (no firm) saves the model.
    """

    add_form = UserCreationForm
    form = UserChangeForm
    actions = ["deactivate_leavers", "unlock_logins"]
    ordering = ["full_name"]
    list_display = ["full_name", "email", "role", "firm", "is_active", "login_locked",
                    "last_login"]
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
        qs = super().get_queryset(request).annotate(
            login_failures=security.recent_login_failures())
        if is_platform_operator(request):
            return qs
        return qs.filter(firm_id=request.user.firm_id)

    @admin.display(description=_("login locked"), boolean=True)
    def login_locked(self, obj):
        return security.failures_lock(obj.login_failures)

    def formfield_for_choice_field(self, db_field, request, **kwargs):
        if db_field.name == "role" and not is_platform_operator(request):
            # A manager gives staff roles; a client contact's login comes with its contact.
            kwargs["choices"] = [c for c in User.Role.choices if c[0] in services.STAFF_ROLES]
        return super().formfield_for_choice_field(db_field, request, **kwargs)

    def has_change_permission(self, request, obj=None):
        if (obj is not None and obj.role not in services.STAFF_ROLES
                and not is_platform_operator(request)):
            return False  # a client contact's login: changed with its contact
        return super().has_change_permission(request, obj)

    def save_model(self, request, obj, form, change):
        if is_platform_operator(request):
            obj._history_user = request.user
            return super().save_model(request, obj, form, change)
        data = form.cleaned_data
        if not change:
            saved = services.staff_create(
                firm=request.user.firm, by=request.user, email=data["email"],
                full_name=data["full_name"], role=data["role"],
                password=data.get("password1") if data.get("set_usable_password") else None)
            adopt_saved(obj, saved, ["password"])
            return
        stored = User.objects.get(pk=obj.pk)  # as stored: the form has written onto obj
        fields = {name: data[name] for name in ("email", "full_name", "phone", "language",
                                                "role") if name in data}
        services.staff_update(user=stored, by=request.user, **fields)
        if "is_active" in data and data["is_active"] != stored.is_active:
            act = services.staff_reactivate if data["is_active"] else services.staff_deactivate
            act(user=stored, by=request.user)

    def save_related(self, request, form, formsets, change):
        if is_platform_operator(request):
            super().save_related(request, form, formsets, change)
        # A manager's form has no groups or permissions: nothing else to save.

    def has_delete_permission(self, request, obj=None):
        return False

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        if obj is None or obj.pk != request.user.pk or is_platform_operator(request):
            return form

        class OwnAccountForm(form):
            """A manager's own account: they keep their role and stay active (the firm
            keeps a manager; another manager deactivates a leaver)."""

            def clean(self):
                cleaned = super().clean()
                if "role" in cleaned and cleaned["role"] != obj.role:
                    self.add_error("role", _("You cannot change your own role."))
                if cleaned.get("is_active") is False:
                    self.add_error("is_active", _("You cannot deactivate yourself."))
                return cleaned

        return OwnAccountForm

    @admin.action(description=_("Deactivate the selected leavers (they stay on record)"))
    def deactivate_leavers(self, request, queryset):
        """Through ``services.staff_deactivate`` (not yourself; the firm keeps a manager)."""
        for user in queryset.order_by("pk"):
            try:
                if user.role in services.STAFF_ROLES and not is_platform_operator(request):
                    services.staff_deactivate(user=user, by=request.user)
                elif user.pk == request.user.pk:
                    raise ValidationError(_("You cannot deactivate yourself."))
                elif not is_platform_operator(request):
                    raise ValidationError(_("A client contact's portal login is ended on "
                                            "their contact's page (make the contact "
                                            "inactive)."))
                else:
                    user.is_active = False
                    user._history_user = request.user
                    user.save(update_fields=["is_active"])
            except ValidationError as exc:
                self.message_user(request, f"{user}: {' '.join(exc.messages)}", messages.ERROR)
            else:
                self.message_user(request, _("%(name)s is deactivated.") % {"name": user},
                                  messages.SUCCESS)

    @admin.action(description=_("Unlock the selected accounts (locked after failed logins)"))
    def unlock_logins(self, request, queryset):
        """Lift the login lock (security.unlock); the queryset is the manager's firm's
        users, every user for the platform operator."""
        for user in queryset.order_by("pk"):
            security.unlock(user)
        self.message_user(request, _("The selected accounts can log in again."),
                          messages.SUCCESS)

    def _get_obj_does_not_exist_redirect(self, request, opts, object_id):
        raise Http404

    def delete_view(self, request, object_id, extra_context=None):
        require_own(self, request, object_id)
        return super().delete_view(request, object_id, extra_context)

    def user_change_password(self, request, id, form_url=""):
        require_own(self, request, id)
        return super().user_change_password(request, id, form_url)

    def history_view(self, request, object_id, extra_context=None):
        require_own(self, request, object_id)
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        return refuse_history_revert(self, request, object_id, version_id) or super().history_form_view(
            request, object_id, version_id, extra_context
        )


@admin.register(QualificationKind)
class QualificationKindAdmin(FirmScopedAdmin):
    """8.1.1: the firm's list of kinds of qualification (seeded with the usual ones), each
    marked safety-related or not; saved through ``qualification_kind_save`` (who decided
    is recorded). A kind in use is not deleted: stop offering it."""

    list_display = ["name", "name_en", "safety_related", "is_rse", "is_active", "decided_by",
                    "decided_at", "order"]
    list_filter = ["safety_related", "is_active"]
    fields = ["name", "name_en", "safety_related", "order", "is_active"]
    readonly_fields = []
    ordering = ["order", "pk"]

    def get_queryset(self, request):
        if request.user.firm_id is not None:
            services.qualification_kinds_for(request.user.firm)
        return super().get_queryset(request)

    def save_model(self, request, obj, form, change):
        firm = obj.firm if change else request.user.firm
        stored = QualificationKind.objects.get(pk=obj.pk) if change else None
        saved = services.qualification_kind_save(firm=firm, by=request.user, kind=stored,
                                                 **form.cleaned_data)
        adopt_saved(obj, saved)

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Qualification)
class QualificationAdmin(FirmScopedAdmin):
    list_display = ["holder", "qualification_kind", "level", "specialty", "number",
                    "valid_from", "valid_until"]
    list_filter = ["kind", "qualification_kind__safety_related", "specialty", "level"]
    list_select_related = ["holder", "qualification_kind"]
    exclude = ["kind"]
    search_fields = ["number", "holder__full_name", "name"]
    autocomplete_fields = ["holder"]
    date_hierarchy = "valid_until"

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == "holder" and not is_platform_operator(request):
            field.queryset = field.queryset.filter(
                firm_id=request.user.firm_id, role__in=[User.Role.MANAGER, User.Role.CONSULTANT]
            )
        if db_field.name == "qualification_kind" and not is_platform_operator(request):
            field.queryset = QualificationKind.objects.filter(firm_id=request.user.firm_id)
        return field

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        fields = {name: data[name] for name in services.QUALIFICATION_FIELDS if name in data}
        firm = obj.firm if change else request.user.firm
        stored = Qualification.objects.get(pk=obj.pk) if change else None
        saved = services.qualification_save(firm=firm, by=request.user, holder=data["holder"],
                                            qualification=stored, **fields)
        adopt_saved(obj, saved)

    def delete_model(self, request, obj):
        services.qualification_delete(qualification=obj, by=request.user)


@admin.register(SubmissionToken)
class SubmissionTokenAdmin(FirmScopedAdmin):
    """The used one-time form tokens (``tenancy.once``): to look at, never to write."""

    list_display = ["created_at", "user", "location"]
    list_select_related = ["user"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request, *args):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
