from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    """Notices: one service, its channels, and the record of every delivery."""

    name = "consultancy.notifications"
    label = "notifications"
    verbose_name = _("Notices")

    def ready(self):
        from . import chat

        chat.register()
