"""Login lockout, request rate limits, session lifetimes and the security headers.

OWASP ASVS 4.0.3 level 2: V2.2.1 (no unlimited guessing: django-axes locks an account and
an address after ``AXES_FAILURE_LIMIT`` failures for ``AXES_COOLOFF_TIME``), V3.3 (an idle
and an absolute session lifetime), V14.4 (CSP is django-csp's; the other headers here).
"""

from __future__ import annotations

import ipaddress
import time
from datetime import timedelta

from axes.backends import AxesStandaloneBackend
from axes.helpers import get_cool_off
from axes.models import AccessAttempt
from axes.utils import reset as axes_reset
from django.conf import settings
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import logout
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.views import redirect_to_login
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db.models import OuterRef, Subquery, Sum
from django.db.models.functions import Lower
from django.http import HttpResponse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

# --- who is knocking --------------------------------------------------------------------


def client_ip(request) -> str | None:
    """The client's address: ``REMOTE_ADDR``, or, when ``BEHIND_PROXY`` says a reverse
    proxy is in front, the address that proxy appended last to ``X-Forwarded-For`` (the
    entries before it are whatever the client sent, so they are never trusted). None when
    there is no valid address (axes stores it in an ``inet`` column on PostgreSQL)."""
    address = request.META.get("REMOTE_ADDR", "")
    if getattr(settings, "BEHIND_PROXY", False):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if hops:
            address = hops[-1]
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return None


def lockout_username(request, credentials) -> str:
    """The account a login attempt is for: the e-mail address as logins match it (without
    case), so ``A@x.test`` and ``a@x.test`` count against one lock."""
    value = (credentials or {}).get(settings.AXES_USERNAME_FORM_FIELD)
    if value is None and request is not None:
        value = request.POST.get(settings.AXES_USERNAME_FORM_FIELD, "")
    return (value or "").strip().lower()


# --- lockout ----------------------------------------------------------------------------


def lockout_message(request=None) -> str:
    cool_off = get_cool_off(request) or timedelta(0)
    until = timezone.localtime(timezone.now() + cool_off)
    return _(
        "Too many failed logins: the account is locked for now. Try again after %(time)s, "
        "or ask your firm's manager to unlock it."
    ) % {"time": date_format(until, "Y-m-d H:i")}


class LockoutMessageMixin:
    """A login form that says so when a failed login is refused because of the lock (the
    right password included), instead of "wrong e-mail or password"."""

    def get_invalid_login_error(self):
        if getattr(self.request, "axes_locked_out", False):
            return ValidationError(lockout_message(self.request), code="locked_out")
        return super().get_invalid_login_error()


class LoginForm(LockoutMessageMixin, AuthenticationForm):
    pass


class AdminLoginForm(LockoutMessageMixin, AdminAuthenticationForm):
    pass


def lockout_response(request, original_response=None, credentials=None):
    """``AXES_LOCKOUT_CALLABLE``: the login page as the view rendered it (its form carries
    the lockout message), with status ``AXES_HTTP_RESPONSE_CODE`` (429)."""
    status = settings.AXES_HTTP_RESPONSE_CODE
    if original_response is not None and original_response.status_code == 200:
        original_response.status_code = status
        return original_response
    return HttpResponse(lockout_message(request), status=status,
                        content_type="text/plain; charset=utf-8")


class LoginLockoutBackend(AxesStandaloneBackend):
    """Axes' lockout check on every login that comes with a request (the login pages, the
    admin's). ``authenticate()`` called in code without a request (the test client's
    ``login``) has no address to count against and goes straight to the next backend."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


def unlock(user) -> int:
    """Lift the login lock of ``user`` (their failed attempts are forgotten); the number of
    attempt records removed."""
    return axes_reset(username=user.email.strip().lower())


def _recent_attempts():
    since = timezone.now() - (get_cool_off() or timedelta(days=36500))
    return AccessAttempt.objects.filter(attempt_time__gte=since)


def recent_login_failures():
    """A subquery for annotating users: their failed logins within the cool-off."""
    return Subquery(
        _recent_attempts().filter(username=Lower(OuterRef("email")))
        .order_by().values("username").annotate(n=Sum("failures_since_start")).values("n")[:1]
    )


def failures_lock(failures) -> bool:
    return (failures or 0) >= settings.AXES_FAILURE_LIMIT


def is_locked(user) -> bool:
    """Whether ``user``'s account is locked (its failures within the cool-off reach the
    limit)."""
    failures = _recent_attempts().filter(username=user.email.strip().lower()).aggregate(
        n=Sum("failures_since_start"))["n"]
    return failures_lock(failures)


# --- rate limits ------------------------------------------------------------------------


def over_rate_limit(scope: str, key: str, limit: int, window_seconds: int = 3600) -> bool:
    """Count one request for ``key`` in ``scope``; True once more than ``limit`` were
    counted within the window (a fixed window, started by the first request)."""
    cache_key = f"{settings.RATE_LIMIT_CACHE_PREFIX}:{scope}:{key}"
    if cache.add(cache_key, 1, timeout=window_seconds):
        count = 1
    else:
        try:
            count = cache.incr(cache_key)
        except ValueError:  # expired between add and incr
            cache.set(cache_key, 1, timeout=window_seconds)
            count = 1
    return count > limit


# --- sessions ---------------------------------------------------------------------------

SESSION_STARTED = "security_session_started"
SESSION_SEEN = "security_session_seen"
SESSION_EXPIRED = "security_session_expired"
SEEN_RESOLUTION = 60  # seconds: the last-activity time is written at most once a minute


def session_started(sender, request, user, **kwargs):
    """``user_logged_in`` receiver: the absolute lifetime counts from here."""
    now = int(time.time())
    request.session[SESSION_STARTED] = now
    request.session[SESSION_SEEN] = now


class SessionLifetimeMiddleware:
    """Log a user out after ``SESSION_IDLE_TIMEOUT_MINUTES`` without a request, and
    ``SESSION_MAX_AGE_HOURS`` after the log-in whatever they do (ASVS V3.3.1, V3.3.2). The
    next page is the login page, which says why."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            expired = self._check(request)
            if expired is not None:
                return expired
        return self.get_response(request)

    def _check(self, request):
        session, now = request.session, int(time.time())
        started = session.get(SESSION_STARTED)
        seen = session.get(SESSION_SEEN)
        if started is None:
            session[SESSION_STARTED] = session[SESSION_SEEN] = now
            return None
        idle = settings.SESSION_IDLE_TIMEOUT_MINUTES * 60
        absolute = settings.SESSION_MAX_AGE_HOURS * 3600
        if now - (seen or started) > idle or now - started > absolute:
            logout(request)
            request.session[SESSION_EXPIRED] = True
            return self._to_login(request)
        if seen is None or now - seen >= SEEN_RESOLUTION:
            session[SESSION_SEEN] = now
        return None

    @staticmethod
    def _to_login(request):
        if request.htmx:
            response = HttpResponse(status=204)
            response["HX-Redirect"] = redirect_to_login(request.get_full_path())["Location"]
            return response
        return redirect_to_login(request.get_full_path())


def pop_session_expired(request) -> bool:
    return bool(request.session.pop(SESSION_EXPIRED, False))


# --- headers ----------------------------------------------------------------------------


class SecurityHeadersMiddleware:
    """``Permissions-Policy`` on every response, and ``Cache-Control: private, no-store`` on
    every page the application renders (static files are served before this by
    WhiteNoise), unless the view set its own ``Cache-Control``: pages carry client data."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        if "Cache-Control" not in response.headers:
            response.headers["Cache-Control"] = "private, no-store"
        return response
