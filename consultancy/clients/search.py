"""The clients' and contacts' part of the staff search box (``consultancy.search``):
clients by name, pinyin initials or 统一社会信用代码, contacts by name, pinyin initials,
e-mail or phone. Every member of staff sees all of the firm's clients and contacts."""

from urllib.parse import urlencode

from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from consultancy.search.registry import Hit, Source, register

from .models import Client, ClientContact


def search_clients(user, query, limit):
    match = query.name()
    if query.code:
        match |= Q(uscc__contains=query.code)
    rows = (Client.objects.filter(firm_id=user.firm_id).filter(match)
            .only("pk", "name", "uscc", "industry").order_by("name_sort", "name", "pk")[:limit + 1])
    return [Hit(c.name, c.get_absolute_url(), f"{c.uscc} · {c.get_industry_display()}")
            for c in rows]


def search_contacts(user, query, limit):
    match = query.name() | query.contains("email", "position")
    if query.code:
        match |= Q(phone__contains=query.text)
    rows = (ClientContact.objects.filter(firm_id=user.firm_id).filter(match)
            .select_related("client").order_by("name_sort", "name", "pk")[:limit + 1])
    return [Hit(c.name, c.get_absolute_url(),
                " · ".join(x for x in (c.client.name, c.position) if x),
                "" if c.is_active else str(_("inactive")))
            for c in rows]


def register_sources() -> None:
    register(Source("clients", _("Clients"), search_clients, order=10,
                    more_url=lambda q: f"{reverse('clients:list')}?{urlencode({'q': q.text})}"))
    register(Source("contacts", _("Contacts"), search_contacts, order=30))
