from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HazardsConfig(AppConfig):
    name = "hazards"
    label = "hazards"
    verbose_name = _("Hidden dangers (隐患排查治理)")

    def ready(self):
        from engagements import panels

        from .panel import hazards_panel
        from .requirements import register_all

        register_all()
        panels.register(panels.Panel("hazards/_panel.html", hazards_panel, order=85))
        from . import services  # noqa: F401  (registers its activity verbs)
