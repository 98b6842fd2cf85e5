"""Request-level tenancy: language per user, the firm scope, and the client contacts' fence."""

from django.http import Http404
from django.shortcuts import redirect
from django.utils import translation

from . import areas, rls
from .scoping import firm_scope


class UserLanguageMiddleware:
    """A user's chosen language beats the browser's (LocaleMiddleware decides otherwise)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.language:
            # For this request only: the thread's next request (or test) starts afresh.
            with translation.override(user.language):
                request.LANGUAGE_CODE = translation.get_language()
                return self.get_response(request)
        return self.get_response(request)


class FirmScopeMiddleware:
    """Enter the logged-in user's firm scope for the whole request: the ORM's filter and
    the database's firm (row-level security, ``tenancy.rls``) are set by this one act.

    Anonymous requests get no scope at all (whatever scope the caller was in), so any
    query on a firm-owned model raises and the database shows no firm's rows; views that serve an anonymous visitor
    (a survey link) enter the scope of the firm their token names, explicitly. Platform
    operators (superusers without a firm) work across firms in the one audited mode
    (``rls.cross_firm``: every request is logged with who and what), and only the admin
    lets them in.

    At the end of every request each open connection is reset to "no firm" (so that a
    persistent or pooled connection never carries one request's firm into the next; the
    backend also forgets what a connection holds when it is taken from the pool).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            return self._in_scope(request)
        finally:
            rls.sync_connections()

    def _in_scope(self, request):
        user = request.user
        if user.is_authenticated:
            if user.firm_id is not None:
                with firm_scope(user.firm_id, user=user.pk):
                    return self.get_response(request)
            if user.is_superuser:
                reason = (f"platform operator {user.email} (id {user.pk}): "
                          f"{request.method} {request.path}")
                with rls.cross_firm(reason):
                    return self.get_response(request)
        with rls.no_firm():
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
