from engagements.stages import ORDER, Stage

from . import selectors
from .models import Complaint, Survey


def feedback_panel(engagement, request):
    """The engagement page's evaluation and follow-up section, from evaluation on."""
    if ORDER.get(engagement.stage, -1) < ORDER[Stage.EVALUATION]:
        return None
    return {
        "engagement": engagement,
        "acceptance": selectors.latest_acceptance(engagement),
        "summary": selectors.follow_up_summary(engagement),
        "open_complaints": Complaint.objects.filter(engagement=engagement)
        .exclude(status=Complaint.Status.CLOSED).count(),
        "survey_sent": Survey.objects.filter(engagement=engagement).exists(),
    }
