from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone

from consultancy.tenancy.models import Qualification

from . import risk
from .models import RiskItem, SiteUnit, TeamMember


def on_the_working_group(user) -> Q:
    """Visibility rule (engagements.selectors): engagements whose working group has the
    user on our side (8.2)."""
    return Q(Exists(TeamMember.objects.filter(engagement_id=OuterRef("pk"), user_id=user.pk,
                                              side="provider")))


def team_with_certificates(engagement):
    """The working group, each provider member with their RSE certificates attached (one
    query for the members, one for the certificates)."""
    members = list(TeamMember.objects.filter(engagement=engagement)
                   .select_related("user", "contact"))
    user_ids = [m.user_id for m in members if m.user_id]
    certificates = {}
    for q in Qualification.objects.filter(holder_id__in=user_ids, kind="rse").order_by(
            "-valid_until"):
        certificates.setdefault(q.holder_id, []).append(q)
    today = timezone.localdate()
    for m in members:
        m.rse_certificates = certificates.get(m.user_id, [])
        m.valid_rse = next((q for q in m.rse_certificates if q.is_valid_on(today)), None)
        m.rse_expires_in = (m.valid_rse.valid_until - today).days if m.valid_rse else None
    return members


def risk_counts(engagement) -> dict:
    """``{level: count}`` in the order major → low."""
    rows = dict(RiskItem.objects.filter(engagement=engagement).values_list("level")
                .annotate(n=Count("pk")).values_list("level", "n"))
    return {level: rows.get(level, 0) for level in risk.LEVEL_ORDER}


def register_coverage(engagement, risks=None) -> list:
    """8.4: the units and areas of the site listed on the register, each with the number of
    its assessed risks (``risk_count``) and their highest level (``top_level``). ``risks``:
    the register's risks if already read (saves a query)."""
    units = list(SiteUnit.objects.filter(engagement=engagement).order_by("pk"))
    if risks is None:
        risks = list(RiskItem.objects.filter(engagement=engagement).only("unit_id", "level"))
    by_unit = {}
    for item in risks:
        by_unit.setdefault(item.unit_id, []).append(item.level)
    for unit in units:
        levels = by_unit.get(unit.pk, [])
        unit.risk_count = len(levels)
        unit.top_level = next((lv for lv in risk.LEVEL_ORDER if lv in levels), None)
        unit.top_label = risk.LEVEL_SHORT[unit.top_level]() if unit.top_level else ""
        unit.top_colour = risk.LEVEL_COLOURS.get(unit.top_level, "")
        unit.top_text = risk.LEVEL_TEXT.get(unit.top_level, "")
    return units
