"""The requirements of clauses 5 and 6 (registered in ``EngagementsConfig.ready``)."""

from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from .gates import Requirement, register
from .models import (
    CommunicationRecord,
    ExchangeRecord,
    NeedsAssessment,
    ProjectFramework,
    SiteVisit,
)
from .stages import Stage


def _ids(engagements):
    return [e.pk for e in engagements]


def needs_assessment_met(engagements):
    return set(
        NeedsAssessment.objects.filter(engagement_id__in=_ids(engagements))
        .filter(NeedsAssessment.complete_q(), decision=NeedsAssessment.Decision.PROCEED)
        .values_list("engagement_id", flat=True)
    )


def has_record(model):
    """``met_ids`` for "at least one such record exists on the engagement"."""

    def met(engagements):
        return set(
            model.objects.filter(engagement_id__in=_ids(engagements))
            .values_list("engagement_id", flat=True)
            .distinct()
        )

    return met


def framework_met(engagements):
    """The engagement's current (latest) framework version is confirmed by a contact."""
    later = ProjectFramework.objects.filter(
        engagement_id=OuterRef("engagement_id"), version__gt=OuterRef("version")
    )
    return set(
        ProjectFramework.objects.filter(engagement_id__in=_ids(engagements))
        .filter(~Exists(later), Q(confirmed_by__isnull=False), Q(confirmed_on__isnull=False))
        .values_list("engagement_id", flat=True)
    )


def register_all():
    register(Requirement(
        code="5.assessment", clause="5", stage=Stage.NEEDS_ANALYSIS,
        label=_("A complete needs assessment (six dimensions, measures, assessor, date) "
                "with the decision to proceed"),
        met_ids=needs_assessment_met, url_name="engagements:needs_assessment",
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
