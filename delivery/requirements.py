"""The requirements of clause 8 (registered in ``DeliveryConfig.ready``): the gate that
leaves ``delivery``. Each ``met_ids`` is one query for any number of engagements."""

from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from consultancy.documents.models import GeneratedDocument
from consultancy.tenancy.models import Qualification
from contracts.models import Contract, Deliverable
from engagements.gates import Requirement, batched, engagement_ids, has_record, register
from engagements.models import Engagement
from engagements.stages import Stage

from . import risk
from .models import (
    ConsultingPlan,
    DocumentDelivery,
    PlanMilestone,
    PlanReview,
    ProgressReport,
    ResourceResearch,
    RiskItem,
    RseJustification,
    SiteResearch,
    SiteUnit,
    SpecialtyFit,
    TeamMember,
)


@batched
def site_research_met(engagements):
    """8.1.1: a site research record whose every researcher held a safety qualification
    valid on the day (a certificate of a kind the firm's list marks safety-related), and
    that had at least one researcher."""
    through = SiteResearch.researchers.through
    valid_on_the_day = Qualification.objects.filter(
        holder_id=OuterRef("user_id"), qualification_kind__safety_related=True,
        valid_from__lte=OuterRef("siteresearch__researched_on"),
        valid_until__gte=OuterRef("siteresearch__researched_on"),
    )
    unqualified = through.objects.filter(siteresearch_id=OuterRef("pk")).filter(
        ~Exists(valid_on_the_day))
    anyone = through.objects.filter(siteresearch_id=OuterRef("pk"))
    return (SiteResearch.objects.filter(engagement_id__in=engagement_ids(engagements))
        .filter(Exists(anyone), ~Exists(unqualified))
        .values_list("engagement_id", flat=True).distinct())


@batched
def joint_team_met(engagements):
    """8.2.1: members from both sides, each with responsibilities."""
    members = TeamMember.objects.filter(engagement_id=OuterRef("pk")).exclude(responsibilities="")
    return (Engagement.objects.filter(pk__in=engagement_ids(engagements))
        .filter(Exists(members.filter(side="provider")), Exists(members.filter(side="client")))
        .values_list("pk", flat=True))


@batched
def rse_met(engagements):
    """8.2.2: a member of our side holds a registered safety engineer certificate valid
    today."""
    today = timezone.localdate()
    rse = Qualification.objects.filter(holder_id=OuterRef("user_id"), kind="rse",
                                       valid_from__lte=today, valid_until__gte=today)
    return (TeamMember.objects.filter(engagement_id__in=engagement_ids(engagements), side="provider")
        .filter(Exists(rse)).values_list("engagement_id", flat=True).distinct())


@batched
def rse_fits_met(engagements):
    """8.2.2 "相关经验和能力": a member of our side holds a registered safety engineer
    certificate valid today whose specialty fits the client's industry (the firm's
    mapping), or a manager recorded why that member's experience qualifies them."""
    today = timezone.localdate()
    fits = SpecialtyFit.objects.filter(
        firm_id=OuterRef(OuterRef("firm_id")),
        industry=OuterRef(OuterRef("engagement__client__industry")),
        specialty=OuterRef("specialty"))
    rse = Qualification.objects.filter(holder_id=OuterRef("user_id"), kind="rse",
                                       valid_from__lte=today, valid_until__gte=today)
    justified = RseJustification.objects.filter(engagement_id=OuterRef("engagement_id"),
                                                holder_id=OuterRef("user_id"))
    return (
        TeamMember.objects.filter(engagement_id__in=engagement_ids(engagements), side="provider")
        .filter(Exists(rse.filter(Exists(fits))) | (Exists(rse) & Exists(justified)))
        .values_list("engagement_id", flat=True).distinct()
    )


def _current_plans(engagements):
    return ConsultingPlan.objects.filter(engagement_id__in=engagement_ids(engagements)).newest()


@batched
def plan_confirmed_met(engagements):
    """8.3.1: the current version passed by the working group (its review recorded),
    submitted in writing (the issued PDF is ready) and confirmed by the client."""
    return (_current_plans(engagements)
        .filter(approved_on__isnull=False, approved_by__isnull=False,
                issued_pdf__status=GeneratedDocument.Status.READY,
                confirmed_on__isnull=False, confirmed_by__isnull=False)
        .filter(Exists(PlanReview.objects.filter(plan_id=OuterRef("pk"))))
        .values_list("engagement_id", flat=True))


@batched
def plan_content_met(engagements):
    """8.3.2: division of work, schedule, client cooperation, anomaly channel and
    emergency handling, training plan or "not applicable" with the reason."""
    milestones = PlanMilestone.objects.filter(plan_id=OuterRef("pk"))
    training = ~Q(training_plan="") | (Q(training_not_applicable=True) & ~Q(training_na_reason=""))
    return (_current_plans(engagements)
        .exclude(division_of_work="").exclude(client_cooperation="")
        .exclude(anomaly_channel="").exclude(emergency_handling="")
        .filter(training, Exists(milestones))
        .values_list("engagement_id", flat=True))


@batched
def risks_met(engagements):
    """8.4: a register of at least one assessed risk, every risk naming its unit, activity
    or equipment, hazard, accident type, existing controls, control level and the person
    responsible."""
    lacking = Q(unit__isnull=True)
    for name in ("activity", "hazard", "accident_type", "existing_controls", "control_level",
                 "responsible_person"):
        lacking |= Q(**{name: ""})
    incomplete = RiskItem.objects.filter(engagement_id=OuterRef("pk")).filter(lacking)
    return (
        Engagement.objects.filter(pk__in=engagement_ids(engagements))
        .filter(Exists(RiskItem.objects.filter(engagement_id=OuterRef("pk"))),
                ~Exists(incomplete))
        .values_list("pk", flat=True)
    )


@batched
def risk_coverage_met(engagements):
    """8.4 (全方位的风险识别): the register lists the client's units (at least one), and
    every listed unit has at least one assessed risk."""
    units = SiteUnit.objects.filter(engagement_id=OuterRef("pk"))
    bare = units.filter(~Exists(RiskItem.objects.filter(unit_id=OuterRef("pk"))))
    return (
        Engagement.objects.filter(pk__in=engagement_ids(engagements))
        .filter(Exists(units), ~Exists(bare)).values_list("pk", flat=True)
    )


@batched
def risk_measures_met(engagements):
    """8.4: every 重大风险 and 较大风险 has control measures with a person responsible and a
    due date (met when there is none)."""
    lacking = RiskItem.objects.filter(
        engagement_id=OuterRef("pk"), level__in=risk.LEVELS_NEEDING_MEASURES).filter(
        Q(controls="") | Q(measures_responsible="") | Q(measures_due_on__isnull=True))
    return (
        Engagement.objects.filter(pk__in=engagement_ids(engagements))
        .filter(~Exists(lacking)).values_list("pk", flat=True)
    )


@batched
def deliverables_met(engagements):
    """8.5: every deliverable of the current signed contract is delivered as a document
    and acknowledged by the client (and there is at least one)."""
    acknowledged = DocumentDelivery.objects.filter(
        version__document__deliverable_id=OuterRef("pk"),
        acknowledged_on__isnull=False, acknowledged_by__isnull=False)
    contracted = Deliverable.objects.filter(contract_id=OuterRef("pk"))
    return (Contract.objects.filter(engagement_id__in=engagement_ids(engagements),
                                    status=Contract.Status.SIGNED).newest()
            .filter(Exists(contracted), ~Exists(contracted.filter(~Exists(acknowledged))))
            .values_list("engagement_id", flat=True).distinct())


def register_all():
    d = Stage.DELIVERY
    for req in [
        Requirement("8.1.1.site_research", "8.1.1", d,
                    _("A site research record by staff holding a safety qualification valid "
                      "on that date (of a kind the firm's list marks safety-related)"), site_research_met, "delivery:siteresearch_create"),
        Requirement("8.1.2.resource_research", "8.1.2", d, _("A resource research record"),
                    has_record(ResourceResearch), "delivery:resourceresearch_create"),
        Requirement("8.2.1.joint_team", "8.2.1", d,
                    _("A working group with members from both sides, each with "
                      "responsibilities"), joint_team_met, "delivery:team"),
        Requirement("8.2.2.rse", "8.2.2", d,
                    _("A member of our side holding a registered safety engineer certificate "
                      "valid today"), rse_met, "delivery:team"),
        Requirement("8.2.2.rse_fits", "8.2.2", d,
                    _("That engineer's specialty fits the client's industry (the firm's "
                      "mapping), or a manager recorded the experience that qualifies them"),
                    rse_fits_met, "delivery:team"),
        Requirement("8.3.1.plan_confirmed", "8.3.1", d,
                    _("The current plan version passed by the working group (its discussion "
                      "recorded with the lead consultant and a registered safety engineer "
                      "taking part), submitted in writing (its PDF ready) and confirmed by a "
                      "client contact"),
                    plan_confirmed_met, "delivery:plan"),
        Requirement("8.3.2.plan_content", "8.3.2", d,
                    _("The plan has the division of work, schedule, client cooperation, "
                      "anomaly channel and emergency handling, and a training plan or “not "
                      "applicable”"), plan_content_met, "delivery:plan"),
        Requirement("8.4.progress", "8.4", d,
                    _("At least one progress report shared with the client"),
                    has_record(ProgressReport, shared_at__isnull=False),
                    "delivery:progressreport_create"),
        Requirement("8.4.risks", "8.4", d,
                    _("A risk identification register with at least one assessed risk, each "
                      "naming its unit or area, activity or equipment, hazard, accident type "
                      "(GB 6441), existing controls, control level and the person "
                      "responsible"), risks_met, "delivery:risks"),
        Requirement("8.4.risk_coverage", "8.4", d,
                    _("The register lists the units and areas of the client's site, and every "
                      "one has at least one assessed risk"),
                    risk_coverage_met, "delivery:risks"),
        Requirement("8.4.risk_measures", "8.4", d,
                    _("Every major and significant risk (重大风险, 较大风险) has control measures "
                      "with a person responsible and a due date"), risk_measures_met, "delivery:risks"),
        Requirement("8.5.deliverables", "8.5.2", d,
                    _("Every contracted deliverable delivered as a document and acknowledged "
                      "by the client"), deliverables_met, "delivery:documents"),
    ]:
        register(req)


