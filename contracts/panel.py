from engagements.stages import ORDER, Stage

from .models import Contract


def contract_panel(engagement, request):
    """The engagement page's clause 7 section: from the contract stage on."""
    if ORDER.get(engagement.stage, 99) < ORDER[Stage.CONTRACTING] and not engagement.is_ended:
        return None
    contract = (Contract.objects.filter(engagement=engagement).select_related("issued_pdf")
                .order_by("-version").first())
    if contract is None and engagement.is_ended:
        return None
    return {"contract": contract, "engagement": engagement}
