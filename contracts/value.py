"""An engagement's value in CNY: the fee of its latest contract version that is not
terminated (the signed one in force, or the draft being negotiated)."""

from django.db.models import DecimalField

from .models import Contract


def contract_fee():
    """A Subquery on Engagement (``OuterRef("pk")``) of its contract's fee."""
    return Contract.objects.exclude(status=Contract.Status.TERMINATED).current_value(
        "fee", output_field=DecimalField(max_digits=14, decimal_places=2))
