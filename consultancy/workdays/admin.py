from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from consultancy.tenancy.admin_site import (
    ServiceAdminMixin,
    is_platform_operator,
    require_history_id,
    require_own,
)

from .models import CalendarDay


@admin.register(CalendarDay)
class CalendarDayAdmin(ServiceAdminMixin, SimpleHistoryAdmin):
    """The national schedule, kept by the platform operator; managers may read it."""

    list_display = ["date", "name", "kind"]
    list_filter = ["kind", ("date", admin.DateFieldListFilter)]
    search_fields = ["name"]
    date_hierarchy = "date"

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and (is_platform_operator(request)
                                           or request.user.is_manager)

    def has_module_permission(self, request):
        return self.has_view_permission(request)

    def has_add_permission(self, request):
        return is_platform_operator(request)

    def has_change_permission(self, request, obj=None):
        return is_platform_operator(request)

    def has_delete_permission(self, request, obj=None):
        return is_platform_operator(request)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        require_own(self, request, object_id)  # a bad id is a 404
        return super().change_view(request, object_id, form_url, extra_context)

    def delete_view(self, request, object_id, extra_context=None):
        require_own(self, request, object_id)
        return super().delete_view(request, object_id, extra_context)

    def history_view(self, request, object_id, extra_context=None):
        require_own(self, request, object_id)
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        require_own(self, request, object_id)
        require_history_id(self.model, version_id)
        return super().history_form_view(request, object_id, version_id, extra_context)
