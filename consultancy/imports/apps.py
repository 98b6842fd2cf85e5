from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ImportsConfig(AppConfig):
    """Bringing in what a firm already has in Excel or CSV: clients, their contacts and the
    history of closed engagements with their satisfaction scores."""

    name = "consultancy.imports"
    label = "imports"
    verbose_name = _("Imports")

    def ready(self):
        from . import services  # noqa: F401  (registers its activity verbs)
