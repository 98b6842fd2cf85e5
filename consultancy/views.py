"""Site-level views: landing, language, health. Each app's own views live in the app."""

import hashlib

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.db import transaction
from django.http import HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.utils.http import url_has_allowed_host_and_scheme, urlsafe_base64_decode
from django.utils.translation import gettext as _
from django.views.i18n import set_language as django_set_language
from health_check.views import HealthCheckView

from consultancy.notifications.tasks import mail_password_reset
from consultancy.outbox import enqueue
from consultancy.tenancy import areas, rls, security
from consultancy.tenancy.backends import acting_as
from consultancy.tenancy.forms import UserPasswordResetForm
from consultancy.tenancy.models import User
from consultancy.tenancy.scoping import firm_scope
from consultancy.tenancy.selectors import own_certificates_due
from engagements.selectors import engagements_visible_to
from engagements.stages import ACTIVE, Stage
from feedback.selectors import reminders_for


def landing_url_for(user) -> str:
    if user.is_client_contact:
        return areas.client_home_url() or "/"
    if user.is_superuser and user.firm_id is None:
        return "/admin/"
    return "/"


class LoginView(auth_views.LoginView):
    """Staff and client contacts log in here. A locked account (too many failures) is
    refused with a word on when to retry (tenancy.security)."""

    redirect_authenticated_user = True
    form_class = security.LoginForm

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["session_expired"] = security.pop_session_expired(self.request)
        return context

    def get_default_redirect_url(self):
        return landing_url_for(self.request.user)

    def get_success_url(self):
        url = self.get_redirect_url()
        user = self.request.user
        # A client contact goes only into the portal (the page a mail's link named, e.g.
        # the plan awaiting confirmation; anything else: the portal's home), a member of
        # staff never into the portal.
        if url and user.is_client_contact == areas.in_client_area(url):
            return url
        return landing_url_for(user)


class PasswordResetForm(UserPasswordResetForm):
    """Django's form (the account found through the narrow e-mail lookup, row-level
    security), except that the mail is an outbox job: it goes out after the request (with
    retries), never inside it, whatever the mail server or the broker is doing."""

    def save(self, domain_override=None, use_https=False, request=None, **kwargs):
        domain = domain_override or (request.get_host() if request is not None else "")
        language = translation.get_language() or ""
        for user in self.get_users(self.cleaned_data["email"]):
            # The job is the user's firm's row (row-level security: written in its scope);
            # a platform operator has no firm, so theirs is written in the audited mode.
            within = (firm_scope(user.firm_id, user=user) if user.firm_id
                      else rls.cross_firm("password reset of a platform operator"))
            with within, transaction.atomic():
                enqueue(mail_password_reset, user.pk, "https" if use_https else "http",
                        domain, language, firm=user.firm_id)


class PasswordResetView(auth_views.PasswordResetView):
    """Django's reset request, at most ``PASSWORD_RESET_LIMIT_PER_HOUR`` an hour for one
    e-mail address and for one client address; beyond, nothing is sent (ASVS V2.5). The
    mail is sent in the background (``PasswordResetForm``)."""

    form_class = PasswordResetForm

    def form_valid(self, form):
        limit = settings.PASSWORD_RESET_LIMIT_PER_HOUR
        email = form.cleaned_data["email"].strip().lower()
        by_address = security.over_rate_limit(
            "password-reset-email", hashlib.sha256(email.encode()).hexdigest(), limit)
        by_client = security.over_rate_limit(
            "password-reset-ip", security.client_ip(self.request) or "unknown", limit)
        if by_address or by_client:
            form.add_error(None, _("Too many password-reset requests. Try again in an hour, "
                                   "or ask your firm's manager."))
            response = self.form_invalid(form)
            response.status_code = 429
            return response
        return super().form_valid(form)


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """Django's reset link (also the portal's set-password link, ``clients.services``). The
    link names its user by id before any firm is known: the page runs as that user (their
    own row, then their firm: row-level security, ``tenancy.rls``); a bad id is Django's
    "invalid link"."""

    def dispatch(self, *args, **kwargs):
        try:
            user_id = int(urlsafe_base64_decode(kwargs.get("uidb64", "")).decode())
        except (TypeError, ValueError, OverflowError, UnicodeDecodeError):
            return super().dispatch(*args, **kwargs)
        with rls.user_scope(user_id):
            user = User._default_manager.filter(pk=user_id).first()
        if user is None:
            return super().dispatch(*args, **kwargs)
        with acting_as(user):
            return super().dispatch(*args, **kwargs)


REMINDERS_SHOWN = 10  # the newest unread ones; the rest follow as these are marked read
# A member of staff is warned of their own certificate this many days before it expires
# (the gates of 8.1.1 and 8.2.2 count only certificates valid on the day).
CERTIFICATE_WARNING_DAYS = 60


def home(request):
    user = request.user
    if not user.is_authenticated:
        return redirect("login")
    if not user.is_firm_staff:
        return redirect(landing_url_for(user))
    engagements = (
        engagements_visible_to(user).filter(stage__in=ACTIVE)
        .select_related("client").order_by("stage_entered_at")
    )
    by_stage = {stage: [] for stage in ACTIVE}
    for e in engagements:
        by_stage[e.stage].append(e)
    groups = [{"stage": Stage(s), "engagements": by_stage[s]} for s in ACTIVE]
    unread = reminders_for(user)
    certificates = own_certificates_due(user=user, today=timezone.localdate(),
                                        days=CERTIFICATE_WARNING_DAYS)
    return render(request, "home.html", {"groups": groups,
                                         "certificates_due": certificates,
                                         "total": sum(len(g["engagements"]) for g in groups),
                                         "reminders": list(unread[:REMINDERS_SHOWN]),
                                         "reminders_unread": unread.count()})


def set_language(request):
    """Django's ``set_language``, plus the choice saved on the user (it follows them)."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    response = django_set_language(request)
    lang = request.POST.get("language", "")
    if request.user.is_authenticated and lang in dict(User._meta.get_field("language").choices):
        request.user.language = lang
        request.user.save(update_fields=["language"])
    next_url = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(next_url, {request.get_host()}):
        response["Location"] = "/"
    return response


class HealthView(HealthCheckView):
    """``/healthz`` (django-health-check): the database, the cache, the broker, the private
    files' storage, the outbox's backlog and the beat's last run; 200 when all are fine,
    500 otherwise, as HTML, text (``Accept: text/plain``) or JSON (``?format=json``).
    docker-compose uses it as the web service's health check; the worker and the beat run
    the checks that concern them (``/healthz/worker``, ``/healthz/beat``) with
    ``manage.py health_check <name> --no-http``. It names no firm and no user."""

    checks = (
        "health_check.checks.Database",
        "health_check.checks.Cache",
        "consultancy.outbox.health.Broker",
        "health_check.checks.Storage",
        "consultancy.outbox.health.OutboxBacklog",
        "consultancy.outbox.health.BeatHeartbeat",
    )


class WorkerHealthView(HealthView):
    checks = ("health_check.checks.Database", "consultancy.outbox.health.Broker",
              "health_check.checks.Storage")


class BeatHealthView(HealthView):
    checks = ("consultancy.outbox.health.Broker", "consultancy.outbox.health.BeatHeartbeat")
