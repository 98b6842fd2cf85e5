"""``{{ amount|money }}``: an amount in yuan as ¥98,000.00 in every language and on every
page (a built-in library: no ``{% load %}``)."""

from decimal import Decimal, InvalidOperation

from django import template

register = template.Library()


@register.filter
def money(value):
    if value is None or value == "":
        return ""
    try:
        amount = Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        return value
    sign = "-" if amount < 0 else ""
    return f"{sign}¥{abs(amount):,.2f}"
