"""One-time form tokens: the same submission twice acts once.

A form that creates a record or performs an act renders ``{% once_token %}`` beside
``{% csrf_token %}`` (the tag is a template builtin). The tag writes a hidden input
``_once`` with a fresh random nonce, signed together with the user's id and the time, so a
token cannot be forged, nor used by another user, nor after :data:`MAX_AGE`.

:class:`OnceMiddleware` looks at every POST that carries the field:

* no token (an old page, a test, an anonymous visitor): the request goes on unguarded;
  the unique constraints of the records (a client's 统一社会信用代码, one review per
  engagement, ...) are then the only guard against a double submission;
* a token that does not verify (forged, another user's, expired): refused with a page
  asking to reload the form, nothing is done;
* a token already claimed: nothing is done again; the answer is a redirect to where the
  first POST went, with the message "already saved" (an htmx request gets ``204``);
* a fresh token: a :class:`~consultancy.tenancy.models.SubmissionToken` row claims it in
  a transaction around the view. If the view succeeded (a redirect, or a 2xx answer to
  htmx) the row keeps the redirect location and commits with the act; otherwise (a form
  with errors, a refusal, an error) the claim is dropped, so the corrected form can be
  sent again. Two concurrent POSTs with the same token meet on the row's unique
  constraint: the second waits for the first and then answers as a replay.

An htmx answer carries a fresh token in the ``X-Once-Token`` header; ``static/js/once.js``
puts it into the form, so a form that htmx submits and keeps on the page can be used
again. Claimed tokens older than :data:`MAX_AGE` are deleted on every claim.
"""

import datetime
import secrets

from django.contrib import messages
from django.core import signing
from django.db import IntegrityError, transaction
from django.http import HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.html import format_html
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _

from consultancy.refusals import INVALID, Refusal, refusal_response

from .models import SubmissionToken

FIELD = "_once"
HEADER = "X-Once-Token"
MAX_AGE = datetime.timedelta(days=1)
_SALT = "consultancy.tenancy.once"

ALREADY_SAVED = _("This was already saved; sending the form again did not save it twice.")


class TokenRefused(Refusal):
    """A form token that was not issued to this user, was altered or has expired."""

    code = "once_token_invalid"
    kind = INVALID
    default_message = _("This form has expired or was not issued to you. Go back, reload "
                        "the page and send the form again.")


def _guarded_user(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or user.firm_id is None:
        return None
    return user


def issue(user) -> str:
    """A fresh signed token for ``user``."""
    return signing.TimestampSigner(salt=_SALT).sign(f"{user.pk}.{secrets.token_urlsafe(18)}")


def verify(user, value: str) -> str:
    """The nonce of ``value`` if it is a token issued to ``user`` within :data:`MAX_AGE`,
    else :class:`TokenRefused`."""
    try:
        payload = signing.TimestampSigner(salt=_SALT).unsign(
            value, max_age=MAX_AGE.total_seconds())
    except signing.BadSignature as exc:
        raise TokenRefused() from exc
    user_pk, _sep, nonce = payload.partition(".")
    if user_pk != str(user.pk) or not nonce:
        raise TokenRefused()
    return nonce


def token_input(request) -> str:
    """The hidden input of a fresh token (empty for a visitor without a firm)."""
    user = _guarded_user(request)
    if user is None:
        return ""
    return format_html('<input type="hidden" name="{}" value="{}">', FIELD, issue(user))


def _is_htmx(request):
    return bool(request.htmx)


def _succeeded(request, response):
    if getattr(request, "_once_refused", False):
        return False
    if 300 <= response.status_code < 400:
        return True
    return _is_htmx(request) and 200 <= response.status_code < 300


def _replay(request, claimed):
    """The answer to a POST whose token was already used."""
    if _is_htmx(request):
        return HttpResponse(status=204)
    messages.info(request, ALREADY_SAVED)
    if claimed.location:
        return redirect(claimed.location)
    referer = request.headers.get("Referer")
    if referer and url_has_allowed_host_and_scheme(
            referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return redirect(referer)
    return redirect(request.path)


class OnceMiddleware:
    """Claims the one-time token of a POST around the view (see the module's docstring).

    Placed after ``RefusalMiddleware`` in ``MIDDLEWARE``, so that its
    :meth:`process_exception` sees a refusal first and drops the claim."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method != "POST":
            return self.get_response(request)
        user = _guarded_user(request)
        value = request.POST.get(FIELD) if user is not None else None
        if not value:
            return self.get_response(request)
        try:
            nonce = verify(user, value)
        except TokenRefused as exc:
            return refusal_response(request, exc, status=400)
        return self._claimed(request, user, nonce)

    def _claimed(self, request, user, nonce):
        earlier = SubmissionToken.objects.filter(user=user, token=nonce).first()
        if earlier is not None:
            return _replay(request, earlier)
        with transaction.atomic():
            try:
                with transaction.atomic():
                    claim = SubmissionToken.objects.create(firm_id=user.firm_id, user=user,
                                                           token=nonce)
            except IntegrityError:
                # a concurrent POST with this token claimed it first, and has committed
                return _replay(request, SubmissionToken.objects.get(user=user, token=nonce))
            response = self.get_response(request)
            if _succeeded(request, response):
                claim.location = response.get("Location", "")[:2000]
                claim.save(update_fields=["location"])
                SubmissionToken.objects.filter(
                    created_at__lt=timezone.now() - MAX_AGE).delete()
            else:
                claim.delete()
        if _is_htmx(request):
            response[HEADER] = issue(user)
        return response

    def process_exception(self, request, exception):
        if isinstance(exception, Refusal):
            request._once_refused = True
        return None
