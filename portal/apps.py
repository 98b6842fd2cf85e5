from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    name = "portal"
    label = "portal"
    verbose_name = _("Client portal")

    def ready(self):
        from consultancy.tenancy import areas
        from feedback.links import register_complaint_link, register_survey_link

        from . import signals

        areas.register_client_area(home="portal:home")

        signals.connect()
        register_survey_link(signals.survey_page)
        register_complaint_link(signals.complaint_page)
