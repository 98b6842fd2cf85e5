from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DeliveryConfig(AppConfig):
    name = "delivery"
    label = "delivery"
    verbose_name = _("Service delivery (clause 8)")

    def ready(self):
        from .search import register_sources

        register_sources()  # the staff search box: project documents
        from consultancy.documents import registry
        from engagements import panels, selectors

        from . import pdf
        from .panel import delivery_panel, panel_annotations
        from .requirements import register_all
        from .selectors import on_the_working_group

        register_all()
        # 8.2: a consultant on the working group sees the engagement like an assigned one.
        selectors.register_visibility(on_the_working_group)
        registry.register("plan", pdf.plan_pdf_spec)
        registry.register("handover", pdf.handover_pdf_spec)
        panels.register(panels.Panel("delivery/_panel.html", delivery_panel, order=80,
                                     annotations=panel_annotations))
        from consultancy.tenancy import firm_lists

        from . import services  # noqa: F401  (registers its activity verbs)
        from .models import SpecialtyFit

        # A new firm starts with the usual RSE specialties per industry (8.2.2).
        firm_lists.register("delivery.specialty_fits", SpecialtyFit.seed)
