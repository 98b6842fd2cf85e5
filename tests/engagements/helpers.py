"""Moving a test engagement through the process with the records each gate needs."""

from django.utils import timezone
from django_scopes import scopes_disabled

from engagements import services
from engagements.stages import Stage
from tests import factories as f


def meet_needs_analysis(engagement):
    f.NeedsAssessmentFactory(engagement=engagement)


def meet_communication(engagement, contact=None):
    if engagement.origin == "proactive":
        f.SiteVisitFactory(engagement=engagement)
    f.CommunicationRecordFactory(engagement=engagement)
    f.ExchangeRecordFactory(engagement=engagement)
    from consultancy.clients.models import ClientContact

    contact = contact or ClientContact.objects.filter(client=engagement.client).first()
    if contact is None:
        contact = f.ClientContactFactory(client=engagement.client)
    f.ProjectFrameworkFactory(engagement=engagement, confirmed_by=contact,
                              confirmed_on=timezone.localdate())


def advance_to(engagement, stage, by=None):
    """Meet each gate on the way and run the forward transitions up to ``stage``."""
    by = by or engagement.lead_consultant
    with scopes_disabled():
        if engagement.stage == Stage.NEEDS_ANALYSIS and stage != Stage.NEEDS_ANALYSIS:
            meet_needs_analysis(engagement)
            services.engagement_confirm_needs(engagement=engagement, by=by)
        if engagement.stage == Stage.COMMUNICATION and stage != Stage.COMMUNICATION:
            meet_communication(engagement)
            services.engagement_confirm_framework(engagement=engagement, by=by)
    assert engagement.stage == stage, f"advance_to({stage}) stopped at {engagement.stage}"
    return engagement
