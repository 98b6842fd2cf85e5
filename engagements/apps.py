from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EngagementsConfig(AppConfig):
    name = "engagements"
    label = "engagements"
    verbose_name = _("Engagements (clauses 4–6)")

    def ready(self):
        from .search import register_sources

        register_sources()  # the staff search box: engagements
        from . import panels
        from .requirements import register_all
        from .timeline import activity_panel

        register_all()
        # A client's page lists the client's engagements.
        from consultancy.clients import sections

        from .client_section import client_section

        sections.register(sections.Section("engagements/_client_engagements.html",
                                           client_section, order=10))
        # The activity timeline: the engagement page's last section.
        panels.register(panels.Panel("activity/_panel.html", activity_panel, order=1000))
        # A new firm starts with the common service types (its own list, issue 20).
        from consultancy.tenancy import firm_lists

        from . import services  # noqa: F401  (registers its activity verbs)

        firm_lists.register("engagements.service_types", services.service_types_seed)
