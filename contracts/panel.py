from engagements.stages import ORDER, Stage

from .models import Contract


def contract_panel(engagement, request):
    """The engagement page's clause 7 section: from the contract stage on."""
    if ORDER.get(engagement.stage, 99) < ORDER[Stage.CONTRACTING] and not engagement.is_ended:
        return None
    contract = Contract.objects.select_related("issued_pdf").current_for(engagement)
    if contract is None and engagement.is_ended:
        return None
    return {"contract": contract, "engagement": engagement}
