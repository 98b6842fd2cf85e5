"""One way to notify: a notice of a *kind* is rendered from the kind's templates
(``templates/notifications/<kind>/subject.txt`` and ``body.txt``) in each recipient's
language and handed to every registered channel (e-mail; more channels register with
:func:`register_channel`).

    notify("stage_changed", recipients=users, context={...}, firm=firm)

The kinds: ``portal_invitation`` (consultancy.clients), ``stage_changed`` (engagements),
``acceptance_verdict``, ``complaint_received``, ``complaint_acknowledged``,
``complaint_answered``, ``complaint_closed`` (to the complainant), ``survey_invitation``,
``survey_reminder`` and ``daily_reminder`` (feedback), ``plan_issued`` and ``documents_delivered`` (portal).
"""

from .channels import Channel, EmailChannel, channels, register_channel, unregister_channel
from .service import Message, Recipient, notify, recipients_for

__all__ = [
    "Channel",
    "EmailChannel",
    "Message",
    "Recipient",
    "channels",
    "notify",
    "recipients_for",
    "register_channel",
    "unregister_channel",
]
