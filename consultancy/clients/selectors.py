"""Reads the client pages share: each a fixed number of queries, however many clients,
contacts, engagements or events there are."""

from django.db.models import CharField, Count, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Cast, Coalesce

from consultancy.activity.models import Event
from consultancy.activity.verbs import describe
from consultancy.search.registry import Query

from .models import Client, ClientContact

SORTS = {
    "name": ("name_sort", "name", "pk"),  # 拼音顺序
    "-created": ("-created_at", "-pk"),
}
CLIENT_TYPE = "clients.client"
CONTACT_TYPE = "clients.clientcontact"


def _engagement_model():
    """The engagement model, reached through the relation it declares to Client (clients
    sits below engagements and imports nothing of it)."""
    return Client._meta.get_field("engagements").related_model


def _count(queryset):
    return Coalesce(Subquery(queryset.order_by().values("client_id")
                             .annotate(n=Count("pk")).values("n")[:1],
                             output_field=IntegerField()), 0)


def client_list(*, firm, search: str = "", industry: str = "", sort: str = "name"
                ) -> QuerySet[Client]:
    """The firm's clients with their numbers of active contacts and engagements, sorted by
    pinyin (or newest first); ``search`` matches the name, its pinyin initials and the
    统一社会信用代码."""
    engagement_model = _engagement_model()
    qs = Client.objects.filter(firm=firm).annotate(
        contact_count=_count(ClientContact.objects.filter(
            firm=firm, client=OuterRef("pk"), is_active=True)),
        engagement_count=_count(engagement_model.objects.filter(firm=firm,
                                                                client=OuterRef("pk"))),
    )
    query = Query.parse(search)
    if query is not None:
        match = query.name()
        if query.code:
            match |= Q(uscc__contains=query.code)
        qs = qs.filter(match)
    if industry:
        qs = qs.filter(industry=industry)
    return qs.order_by(*SORTS.get(sort, SORTS["name"]))


def _latest_event(events):
    return Subquery(events.order_by("-at", "-pk").values("pk")[:1],
                    output_field=IntegerField())


def with_last_activity(clients) -> list[Client]:
    """Set ``last_event`` on each client (a page of them): the newest event of the activity
    log about the client, its contacts or its engagements, with its message in the active
    language, or None. Two queries for the whole page."""
    clients = list(clients)
    if not clients:
        return clients
    firm_id = clients[0].firm_id
    engagement_model = _engagement_model()
    ids = [c.pk for c in clients]
    latest = Client.objects.filter(firm_id=firm_id, pk__in=ids).annotate(
        on_engagements=_latest_event(Event.objects.filter(
            firm_id=firm_id,
            engagement_id__in=engagement_model.objects.filter(
                firm_id=firm_id, client=OuterRef(OuterRef("pk"))).values("pk"))),
        on_client=_latest_event(Event.objects.filter(
            firm_id=firm_id, object_type=CLIENT_TYPE,
            object_id=Cast(OuterRef("pk"), output_field=CharField()))),
        on_contacts=_latest_event(Event.objects.filter(
            firm_id=firm_id, object_type=CONTACT_TYPE,
            object_id__in=ClientContact.objects.filter(
                firm_id=firm_id, client=OuterRef(OuterRef("pk")))
            .annotate(sid=Cast("pk", output_field=CharField())).values("sid"))),
    ).values_list("pk", "on_engagements", "on_client", "on_contacts")
    candidates = {pk: [e for e in events if e] for pk, *events in latest}
    events = {e.pk: e for e in Event.objects.filter(
        firm_id=firm_id, pk__in={e for es in candidates.values() for e in es})
        .select_related("actor")}
    for client in clients:
        found = [events[e] for e in candidates.get(client.pk, []) if e in events]
        client.last_event = max(found, key=lambda e: (e.at, e.pk)) if found else None
        if client.last_event is not None:
            client.last_event.message = describe(client.last_event)
    return clients


def client_contacts(*, client, active_only=False) -> QuerySet[ClientContact]:
    qs = ClientContact.objects.filter(firm_id=client.firm_id, client=client).select_related(
        "user")
    if active_only:
        qs = qs.filter(is_active=True)
    return qs.order_by("-is_active", "name_sort", "name", "pk")


def contact_events(*, contact) -> QuerySet[Event]:
    """What was done to the contact, newest first (the invitations among it)."""
    return (Event.objects.filter(firm_id=contact.firm_id, object_type=CONTACT_TYPE,
                                 object_id=str(contact.pk))
            .select_related("actor").order_by("-at", "-pk"))
