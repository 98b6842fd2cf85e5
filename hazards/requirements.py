"""The gates hidden dangers hold (registered in ``HazardsConfig.ready``): the hand-over
(leaving ``delivery``) and the closing (leaving ``follow_up``). Each ``met_ids`` is one
query for any number of engagements."""

from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from engagements.gates import Requirement, batched, engagement_ids, register
from engagements.models import Engagement
from engagements.stages import Stage

from .models import Grade, HiddenDanger, State

# A 重大隐患 is settled when verified and closed, or when the client's refusal is recorded
# with the day the client was informed in writing.
SETTLED = Q(state=State.CLOSED) | Q(state=State.REFUSED, informed_in_writing_on__isnull=False)


def _without(unsettled):
    def met(engagements):
        pending = HiddenDanger.objects.filter(engagement_id=OuterRef("pk"),
                                              grade=Grade.MAJOR).filter(unsettled)
        return (Engagement.objects.filter(pk__in=engagement_ids(engagements))
                .filter(~Exists(pending)).values_list("pk", flat=True))
    return batched(met)


handover_met = _without(~SETTLED)
closing_met = _without(~SETTLED)

HANDOVER = "8.4.major_hazards"
CLOSING = "9.1.major_hazards"


def register_all():
    register(Requirement(
        HANDOVER, "8.4", Stage.DELIVERY,
        _("Every major hidden danger (重大隐患) found so far rectified and verified, or the "
          "client's refusal recorded and the client informed in writing"),
        handover_met, "hazards:ledger"))
    register(Requirement(
        CLOSING, "9.1", Stage.FOLLOW_UP,
        _("No major hidden danger (重大隐患) still open (the rectification rate is on the "
          "ledger)"),
        closing_met, "hazards:ledger"))
