"""What every clause 8 page uses: the engagement access check, the 409 of a frozen
record, and putting a service's ValidationError on a form (all shared with the
engagement pages)."""

from consultancy.tenancy.mixins import apply_validation_error  # noqa: F401
from engagements.pages import frozen_response, get_engagement  # noqa: F401
