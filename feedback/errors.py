"""What the services and the survey link refuse, with the reason in the user's language."""

from django.utils.translation import gettext_lazy as _
from django_fsm import TransitionNotAllowed

from consultancy.refusals import CONFLICT, GONE, INVALID, Refusal


class ComplaintStepRefused(Refusal, TransitionNotAllowed):
    """A complaint step that is not the next one (a skipped or repeated step), or that
    lacks what the step records (9.4)."""

    code = "complaint.step_refused"
    kind = INVALID


class SurveyLinkError(Refusal):
    """A survey link that cannot be answered. The subclasses say why; a view answers
    each with a page that says so and stores nothing."""

    code = "survey_link"
    kind = GONE
    default_message = _("This survey link can no longer be answered.")


class SurveyLinkInvalid(SurveyLinkError):
    """No link has this token (mistyped, forged, or replaced by a reminder's link)."""

    code = "survey_link.invalid"
    default_message = _("This survey link is not valid.")


class SurveyLinkExpired(SurveyLinkError):
    code = "survey_link.expired"


class SurveyLinkUsed(SurveyLinkError):
    code = "survey_link.used"


class FollowUpRefused(Refusal):
    """A follow-up step that the engagement's stage does not allow (9.1 to 9.3)."""

    code = "follow_up.refused"
    kind = CONFLICT


class NoQuestionSet(Refusal):
    """The firm has no satisfaction question set (9.5). Every firm is given one when it is
    created (consultancy.tenancy.firm_lists); a read never makes one."""

    code = "survey.no_question_set"
    kind = CONFLICT
    default_message = _("Your firm has no satisfaction survey questions (9.5). Ask the "
                        "platform's operator to give the firm its starting lists.")
