"""The admin: managers run their firm here, scoped to it; platform operators manage firms."""

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import ForeignKey
from django.http import Http404, HttpResponseRedirect
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin
from simple_history.models import DeletedObject, ModelChange, ModelDelta
from simple_history.utils import get_m2m_reverse_field_name

from consultancy.refusals import Refusal

from .security import AdminLoginForm


class ConsultancyAdminSite(admin.AdminSite):
    site_header = _("Safety Consulting Workbench · administration")
    site_title = _("Administration")
    index_title = _("Firm administration")
    login_form = AdminLoginForm  # says so when the account is locked (tenancy.security)

    def has_permission(self, request):
        user = request.user
        return user.is_active and (user.is_superuser or user.is_manager)


def is_platform_operator(request) -> bool:
    return request.user.is_superuser and request.user.firm_id is None


def limit_to_firm(request, queryset):
    """Choices in an admin form: only the manager's firm's rows (and users)."""
    if is_platform_operator(request):
        return queryset
    if any(f.name == "firm" for f in queryset.model._meta.concrete_fields):
        return queryset.filter(firm_id=request.user.firm_id)
    return queryset


class FirmChoicesMixin:
    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if field is not None and hasattr(field, "queryset"):
            field.queryset = limit_to_firm(request, field.queryset)
        return field

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        field = super().formfield_for_manytomany(db_field, request, **kwargs)
        if field is not None and hasattr(field, "queryset"):
            field.queryset = limit_to_firm(request, field.queryset)
        return field


class FirmScopedInline(FirmChoicesMixin):
    """Mix into an inline: its rows and choices are the firm's. It is writable only when
    its parent's admin saves it through a service (:meth:`FirmScopedAdmin.save_formset`)."""

    def get_queryset(self, request):
        return limit_to_firm(request, super().get_queryset(request))

    def _saved_by_parent(self):
        parent = self.admin_site._registry.get(self.parent_model)
        return parent is not None and (parent.writes_through_service("save_formset")
                                       or parent.writes_through_service("save_related"))

    def has_add_permission(self, request, obj=None):
        return self._saved_by_parent() and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return self._saved_by_parent() and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self._saved_by_parent() and super().has_delete_permission(request, obj)


def refusal_text(exc) -> str:
    """A service's refusal as one line of text."""
    if isinstance(exc, Refusal):
        return str(exc.message)
    return " ".join(str(m) for m in exc.messages)


class ServiceAdminMixin:
    """One write path: a writable admin saves and deletes through its app's services
    (``save_model``, ``save_formset``, ``delete_model`` call them). A refusal they raise
    (a :class:`Refusal` or a ``ValidationError``) rolls the whole save back and is the
    admin's error message, on the page it came from; never a 500.

    A bulk delete deletes row by row through ``delete_model``.
    """

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except (Refusal, ValidationError) as exc:
            return self.refused(request, exc)

    def delete_view(self, request, object_id, extra_context=None):
        try:
            return super().delete_view(request, object_id, extra_context)
        except (Refusal, ValidationError) as exc:
            return self.refused(request, exc)

    def changelist_view(self, request, extra_context=None):
        try:
            with transaction.atomic():
                return super().changelist_view(request, extra_context)
        except (Refusal, ValidationError) as exc:
            return self.refused(request, exc)

    def construct_change_message(self, request, form, formsets, add=False):
        # A formset saved by a service (or not at all) has no record of saved objects.
        for formset in formsets:
            for name in ("new_objects", "changed_objects", "deleted_objects"):
                if not hasattr(formset, name):
                    setattr(formset, name, [])
        return super().construct_change_message(request, form, formsets, add)

    def delete_queryset(self, request, queryset):
        for obj in queryset.order_by("pk"):
            self.delete_model(request, obj)

    def refused(self, request, exc):
        self.message_user(request, refusal_text(exc), messages.ERROR)
        return HttpResponseRedirect(request.get_full_path())


def adopt_saved(obj, saved, names=()):
    """The admin goes on with the form's instance (log entry, redirect) after a service
    created the row: make the instance that row."""
    for name in ("id", "firm_id", *names):
        setattr(obj, name, getattr(saved, name))
    obj._state.adding = False
    obj._state.db = saved._state.db


class FirmScopedAdmin(ServiceAdminMixin, FirmChoicesMixin, SimpleHistoryAdmin):
    """Every firm-owned model's admin: rows, choices and new objects of the manager's firm.

    Another firm's object is a 404 (never the admin's "perhaps it was deleted" redirect,
    which would confirm that the id exists).
    """

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        if is_platform_operator(request):
            return qs
        return qs.filter(firm_id=request.user.firm_id)

    # One write path, failing closed: the admin's own writes (the model's ``save()`` and
    # ``delete()``) would go past the services, so an admin adds or changes rows only when
    # it names its service (its own ``save_model``), deletes them only through its own
    # ``delete_model``, and an inline is writable only when the parent admin saves it
    # (its own ``save_formset`` or ``save_related``). Anything else is view-only.

    def writes_through_service(self, method) -> bool:
        return getattr(type(self), method) is not getattr(FirmScopedAdmin, method)

    def has_add_permission(self, request, *args):
        # Operators have no firm to add a firm's records to.
        return (not is_platform_operator(request) and self.writes_through_service("save_model")
                and super().has_add_permission(request, *args))

    def has_change_permission(self, request, obj=None):
        return (self.writes_through_service("save_model")
                and super().has_change_permission(request, obj))

    def has_delete_permission(self, request, obj=None):
        return (self.writes_through_service("delete_model")
                and super().has_delete_permission(request, obj))

    def save_model(self, request, obj, form, change):
        raise PermissionDenied  # never reached: without a service of its own, view-only

    def delete_model(self, request, obj):
        raise PermissionDenied  # never reached: without a service of its own, no delete

    def save_formset(self, request, form, formset, change):
        """An inline the parent admin does not save itself is view-only: nothing of it is
        written here (a posted change would have gone past the services)."""
        if any(row.has_changed() for row in formset.forms) or getattr(
                formset, "deleted_forms", []):
            raise PermissionDenied

    def _get_obj_does_not_exist_redirect(self, request, opts, object_id):
        raise Http404

    def _require_own(self, request, object_id):
        require_own(self, request, object_id)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        # Another firm's row is a 404 even where the admin would first say 403 (a POST to a
        # view-only model's change page).
        self._require_own(request, object_id)
        return super().change_view(request, object_id, form_url, extra_context)

    def delete_view(self, request, object_id, extra_context=None):
        # Another firm's row is a 404 before "you may not delete" (a 403 would confirm it).
        self._require_own(request, object_id)
        return super().delete_view(request, object_id, extra_context)

    def history_view(self, request, object_id, extra_context=None):
        # SimpleHistoryAdmin looks the object up through the default manager; go through
        # the firm-scoped queryset first so that another firm's id is a 404.
        self._require_own(request, object_id)
        if not has_history(self.model):
            # No simple-history table (the row is itself an audit or a file): the admin log.
            return admin.ModelAdmin.history_view(self, request, object_id, extra_context)
        return super().history_view(request, object_id, extra_context)

    def set_history_delta_changes(self, request, historical_records,
                                  foreign_keys_are_objs=True):
        """simple-history's changes between consecutive versions, with the rows of the
        many-to-many fields of the whole page read in one query per field (its own diff
        asks two per version and field: issue 19's query budget)."""
        records = list(historical_records)
        m2m = [f.name for f in (records[0]._history_m2m_fields if records else [])]
        if len(records) < 2 or not m2m:
            return super().set_history_delta_changes(request, records, foreign_keys_are_objs)
        rows = _m2m_rows(self.model, records, m2m, foreign_keys_are_objs)
        previous = None
        for current in records:  # the newest first
            if previous is None:
                previous = current
                continue
            delta = previous.diff_against(current, excluded_fields=m2m,
                                          foreign_keys_are_objs=foreign_keys_are_objs)
            changes = [ModelChange(name, rows.get((name, current.history_id), []),
                                   rows.get((name, previous.history_id), []))
                       for name in m2m]
            changes = [c for c in changes if c.old != c.new]
            if changes:  # sorted by field, as simple-history's own diff is
                changes = sorted([*delta.changes, *changes], key=lambda c: c.field)
                delta = ModelDelta(changes, [c.field for c in changes], delta.old_record,
                                   delta.new_record)
            helper = self.get_historical_record_context_helper(request, previous)
            previous.history_delta_changes = helper.context_for_delta_changes(delta)
            previous = current

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if not has_history(self.model):
            raise Http404
        return refuse_history_revert(self, request, object_id, version_id) or super().history_form_view(
            request, object_id, version_id, extra_context
        )


def _m2m_rows(model, records, names, objects=True) -> dict:
    """``{(field, history id): [row, …]}``: the many-to-many rows each historical record
    kept, as simple-history's diff reads them (the through table's editable fields, sorted
    by the related object; with ``objects``, foreign keys as objects), one query per field."""
    out = {}
    ids = [r.history_id for r in records]
    for name in names:
        through = getattr(records[0], name).model
        opts = through._meta
        fields = [f.name for f in opts.fields
                  if f.editable and f.name not in ("id", "m2m_history_id", "history")]
        keys = [f for f in fields if isinstance(opts.get_field(f), ForeignKey)]
        order = get_m2m_reverse_field_name(model._meta.get_field(name))
        qs = through._default_manager.filter(history_id__in=ids).order_by("history_id", order)
        if objects:
            qs = qs.select_related(*keys)
        for row in qs:
            values = {}
            for f in fields:
                field = opts.get_field(f)
                raw = getattr(row, field.attname)
                if objects and f in keys:
                    value = getattr(row, f, None)
                    values[f] = value if value is not None or raw is None else DeletedObject(
                        field.related_model, raw)
                else:
                    values[f] = raw
            out.setdefault((name, row.history_id), []).append(values)
    return out


def require_own(model_admin, request, object_id):
    """404 unless ``object_id`` is the id of a row the admin's queryset holds: another
    firm's row, a non-numeric id or one too large for the key column alike."""
    try:
        pk = model_admin.model._meta.pk.to_python(unquote(object_id))
        exists = model_admin.get_queryset(request).filter(pk=pk).exists()
    except (ValidationError, ValueError, OverflowError):
        exists = False
    if not exists:
        raise Http404


def require_history_id(model, version_id):
    """404 unless ``version_id`` can be the id of a row of ``model``'s history table."""
    try:
        history = getattr(model, model._meta.simple_history_manager_attribute).model
        history._meta.pk.to_python(unquote(version_id))
    except (AttributeError, ValidationError, ValueError, OverflowError):
        raise Http404 from None


def has_history(model) -> bool:
    return hasattr(model._meta, "simple_history_manager_attribute")


class ReadOnlyAdminMixin:
    """Rows written only by the services: listed and viewed here, never changed."""

    def has_add_permission(self, request, *args):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyInline(FirmScopedInline, ReadOnlyAdminMixin, admin.TabularInline):
    extra = 0
    can_delete = False

    def get_readonly_fields(self, request, obj=None):
        return list(self.fields)


def refuse_history_revert(model_admin, request, object_id, version_id=None):
    """Another firm's object (or a bad version id) is a 404; a POST (a revert) is refused.
    Reverting would write past the services and the frozen-record rules, and
    SIMPLE_HISTORY_REVERT_DISABLED only hides the button."""
    require_own(model_admin, request, object_id)
    if version_id is not None:
        require_history_id(model_admin.model, version_id)
    if request.method == "POST":
        raise PermissionDenied
