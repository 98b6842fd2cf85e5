"""Sections that later clause apps add to the engagement page (contract, delivery, …),
registered in their ``AppConfig.ready()`` so that engagements imports none of them."""

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Panel:
    template_name: str
    # context(engagement, request) -> dict, or None to hide the panel
    context: Callable
    order: int = 100


_panels: list[Panel] = []


def register(panel: Panel) -> None:
    if panel.template_name not in {p.template_name for p in _panels}:
        _panels.append(panel)
        _panels.sort(key=lambda p: p.order)


def render_context(engagement, request) -> list[dict]:
    out = []
    for panel in _panels:
        ctx = panel.context(engagement, request)
        if ctx is not None:
            out.append({"template_name": panel.template_name, **ctx})
    return out
