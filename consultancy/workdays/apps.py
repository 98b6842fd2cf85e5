from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkdaysConfig(AppConfig):
    """China's working-day calendar: public holidays and the make-up working days (调休)."""

    name = "consultancy.workdays"
    label = "workdays"
    verbose_name = _("Working-day calendar")

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from . import calendar
        from .models import CalendarDay

        post_save.connect(calendar.forget, sender=CalendarDay)
        post_delete.connect(calendar.forget, sender=CalendarDay)
