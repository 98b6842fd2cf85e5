from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DashboardConfig(AppConfig):
    """The manager's side in the browser: the dashboard, the exports, the engagement
    dossier PDF and the firm's settings page. Reads every clause app (like the portal);
    nothing imports it."""

    name = "dashboard"
    label = "dashboard"
    verbose_name = _("Manager's dashboard")

    def ready(self):
        from consultancy.documents import registry
        from engagements import panels

        from . import pdf
        from .panel import dossier_panel

        registry.register(pdf.KIND, pdf.dossier_pdf_spec)
        registry.register_access(pdf.KIND, pdf.may_see_dossier)
        panels.register(panels.Panel("dashboard/_dossier_panel.html", dossier_panel, order=200))
        panels.register_list_action(panels.ListAction(
            "dashboard/_engagement_list_export.html", lambda user: user.is_manager
        ))
