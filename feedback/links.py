"""Where a survey invitee answers (9.5). The one-time public link (``/survey/<token>/``)
is feedback's own; an app above feedback that offers another place to answer (the
client portal, for a contact with a login) registers a provider here, so feedback never
names that app's pages."""

from collections.abc import Callable

from django.urls import NoReverseMatch, reverse

SurveyLinkProvider = Callable[[object], str]

_providers: list[SurveyLinkProvider] = []


def survey_answer_url(token: str) -> str:
    """The path of the one-time public survey page of ``token``."""
    try:
        return reverse("feedback:survey_answer", args=[token])
    except NoReverseMatch:
        return f"/survey/{token}/"


def register_survey_link(provider: SurveyLinkProvider) -> None:
    """Add ``provider(invitation) -> path``: the path of another page where the invitee
    answers after logging in, or "" when they cannot. Registering it twice is a no-op."""
    if provider not in _providers:
        _providers.append(provider)


def unregister_survey_link(provider: SurveyLinkProvider) -> None:
    if provider in _providers:
        _providers.remove(provider)


def survey_link_providers() -> list[SurveyLinkProvider]:
    """The registered providers, in the order they were registered."""
    return list(_providers)


def signed_in_survey_url(invitation) -> str:
    """The first registered provider's path for ``invitation``; "" when none gives one
    (then the mail carries the public link only)."""
    for provider in _providers:
        path = provider(invitation)
        if path:
            return path
    return ""


# -- 9.4: where a complainant reads their complaint ------------------------------------

ComplaintLinkProvider = Callable[[object], str]

_complaint_providers: list[ComplaintLinkProvider] = []


def register_complaint_link(provider: ComplaintLinkProvider) -> None:
    """Add ``provider(complaint) -> path``: the page where the complainant reads their
    complaint and replies to the answer after logging in (the client portal), or "" when
    they cannot. Registering it twice is a no-op."""
    if provider not in _complaint_providers:
        _complaint_providers.append(provider)


def complaint_portal_url(complaint) -> str:
    """The first registered provider's path for ``complaint``; "" when none gives one."""
    for provider in _complaint_providers:
        path = provider(complaint)
        if path:
            return path
    return ""
