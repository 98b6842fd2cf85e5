"""Render a notice per recipient, in their language, and hand it to the channels."""

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation

from consultancy.tenancy.models import User

from .channels import channels


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
           firm=None) -> int:
    """Send the notice ``kind`` to each recipient (a :class:`User` or a
    :class:`Recipient`) through every registered channel. Inactive users, users of
    another firm than ``firm`` and recipients without an address are skipped. Each
    recipient's message is rendered inside their language (``settings.LANGUAGE_CODE``
    when they have none), with ``recipient`` and ``firm`` added to ``context``.
    Returns the number of recipients to whom at least one channel delivered it."""
    firm_id = getattr(firm, "pk", firm)
    sent = 0
    for recipient in _recipients(recipients, firm_id):
        values = {**(context or {}), "recipient": recipient}
        if firm is not None and not isinstance(firm, int):
            values.setdefault("firm", firm)
        with translation.override(recipient.language or settings.LANGUAGE_CODE):
            subject, body = render(kind, values)
        message = Message(kind=kind, recipient=recipient, subject=subject, body=body,
                          firm=firm, context=values)
        delivered = False
        for channel in channels().values():
            delivered = bool(channel.send(message)) or delivered
        sent += delivered
    return sent
