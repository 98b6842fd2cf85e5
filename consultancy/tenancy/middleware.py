"""Request-level tenancy: language per user, the firm scope, and the client contacts' fence."""

from django.http import Http404
from django.shortcuts import redirect
from django.utils import translation
from django_scopes import scopes_disabled

from . import areas
from .scoping import firm_scope


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
    """Client contacts live in their area (the portal registers it, ``tenancy.areas``);
    anywhere else but the account pages and the paths opened to them is a 404. Firm
    staff who open the client area are sent to their own home page."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated:
            if user.is_client_contact:
                if request.path == "/" and areas.client_home_url():
                    return redirect(areas.client_home_url())
                if not areas.client_contact_may_reach(request.path):
                    raise Http404
            elif areas.in_client_area(request.path):
                return redirect("home")
        return self.get_response(request)
