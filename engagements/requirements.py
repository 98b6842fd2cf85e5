"""The requirements of clauses 5 and 6 (registered in ``EngagementsConfig.ready``)."""

from django.db.models import Exists, OuterRef
from django.utils.translation import gettext_lazy as _

from .gates import Requirement, batched, engagement_ids, has_record, register
from .models import (
    CommunicationRecord,
    Engagement,
    ExchangeRecord,
    NeedsAssessment,
    ProjectFramework,
    SiteVisit,
)
from .stages import Stage


@batched
def needs_assessment_met(engagements):
    return (NeedsAssessment.objects.filter(engagement_id__in=engagement_ids(engagements))
        .filter(NeedsAssessment.complete_q(), decision=NeedsAssessment.Decision.PROCEED)
        .values_list("engagement_id", flat=True))


@batched
def blocker_approved_met(engagements):
    """No "blocker" verdict on the six dimensions, or a manager's approval of the findings
    as they stand: the approved fingerprint equals the findings' own, which every save
    keeps current (``NeedsAssessment.save``), so the gate joins the one batched query."""
    unapproved = NeedsAssessment.objects.filter(engagement_id=OuterRef("pk")).filter(
        NeedsAssessment.unapproved_blocker_q())
    return (Engagement.objects.filter(pk__in=engagement_ids(engagements))
            .filter(~Exists(unapproved)).values_list("pk", flat=True))


@batched
def framework_met(engagements):
    """The engagement's current (latest) framework version is confirmed by a contact."""
    return (ProjectFramework.objects.filter(engagement_id__in=engagement_ids(engagements))
        .newest()
        .filter(confirmed_by__isnull=False, confirmed_on__isnull=False)
        .values_list("engagement_id", flat=True))


def register_all():
    register(Requirement(
        code="5.assessment", clause="5", stage=Stage.NEEDS_ANALYSIS,
        label=_("A complete needs assessment (six dimensions, measures, assessor, date) "
                "with the decision to proceed"),
        met_ids=needs_assessment_met, url_name="engagements:needs_assessment",
    ))
    register(Requirement(
        code="5.blocker_approved", clause="5", stage=Stage.NEEDS_ANALYSIS,
        label=_("A “blocker” verdict on any of the six dimensions is a manager's decision: "
                "their approval to proceed, with who, when and why"),
        met_ids=blocker_approved_met, url_name="engagements:needs_blocker_approval",
    ))
    register(Requirement(
        code="6.1.visit", clause="6.1", stage=Stage.COMMUNICATION,
        label=_("A site visit record (the engagement is proactive)"),
        met_ids=has_record(SiteVisit), url_name="engagements:sitevisit_create",
        applies=lambda e: e.origin == "proactive",
    ))
    register(Requirement(
        code="6.2.communication", clause="6.2", stage=Stage.COMMUNICATION,
        label=_("A communication record: the client's basic situation, explicit and latent "
                "needs"),
        met_ids=has_record(CommunicationRecord), url_name="engagements:communicationrecord_create",
    ))
    register(Requirement(
        code="6.3.exchange", clause="6.3", stage=Stage.COMMUNICATION,
        label=_("An exchange record: objectives, main content, implementation approach, "
                "rights and obligations"),
        met_ids=has_record(ExchangeRecord), url_name="engagements:exchangerecord_create",
    ))
    register(Requirement(
        code="6.4.framework", clause="6.4", stage=Stage.COMMUNICATION,
        label=_("The project framework, confirmed by a named client contact on a date"),
        met_ids=framework_met, url_name="engagements:framework",
    ))
