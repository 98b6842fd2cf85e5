"""One way to notify: a notice of a *kind* is rendered from the kind's templates
(``templates/notifications/<kind>/subject.txt`` and ``body.txt``) in each recipient's
language and handed to every registered channel (e-mail; the WeChat Work and DingTalk
group robots of :mod:`.chat`, for the staff's notices; more channels register with
:func:`register_channel`). A channel may say it does not reach a recipient (``reaches``:
nothing is recorded) and under which address its deliveries are kept (``address_for``: a
firm's group once per notice, whoever its recipients).

    notify("stage_changed", recipients=users, context={...}, firm=firm)

The kinds: ``portal_invitation`` (consultancy.clients), ``stage_changed`` (engagements),
``acceptance_verdict``, ``complaint_received``, ``complaint_acknowledged``,
``complaint_answered``, ``complaint_closed`` (to the complainant), ``survey_invitation``,
``survey_reminder`` and ``daily_reminder`` (feedback), ``plan_issued`` and ``documents_delivered`` (portal).
"""

import importlib

_EXPORTS = {
    "Channel": "channels", "EmailChannel": "channels", "channels": "channels",
    "register_channel": "channels", "unregister_channel": "channels",
    "Message": "service", "Recipient": "service", "notify": "service",
    "recipients_for": "service", "NoticeNotDelivered": "service", "NOTICE_TASK": "service",
}


def __getattr__(name):
    # The package is an app too (its Delivery model): the names load on first use, once
    # the app registry is ready.
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{module}"), name)


__all__ = [  # noqa: F822 (loaded by __getattr__)
    "Channel",
    "NOTICE_TASK",
    "NoticeNotDelivered",
    "EmailChannel",
    "Message",
    "Recipient",
    "channels",
    "notify",
    "recipients_for",
    "register_channel",
    "unregister_channel",
]
