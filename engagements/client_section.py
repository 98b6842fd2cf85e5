"""The engagements section of a client's page (``consultancy.clients.sections``): the
client's engagements the user may see, with stage, lead consultant and value, paginated,
and the button that starts a new one for the client."""

from django.core.paginator import Paginator
from django.db.models import Count, Q

from .selectors import client_engagements, engagements_visible_to
from .stages import ACTIVE

PER_PAGE = 10
PAGE_PARAM = "engagements_page"


def client_section(client, request) -> dict:
    user = request.user
    qs = client_engagements(user=user, client=client)
    page = Paginator(qs, PER_PAGE).get_page(request.GET.get(PAGE_PARAM))
    counts = engagements_visible_to(user).model.objects.filter(
        firm_id=client.firm_id, client=client).aggregate(
        total=Count("pk"), active=Count("pk", filter=Q(stage__in=ACTIVE)))
    return {
        "client": client,
        "page": page,
        "page_param": PAGE_PARAM,
        "total": counts["total"],
        "active": counts["active"],
        "hidden": counts["total"] - page.paginator.count,
    }
