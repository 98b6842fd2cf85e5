"""The complaints' part of the staff search box (``consultancy.search``): by number, the
complainant or what happened (9.4), among the complaints the user may see (a consultant:
those on their engagements)."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from consultancy.search.registry import Hit, Source, register

from .selectors import complaints_visible_to


def search_complaints(user, query, limit):
    rows = (complaints_visible_to(user)
            .filter(query.contains("number", "complainant_name", "description"))
            .order_by("-received_on", "-pk")[:limit + 1])
    return [Hit(f"{c.number} {c.complainant_name}", reverse("feedback:complaint_detail",
                                                              args=[c.pk]),
                c.description[:80], c.get_status_display()) for c in rows]


def register_sources() -> None:
    register(Source("complaints", _("Complaints"), search_complaints, order=50))
