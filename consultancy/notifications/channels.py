"""The channels a notice goes out through. A channel is an object with
``send(message) -> bool`` (True when it delivered the message); it is registered under
a name with :func:`register_channel`. E-mail is registered here; a webhook channel
(WeChat Work, DingTalk) is one more class and one more registration."""

from django.core.mail import send_mail


class Channel:
    """A way to deliver a rendered :class:`~consultancy.notifications.service.Message`."""

    def send(self, message) -> bool:  # pragma: no cover - the interface
        raise NotImplementedError


class EmailChannel(Channel):
    """Django's ``send_mail`` from ``DEFAULT_FROM_EMAIL`` to the recipient's address."""

    def send(self, message) -> bool:
        if not message.recipient.email:
            return False
        send_mail(message.subject, message.body, None, [message.recipient.email])
        return True


_channels: dict[str, Channel] = {}


def register_channel(name: str, channel: Channel) -> None:
    """Add (or replace) the channel called ``name``."""
    _channels[name] = channel


def unregister_channel(name: str) -> None:
    _channels.pop(name, None)


def channels() -> dict[str, Channel]:
    """The registered channels by name, in the order they were registered."""
    return dict(_channels)


register_channel("email", EmailChannel())
