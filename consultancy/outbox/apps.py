from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OutboxConfig(AppConfig):
    """Background work that survives a broker outage and a worker crash."""

    name = "consultancy.outbox"
    label = "outbox"
    verbose_name = _("Background jobs")

    def ready(self):
        from . import receivers

        receivers.connect()
