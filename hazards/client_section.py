"""The hidden dangers section of a client's page (``consultancy.clients.sections``): the
client's ledger across its engagements (the ones the user sees)."""

from . import selectors


def client_section(client, request):
    data = selectors.client_hazards(request.user, client)
    if not data["counts"]["found"]:
        return None
    return {"client": client, **data}
