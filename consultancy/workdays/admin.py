from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from consultancy.tenancy.admin_site import is_platform_operator

from .models import CalendarDay


@admin.register(CalendarDay)
class CalendarDayAdmin(SimpleHistoryAdmin):
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
