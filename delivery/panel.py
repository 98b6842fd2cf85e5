from django.db.models import Count, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce

from engagements.models import Engagement
from engagements.stages import ORDER, Stage

from .models import ConsultingPlan, DocumentDelivery, RiskItem, TeamMember


def delivery_panel(engagement, request):
    """The engagement page's clause 8 section, from the service stage on."""
    if ORDER.get(engagement.stage, -1) < ORDER[Stage.DELIVERY]:
        if engagement.stage != Stage.TERMINATED:
            return None
    if all(hasattr(engagement, name) for name in COUNTS):  # read with the engagement
        counts = {name: getattr(engagement, name) for name in COUNTS}
    else:
        counts = (Engagement.objects.filter(pk=engagement.pk).values("pk")
                  .annotate(**panel_annotations()).first()) or {}
    return {
        "engagement": engagement,
        "team_size": counts.get("team_size", 0),
        "plan": ConsultingPlan.objects.select_related("issued_pdf").current_for(engagement),
        "risk_count": counts.get("risk_count", 0),
        "deliveries": counts.get("deliveries", 0),
    }


COUNTS = {"team_size": TeamMember, "risk_count": RiskItem, "deliveries": DocumentDelivery}


def panel_annotations():
    """The panel's counts, read with the engagement (``engagements.panels.annotate``)."""
    return {name: _count(model) for name, model in COUNTS.items()}


def _count(model):
    """The number of the engagement's ``model`` rows, as a subquery (the panel's three
    counts are one query)."""
    return Coalesce(Subquery(
        model.objects.filter(engagement_id=OuterRef("pk")).order_by()
        .values("engagement_id").annotate(n=Count("pk")).values("n")[:1],
        output_field=IntegerField()), 0)
