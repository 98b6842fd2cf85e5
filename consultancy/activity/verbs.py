"""The registry of verbs: each app registers the message of its verbs, a translatable
template rendered when the event is shown, in the reader's language."""

from collections.abc import Callable
from dataclasses import dataclass

from django.utils.translation import gettext as _


@dataclass(frozen=True)
class Verb:
    code: str
    message: object  # a lazy translatable template: "%(actor)s signed contract %(number)s"
    format: Callable[[dict], dict] | None = None  # params → values to show (labels, dates)


_VERBS: dict[str, Verb] = {}


def register(code, message, format=None) -> None:
    """Register (or replace) the message of ``code``."""
    _VERBS[code] = Verb(code, message, format)


def register_all(messages: dict, format=None) -> None:
    for code, message in messages.items():
        register(code, message, format)


def registered(code) -> Verb | None:
    return _VERBS.get(code)


class _Blank(dict):
    def __missing__(self, key):
        return "—"


def describe(event) -> str:
    """The event's message in the active language; an unknown verb shows its code."""
    verb = _VERBS.get(event.verb)
    values = _Blank({str(k): v for k, v in (event.params or {}).items()})
    if verb is not None and verb.format is not None:
        values.update(verb.format(dict(event.params or {})))
    values["actor"] = event.actor_label
    if verb is None:
        return _("%(actor)s: %(verb)s") % {"actor": values["actor"], "verb": event.verb}
    try:
        return str(verb.message) % values
    except (KeyError, TypeError, ValueError):
        return f"{values['actor']}: {event.verb}"
