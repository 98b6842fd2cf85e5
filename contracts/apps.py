from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ContractsConfig(AppConfig):
    name = "contracts"
    label = "contracts"
    verbose_name = _("Contracts (clause 7)")

    def ready(self):
        from consultancy.documents import registry
        from engagements import panels

        from . import pdf
        from .panel import contract_panel
        from .requirements import register_all

        register_all()
        registry.register("contract", pdf.contract_pdf_spec)
        panels.register(panels.Panel("contracts/_panel.html", contract_panel, order=70))
        # An engagement's value (the client's page shows it) is its contract's fee.
        from engagements.selectors import register_value

        from .value import contract_fee

        register_value(contract_fee)
        # The standard's order: the day the contract was signed (clause 8 comes after it).
        from engagements import chronology

        from .signing import signed_on

        chronology.register_milestone_date(chronology.SIGNED, signed_on)
        from consultancy.tenancy import firm_lists

        from . import services  # noqa: F401  (registers its activity verbs)
        from .models import DocumentSystemRequirement

        # A new firm starts with the usual document system per service type (8.5.1),
        # after its service types (engagements registers first).
        firm_lists.register("contracts.document_systems", DocumentSystemRequirement.seed)
