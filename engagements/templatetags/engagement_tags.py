from django import template

from engagements import panels

register = template.Library()


@register.simple_tag(takes_context=True)
def engagement_list_actions(context):
    """The list actions later apps registered (``panels.register_list_action``)."""
    return panels.list_actions_for(context["user"])
