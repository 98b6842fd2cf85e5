"""What the domain refuses, and how a page answers it.

Every refusal of a service or a model (a frozen record, a stage someone else has just
moved, a contract step out of order, a used survey link, a reference into another firm)
is a :class:`Refusal`: a stable ``code`` for programs and tests, a ``message`` in the
user's language (lazy, rendered when shown) and a ``kind`` that says how a page answers:

* ``Kind.CONFLICT``: the record is frozen or someone else was first: a 409 page;
* ``Kind.INVALID``: the input cannot be accepted: an error on the form (or a message);
* ``Kind.GONE``: the act no longer applies: a message and a redirect.

This module sits below every app and imports none of them (import-linter checks it), so
any layer may raise or answer a refusal. :class:`RefusalMiddleware` answers a refusal no
view caught, so a refusal is never a 500.
"""

import enum

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _


class Kind(enum.StrEnum):
    CONFLICT = "conflict"
    INVALID = "invalid"
    GONE = "gone"


CONFLICT, INVALID, GONE = Kind.CONFLICT, Kind.INVALID, Kind.GONE


class Refusal(Exception):
    """A step the domain refuses. Subclasses set ``code``, ``kind`` and
    ``default_message``; an instance may override each (``Refusal(msg, code=...)``).

    Extra positional and keyword arguments go to the next base class, so a refusal can
    also be another exception (``class CrossFirmReference(Refusal, ValueError)``).
    """

    code: str = "refused"
    kind: Kind = CONFLICT
    default_message = _("This cannot be done now.")

    def __init__(self, message=None, *args, code=None, kind=None, **kwargs):
        if message is None:
            message = self.default_message
        super().__init__(message, *args, **kwargs)
        self.message = message
        if code is not None:
            self.code = code
        if kind is not None:
            self.kind = Kind(kind)

    def __str__(self):
        return str(self.message)


# -- answering a refusal ------------------------------------------------------------

CONFLICT_TEMPLATE = "409.html"


def refusal_response(request, exc, *, template=CONFLICT_TEMPLATE, context=None, status=409):
    """The page of a refusal: ``template`` rendered with ``refusal``, ``message`` and
    ``code`` (plus ``context``), with status 409."""
    ctx = {"refusal": exc, "message": exc.message, "code": exc.code,
           "back": _safe_referer(request), **(context or {})}
    return render(request, template, ctx, status=status)


def add_refusal_to_form(form, exc, field=None):
    """Put the refusal's message on ``form`` (on ``field``, else as a non-field error)."""
    form.add_error(field, str(exc))


def answer_refusal(request, exc, *, form=None, redirect_to=None, template=CONFLICT_TEMPLATE,
                   context=None):
    """Answer ``exc`` the way its kind asks, with what the view gives:

    * a ``CONFLICT`` (or any refusal without a form or a place to go): the 409 page;
    * an ``INVALID`` with a ``form``: the message goes on the form and ``None`` is
      returned (the view renders the form again);
    * with ``redirect_to``: the message as an error and a redirect there.
    """
    if exc.kind != CONFLICT and form is not None:
        add_refusal_to_form(form, exc)
        return None
    if exc.kind != CONFLICT and redirect_to is not None:
        messages.error(request, str(exc))
        return redirect(redirect_to)
    return refusal_response(request, exc, template=template, context=context)


def _safe_referer(request):
    referer = request.headers.get("Referer")
    if referer and url_has_allowed_host_and_scheme(
            referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return referer
    return None


class RefusalMiddleware:
    """Answers a :class:`Refusal` that no view caught: a ``GONE`` one with a message and
    a redirect back to the page the user came from (when it is ours), every other one with
    the 409 page, in the user's language."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, Refusal):
            return None
        back = _safe_referer(request) if exception.kind == GONE else None
        if back is not None:
            messages.error(request, str(exception))
            return redirect(back)
        return refusal_response(request, exception)
