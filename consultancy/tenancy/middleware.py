"""Request-level tenancy: language per user, the firm scope, and the client contacts' fence."""

from django.http import Http404
from django.shortcuts import redirect
from django.utils import translation
from django_scopes import scopes_disabled

from .scoping import firm_scope

# What a client contact may reach outside the portal: the account pages only.
CLIENT_CONTACT_ALLOWED_PREFIXES = (
    "/portal/", "/accounts/", "/i18n/", "/static/", "/jsi18n/",
    "/survey/",  # a satisfaction survey link (9.5) works whether or not they are logged in
)


class UserLanguageMiddleware:
    """A user's chosen language beats the browser's (LocaleMiddleware decides otherwise)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.language:
            translation.activate(user.language)
            request.LANGUAGE_CODE = translation.get_language()
        return self.get_response(request)


class FirmScopeMiddleware:
    """Enter the logged-in user's firm scope for the whole request.

    Anonymous requests get no scope at all, so any query on a firm-owned model
    raises; views that serve an anonymous visitor (a survey link) enter the scope of
    the firm their token names, explicitly. Platform operators (superusers without a
    firm) work unscoped, and only the admin lets them in.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated:
            if user.firm_id is not None:
                with firm_scope(user.firm_id):
                    return self.get_response(request)
            if user.is_superuser:
                with scopes_disabled():
                    return self.get_response(request)
        return self.get_response(request)


class ClientContactConfinementMiddleware:
    """Client contacts live in ``/portal/``; anywhere else but the account pages is a 404.
    Firm staff who open the portal are sent to their own home page."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated:
            if user.is_client_contact:
                if request.path == "/":
                    return redirect("portal:home")
                if not request.path.startswith(CLIENT_CONTACT_ALLOWED_PREFIXES):
                    raise Http404
            elif request.path.startswith("/portal/"):
                return redirect("home")
        return self.get_response(request)
