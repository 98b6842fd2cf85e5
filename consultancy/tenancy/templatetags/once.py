"""``{% once_token %}``: the hidden one-time token of a form (``tenancy.once``); a
template builtin, so no ``{% load %}`` is needed."""

from django import template

from consultancy.tenancy.once import token_input

register = template.Library()


@register.simple_tag(takes_context=True)
def once_token(context):
    return token_input(context.get("request"))
