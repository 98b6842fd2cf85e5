from django.db.models import Count, Exists, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce

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
        # read with the engagement (``panel_annotations``), else asked here
        "open_complaints": engagement.feedback_open_complaints
        if hasattr(engagement, "feedback_open_complaints")
        else _open_complaints(engagement.pk).count(),
        "survey_sent": engagement.feedback_survey_sent
        if hasattr(engagement, "feedback_survey_sent")
        else _surveys(engagement.pk).exists(),
    }


def _open_complaints(engagement_pk):
    return Complaint.objects.filter(engagement_id=engagement_pk).exclude(
        status=Complaint.Status.CLOSED)


def _surveys(engagement_pk):
    return Survey.objects.filter(engagement_id=engagement_pk)


def panel_annotations():
    """The panel's count, flag and hand-over, read with the engagement
    (``engagements.panels.annotate``): three queries fewer on the engagement page from
    evaluation on."""
    return {
        "feedback_open_complaints": Coalesce(Subquery(
            _open_complaints(OuterRef("pk")).order_by().values("engagement_id")
            .annotate(n=Count("pk")).values("n")[:1], output_field=IntegerField()), 0),
        "feedback_survey_sent": Exists(_surveys(OuterRef("pk"))),
        # the follow-up summary's hand-over (9.1, 9.2: the periods start there)
        selectors.HANDED_OVER_AT: selectors.handed_over_at(),
    }
