"""When an engagement's contract was signed: the milestone clause 8 follows
(``engagements.chronology``)."""

from .models import Contract


def signed_on(engagement):
    """The day the contract (version 1: an amendment does not move it) was signed by both
    sides, the later of the two signatures; ``None`` while it is not signed."""
    row = (Contract.objects.filter(engagement_id=engagement.pk, amends__isnull=True,
                                   status__in=[Contract.Status.SIGNED,
                                               Contract.Status.TERMINATED])
           .values_list("firm_signed_on", "client_signed_on").first())
    if row is None:
        return None
    days = [d for d in row if d is not None]
    return max(days) if days else None
