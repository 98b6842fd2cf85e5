from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SearchConfig(AppConfig):
    """One search box for staff across the firm's records (clients, engagements, contacts,
    documents, complaints): each app registers its source (:mod:`.registry`)."""

    name = "consultancy.search"
    label = "search"
    verbose_name = _("Search")
