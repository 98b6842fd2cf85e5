"""Writing the activity log: :func:`record_event`, and who ``history_user`` is.

Every service writes one event per act inside its own transaction (an act and its log
entry are committed together or not at all). ``by`` is a user or a
:class:`~consultancy.activity.models.SystemActor` code; a system actor's changes are
attributed in django-simple-history to an inactive system user of the firm.
"""

import functools
from contextlib import contextmanager
from types import SimpleNamespace

from django.db import models, transaction
from django.utils.translation import gettext_lazy
from simple_history.models import HistoricalRecords

from consultancy.refusals import INVALID, Refusal
from consultancy.tenancy.models import Firm, User

from .models import Event, SystemActor


class BlankActor(Refusal, ValueError):
    """An act without an actor: every event names a user or a system actor."""

    code = "blank_actor"
    kind = INVALID
    default_message = gettext_lazy("Every act needs an actor.")


def _is_system_actor(by) -> bool:
    return isinstance(by, str) and by in SystemActor.values


def system_user(firm, code) -> User:
    """The inactive user standing for a system actor in ``firm``'s change history: never
    able to log in (no usable password, inactive), never staff (the client-contact role
    with no contact record, so no staff or contact list shows it)."""
    firm_id = getattr(firm, "pk", firm)
    email = f"system+{code}@{firm_id}.invalid"
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User(email=email, firm_id=firm_id, full_name=str(SystemActor(code).label),
                    role=User.Role.CLIENT_CONTACT, is_active=False)
        user.set_unusable_password()
        user._history_user = user  # its own creation is its first act
        user.save()
    return user


def history_user(by, firm=None):
    """The user django-simple-history records for ``by``."""
    if _is_system_actor(by):
        if firm is None:
            return None
        return system_user(firm, by)
    return by


@contextmanager
def acting_as(by, firm=None):
    """Inside: every history row written names ``by`` (its system user for a system
    actor) as its ``history_user``."""
    user = history_user(by, firm)
    missing = object()
    previous = getattr(HistoricalRecords.context, "request", missing)
    HistoricalRecords.context.request = SimpleNamespace(user=user) if user else None
    try:
        yield
    finally:
        if previous is missing:
            try:
                del HistoricalRecords.context.request
            except AttributeError:
                pass
        else:
            HistoricalRecords.context.request = previous


def _firm_of(kwargs):
    firm = kwargs.get("firm")
    if firm is not None:
        return firm
    for value in kwargs.values():
        if isinstance(value, models.Model) and getattr(value, "firm_id", None):
            return value.firm_id
    return None


def performed_by(func):
    """Decorate a service taking ``by=``: its history rows name ``by``."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        by = kwargs.get("by")
        if by is None:
            return func(*args, **kwargs)
        with acting_as(by, _firm_of(kwargs)):
            return func(*args, **kwargs)

    return wrapper


def _label(obj) -> tuple[str, str]:
    if obj is None:
        return "", ""
    return obj._meta.label_lower, str(obj.pk)


def record_event(*, firm, by, verb, obj=None, engagement=None, clause="", params=None,
                 client_visible=False) -> Event:
    """Write one event. Call it inside the service's transaction, after its change."""
    if by is None or by == "" or (isinstance(by, str) and not _is_system_actor(by)):
        raise BlankActor()
    if not transaction.get_connection().in_atomic_block:
        raise ValueError("record_event() runs inside the service's transaction.")
    firm_id = firm.pk if isinstance(firm, Firm) else firm
    object_type, object_id = _label(obj)
    event = Event(
        firm_id=firm_id, verb=verb, object_type=object_type, object_id=object_id,
        engagement_id=getattr(engagement, "pk", engagement), clause=clause,
        params=params or {}, client_visible=client_visible,
    )
    if _is_system_actor(by):
        event.system_actor = by
    else:
        event.actor = by
    event.save()
    return event
