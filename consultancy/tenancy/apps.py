from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TenancyConfig(AppConfig):
    name = "consultancy.tenancy"
    label = "tenancy"
    verbose_name = _("Firms and staff")
