"""The engagement page's activity timeline (a panel of ``engagements.panels``): a
placeholder the page fills after loading (``hx-get``), so the page itself does not read
the timeline (issue 19's budget of 12 queries); the timeline is ``engagements:activity``."""


from .pages import lazy_section_url


def activity_panel(engagement, request):
    return {"url": lazy_section_url(request, "engagements:activity", engagement)}
