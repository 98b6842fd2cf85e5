from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EngagementsConfig(AppConfig):
    name = "engagements"
    label = "engagements"
    verbose_name = _("Engagements (clauses 4–6)")

    def ready(self):
        from .requirements import register_all

        register_all()
