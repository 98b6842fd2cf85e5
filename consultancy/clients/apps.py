from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ClientsConfig(AppConfig):
    name = "consultancy.clients"
    label = "clients"
    verbose_name = _("Clients")

    def ready(self):
        from .search import register_sources

        register_sources()  # the staff search box: clients and contacts
        from . import services  # noqa: F401  (registers its activity verbs)
