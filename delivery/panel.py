from engagements.stages import ORDER, Stage

from .models import ConsultingPlan, DocumentDelivery, RiskItem, TeamMember


def delivery_panel(engagement, request):
    """The engagement page's clause 8 section, from the service stage on."""
    if ORDER.get(engagement.stage, -1) < ORDER[Stage.DELIVERY]:
        if engagement.stage != Stage.TERMINATED:
            return None
    return {
        "engagement": engagement,
        "team_size": TeamMember.objects.filter(engagement=engagement).count(),
        "plan": ConsultingPlan.objects.select_related("issued_pdf").current_for(engagement),
        "risk_count": RiskItem.objects.filter(engagement=engagement).count(),
        "deliveries": DocumentDelivery.objects.filter(engagement=engagement).count(),
    }
