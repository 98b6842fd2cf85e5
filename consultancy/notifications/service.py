"""Render a notice per recipient, in their language, and hand it to the channels.

Each delivery (one recipient, one channel) is recorded under a key (by default the
background job that sends the notice, ``job:<id>``): a recipient already delivered under
that key is not sent the notice again, so a job that runs twice (a worker died after
sending, the broker handed the message over again) delivers once. A channel that fails
(an SMTP error) does not stop the others or the next recipients; once everyone was tried,
:class:`NoticeNotDelivered` says who was not reached, and the task retries with backoff
(:data:`NOTICE_TASK`): the retry sends to those only.
"""

import logging
import smtplib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.utils import timezone, translation

from consultancy.outbox.context import current_job_id
from consultancy.outbox.scope import across_firms
from consultancy.refusals import GONE, Refusal
from consultancy.tenancy.models import User

from .channels import channels

logger = logging.getLogger(__name__)

# A delivery "being sent" for longer than this was interrupted (its worker died): it may
# be tried again.
SENDING_STALE_AFTER = timedelta(minutes=10)


class NoticeNotDelivered(Refusal):
    """Some recipients of a notice were not reached (their errors are recorded); the
    others were. The task that sent it retries (``NOTICE_TASK``)."""

    code = "notice.not_delivered"
    kind = GONE

    def __init__(self, notice="", failures=()):
        self.notice = notice
        self.failures = list(failures)  # [(address, channel, error text)]
        super().__init__(f"The notice {notice!r} did not reach "
                         + "; ".join(f"{a} ({c}): {e}" for a, c, e in self.failures))


# The options of every Celery task that sends notices: retried with exponential backoff
# (30 s, 1 min, 2 min, … at most 15 min apart, with jitter) on a failed delivery or a mail
# server error, at most 6 times; after that the job fails and the firm's managers see it.
NOTICE_TASK = {
    "autoretry_for": (NoticeNotDelivered, smtplib.SMTPException, ConnectionError, TimeoutError),
    "retry_backoff": 30,
    "retry_backoff_max": 900,
    "retry_jitter": True,
    "max_retries": 6,
}


@dataclass(frozen=True)
class Recipient:
    """Someone to notify. A user is turned into one by :meth:`for_user`; a person without
    a login (a survey invitee known only by e-mail address) is given directly, and is
    written to in the site's default language unless ``language`` says otherwise."""

    email: str
    language: str = ""
    name: str = ""
    user: User | None = None

    @classmethod
    def for_user(cls, user: User, *, email: str = "", language: str = "", name: str = ""):
        return cls(email=email or user.email, language=language or user.language or "",
                   name=name or user.full_name, user=user)

    @property
    def firm_id(self):
        return getattr(self.user, "firm_id", None)


@dataclass(frozen=True)
class Message:
    """One rendered notice for one recipient."""

    kind: str
    recipient: Recipient
    subject: str
    body: str
    firm: object = None
    context: dict = field(default_factory=dict, compare=False, repr=False)


def recipients_for(firm, roles: Iterable[str]) -> list[User]:
    """The firm's active users with one of ``roles`` (a firm or its id)."""
    return list(User.objects.filter(firm_id=getattr(firm, "pk", firm), role__in=list(roles),
                                    is_active=True))


def _recipients(recipients, firm_id):
    seen = set()
    for person in recipients:
        if person is None:
            continue
        recipient = person if isinstance(person, Recipient) else Recipient.for_user(person)
        user = recipient.user
        if user is not None and not user.is_active:
            continue
        if firm_id is not None and user is not None and user.firm_id != firm_id:
            continue  # a notice never leaves its firm
        if not recipient.email:
            continue
        key = (recipient.email, getattr(user, "pk", None))
        if key in seen:
            continue
        seen.add(key)
        yield recipient


def render(kind: str, context: dict) -> tuple[str, str]:
    """The subject (on one line) and the body of a notice, in the active language."""
    subject = "".join(
        render_to_string(f"notifications/{kind}/subject.txt", context).splitlines()).strip()
    body = render_to_string(f"notifications/{kind}/body.txt", context).rstrip("\n")
    return subject, body


def notify(kind: str, *, recipients: Iterable, context: dict | None = None,
           firm=None, key: str | None = None) -> int:
    """Send the notice ``kind`` to each recipient (a :class:`User` or a
    :class:`Recipient`) through every registered channel. Inactive users, users of
    another firm than ``firm`` and recipients without an address are skipped. Each
    recipient's message is rendered inside their language (``settings.LANGUAGE_CODE``
    when they have none), with ``recipient`` and ``firm`` added to ``context``.

    ``key`` (default: the running outbox job, ``job:<id>``; none outside a job) makes the
    notice once-only per recipient and channel. Returns the number of recipients to whom
    at least one channel delivered it (now or under the same key before). Raises
    :class:`NoticeNotDelivered` after trying everyone if a channel failed for someone."""
    firm_id = getattr(firm, "pk", firm)
    if key is None:
        job_id = current_job_id()
        key = f"job:{job_id}" if job_id is not None else ""
    sent = 0
    failures = []
    for recipient in _recipients(recipients, firm_id):
        values = {**(context or {}), "recipient": recipient}
        if firm is not None and not isinstance(firm, int):
            values.setdefault("firm", firm)
        with translation.override(recipient.language or settings.LANGUAGE_CODE):
            subject, body = render(kind, values)
        message = Message(kind=kind, recipient=recipient, subject=subject, body=body,
                          firm=firm, context=values)
        delivered = False
        for name, channel in channels().items():
            outcome = _deliver(name, channel, message, key=key, firm_id=firm_id)
            if isinstance(outcome, BaseException):
                failures.append((recipient.email, name, f"{type(outcome).__name__}: {outcome}"))
            else:
                delivered = outcome or delivered
        sent += delivered
    if failures:
        raise NoticeNotDelivered(kind, failures)
    return sent


def deliver_once(name, channel, message, *, key, firm_id):
    """Send one rendered ``message`` through one ``channel`` (not a registered one: e.g.
    a robot's test message) under ``key``, in the same ledger as every notice: True when
    delivered, or the exception the channel raised (recorded as a failed delivery)."""
    return _deliver(name, channel, message, key=key, firm_id=firm_id)


def _deliver(name, channel, message, *, key, firm_id):
    """Send ``message`` through ``channel`` once under ``key``: True (delivered, now or
    before), False (the channel does not reach this recipient, or another run is sending
    it right now) or the exception the channel raised (recorded)."""
    reaches = getattr(channel, "reaches", None)
    if reaches is not None and not reaches(message):
        return False  # this channel does not reach this recipient (nothing to record)
    if not key:
        try:
            return bool(channel.send(message))
        except Exception as exc:
            logger.warning("Notice %s to %s through %s failed: %s", message.kind,
                           message.recipient.email, name, exc)
            return exc
    address_for = getattr(channel, "address_for", None)
    address = address_for(message) if address_for is not None else message.recipient.email
    row = _claim(name, message, key=key, firm_id=firm_id, address=address)
    if row is None:
        return False
    if row is True:
        return True
    try:
        delivered = bool(channel.send(message))
    except Exception as exc:
        logger.warning("Notice %s to %s through %s failed (attempt %s): %s", message.kind,
                       message.recipient.email, name, row.attempts, exc)
        _record(row, state="failed", error=f"{type(exc).__name__}: {exc}"[:2000])
        return exc
    _record(row, state="sent" if delivered else "failed",
            error="" if delivered else "The channel did not deliver it.")
    return delivered


def _claim(name, message, *, key, firm_id, address):
    """The delivery row, now ``sending`` and ours; ``True`` when it was delivered already,
    ``None`` when another run is sending it."""
    from .models import Delivery

    recipient = message.recipient
    now = timezone.now()
    with across_firms("notifications: the delivery record"):
        lookup = {"firm_id": firm_id, "key": key[:200], "channel": name,
                  "address": address[:254]}
        try:
            with transaction.atomic():
                row, created = Delivery.objects.get_or_create(**lookup, defaults={
                    "kind": message.kind, "recipient_name": recipient.name[:200],
                    "user": recipient.user, "subject": message.subject[:300],
                    "attempts": 1, "updated_at": now})
        except IntegrityError:  # created at the same moment by another run
            return None
        if created:
            return row
        if row.state == Delivery.State.SENT:
            return True
        stale = Q(state=Delivery.State.SENDING, updated_at__lt=now - SENDING_STALE_AFTER)
        taken = Delivery.objects.filter(Q(pk=row.pk) & (Q(state=Delivery.State.FAILED) | stale)
                                        ).update(state=Delivery.State.SENDING, updated_at=now,
                                                 attempts=F("attempts") + 1)
        if not taken:
            return None
        row.refresh_from_db()
        return row


def _record(row, *, state, error):
    with across_firms("notifications: the delivery record"):
        type(row).objects.filter(pk=row.pk).update(
            state=state, error=error, updated_at=timezone.now(),
            sent_at=timezone.now() if state == "sent" else None)
