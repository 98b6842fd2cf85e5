from django.db.models import Count, Q, QuerySet

from .models import Client, ClientContact


def client_list(*, firm, search: str = "", industry: str = "") -> QuerySet[Client]:
    qs = Client.objects.filter(firm=firm).annotate(
        contact_count=Count("contacts", filter=Q(contacts__is_active=True))
    )
    if search:
        qs = qs.filter(Q(name__icontains=search) | Q(uscc__icontains=search))
    if industry:
        qs = qs.filter(industry=industry)
    return qs.order_by("name")


def client_contacts(*, client) -> QuerySet[ClientContact]:
    return ClientContact.objects.filter(firm_id=client.firm_id, client=client).select_related(
        "user"
    )
