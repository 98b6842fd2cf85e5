"""The engagements' part of the staff search box (``consultancy.search``): by number or
title, only those the user may see (a consultant: the ones they lead or are on)."""

from urllib.parse import urlencode

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from consultancy.search.registry import Hit, Source, register

from .selectors import engagements_visible_to


def search_engagements(user, query, limit):
    rows = (engagements_visible_to(user).filter(query.contains("number", "title"))
            .select_related("client").order_by("-created_at", "-pk")[:limit + 1])
    return [Hit(f"{e.number} {e.title}", e.get_absolute_url(), e.client.name,
                e.get_stage_display()) for e in rows]


def register_sources() -> None:
    register(Source("engagements", _("Engagements"), search_engagements, order=20,
                    more_url=lambda q: f"{reverse('engagements:list')}?"
                                       f"{urlencode({'q': q.text})}"))
