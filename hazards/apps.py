from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HazardsConfig(AppConfig):
    name = "hazards"
    label = "hazards"
    verbose_name = _("Hidden dangers (隐患排查治理)")

    def ready(self):
        from consultancy.clients import sections
        from consultancy.documents import registry
        from engagements import panels

        from . import client_section, pdf
        from .panel import hazards_panel
        from .requirements import register_all

        register_all()
        sections.register(sections.Section("hazards/_client_section.html",
                                           client_section.client_section, order=30))
        registry.register("hazard_ledger", pdf.ledger_pdf_spec)
        registry.register_access("hazard_ledger", pdf.ledger_access)
        panels.register(panels.Panel("hazards/_panel.html", hazards_panel, order=85))
        # A new firm starts with a handful of 重大事故隐患判定标准 criteria per industry
        # (consultancy.tenancy.firm_lists: seeded once, never on a page's GET).
        from consultancy.tenancy import firm_lists

        from . import services  # noqa: F401  (registers its activity verbs)

        firm_lists.register("hazards.criteria", lambda firm_id: services.criteria_seed(
            firm=firm_id))
