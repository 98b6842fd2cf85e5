"""What later apps add to a client's page, registered in their ``AppConfig.ready()`` so
that clients imports none of them: the engagements of the client (``engagements``
registers it, with the contract value ``contracts`` gives it)."""

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Section:
    template_name: str
    # context(client, request) -> dict, or None to hide the section
    context: Callable
    order: int = 100


_sections: list[Section] = []


def register(section: Section) -> None:
    if section.template_name not in {s.template_name for s in _sections}:
        _sections.append(section)
        _sections.sort(key=lambda s: s.order)


def render_context(client, request) -> list[dict]:
    out = []
    for section in _sections:
        ctx = section.context(client, request)
        if ctx is not None:
            out.append({"template_name": section.template_name, **ctx})
    return out
