from . import selectors


def hazards_panel(engagement, request):
    """The engagement page's section on hidden dangers: the counts and the rate."""
    return {"engagement": engagement,
            "stats": selectors.engagement_statistics(
                engagement, **selectors.statistics_options(request))}
