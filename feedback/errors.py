"""What the services and the survey link refuse, with the reason in the user's language."""

from django_fsm import TransitionNotAllowed


class ComplaintStepRefused(TransitionNotAllowed):
    """A complaint step that is not the next one (a skipped or repeated step), or that
    lacks what the step records."""


class SurveyLinkError(Exception):
    """A survey link that cannot be answered. The subclasses say why; a view answers
    each with a page that says so and stores nothing."""


class SurveyLinkInvalid(SurveyLinkError):
    """No link has this token (mistyped, forged, or replaced by a reminder's link)."""


class SurveyLinkExpired(SurveyLinkError):
    pass


class SurveyLinkUsed(SurveyLinkError):
    pass


class FollowUpRefused(Exception):
    """A follow-up step that the engagement's stage does not allow."""
