"""The engagement page's activity timeline (a panel of ``engagements.panels``)."""

from consultancy.activity.selectors import timeline


def activity_panel(engagement, request):
    return {"activity": timeline(request, firm_id=engagement.firm_id,
                                 engagement_id=engagement.pk)}
