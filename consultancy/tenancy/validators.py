"""Validators shared by every app's forms and services."""

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

NOT_IN_THE_FUTURE = _("The date cannot be in the future.")


def not_in_the_future(value, field=None):
    """A day on which something was done (a record, a signature, a confirmation) is
    today or earlier. ``None`` passes (whether a date is required is the field's
    business). Planned days, due dates and schedules are not checked with this.

    As a form or model field validator it raises a plain ``ValidationError``; a service
    names the ``field`` so that its error lands on that field of the form.
    """
    if value is not None and value > timezone.localdate():
        error = ValidationError(NOT_IN_THE_FUTURE, code="future")
        raise ValidationError({field: error}) if field else error
