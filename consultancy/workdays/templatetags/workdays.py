from django import template
from django.utils import timezone

from consultancy.workdays.calendar import missing_years

register = template.Library()


@register.inclusion_tag("workdays/_missing_schedule.html", takes_context=True)
def missing_schedule_warning(context):
    """A warning for the operator and managers when a year's holiday schedule is not in the
    calendar (from 1 December for the next year): working-day limits would then count
    Monday to Friday only."""
    user = context.get("user")
    show = user is not None and (user.is_superuser or getattr(user, "is_manager", False))
    years = missing_years(timezone.localdate()) if show else []
    return {"years": years, "is_operator": bool(user and user.is_superuser)}
