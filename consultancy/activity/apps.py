from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ActivityConfig(AppConfig):
    """The firm's activity log: who did what, when, to which record (DESIGN.md, "Audit")."""

    name = "consultancy.activity"
    label = "activity"
    verbose_name = _("Activity log")

    def ready(self):
        from . import receivers

        receivers.connect()
