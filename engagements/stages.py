"""The stages of an engagement, in the order of the standard's Figure 1 (clause 4)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Stage(models.TextChoices):
    NEEDS_ANALYSIS = "needs_analysis", _("Needs analysis")
    COMMUNICATION = "communication", _("Communication and confirmation")
    CONTRACTING = "contracting", _("Contract")
    DELIVERY = "delivery", _("Consulting service")
    EVALUATION = "evaluation", _("Evaluation")
    FOLLOW_UP = "follow_up", _("Follow-up and improvement")
    CLOSED = "closed", _("Closed")
    DECLINED = "declined", _("Declined")
    TERMINATED = "terminated", _("Terminated")


# The process of Figure 1, with the clause each stage comes from.
PROCESS = [
    (Stage.NEEDS_ANALYSIS, "5"),
    (Stage.COMMUNICATION, "6"),
    (Stage.CONTRACTING, "7"),
    (Stage.DELIVERY, "8"),
    (Stage.EVALUATION, ""),  # named in clause 1 and Figure 1; no clause of its own
    (Stage.FOLLOW_UP, "9"),
]
ORDER = {stage: i for i, (stage, _clause) in enumerate(PROCESS)}
ORDER[Stage.CLOSED] = len(PROCESS)
ACTIVE = [stage for stage, _clause in PROCESS]
ENDED = [Stage.CLOSED, Stage.DECLINED, Stage.TERMINATED]

# The forward transition that leaves each stage, guarded by that stage's gate.
FORWARD = {
    Stage.NEEDS_ANALYSIS: "confirm_needs",
    Stage.COMMUNICATION: "confirm_framework",
    Stage.CONTRACTING: "sign_contract",
    Stage.DELIVERY: "hand_over",
    Stage.EVALUATION: "accept",
    Stage.FOLLOW_UP: "close",
}
DECLINABLE = [Stage.NEEDS_ANALYSIS, Stage.COMMUNICATION, Stage.CONTRACTING]
TERMINABLE = [Stage.DELIVERY, Stage.EVALUATION, Stage.FOLLOW_UP]

TRANSITION_LABELS = {
    "confirm_needs": _("Needs confirmed: go to communication"),
    "confirm_framework": _("Framework confirmed: go to the contract"),
    "sign_contract": _("Contract signed: start the service"),
    "hand_over": _("Hand over the results: go to evaluation"),
    "accept": _("Results accepted: go to follow-up"),
    "close": _("Close the engagement"),
    "decline": _("Decline the engagement"),
    "terminate": _("Terminate the engagement"),
}
