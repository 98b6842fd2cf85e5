from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    name = "portal"
    label = "portal"
    verbose_name = _("Client portal")

    def ready(self):
        from feedback.links import register_survey_link

        from . import signals

        signals.connect()
        register_survey_link(signals.survey_page)
