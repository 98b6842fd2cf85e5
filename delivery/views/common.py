from django.shortcuts import render

from engagements.views import get_engagement  # noqa: F401  (the one access check)


def frozen_response(request, engagement, record=None):
    """409: the record (or the stage) is frozen."""
    return render(request, "engagements/record_frozen.html",
                  {"engagement": engagement, "record": record}, status=409)


def apply_validation_error(form, exc):
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)
