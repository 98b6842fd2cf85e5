"""What later apps add to the engagement pages, registered in their ``AppConfig.ready()``
so that engagements imports none of them: sections of the engagement page (contract,
delivery, …) and actions on the engagement list (the dashboard's exports)."""

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Panel:
    template_name: str
    # context(engagement, request) -> dict, or None to hide the panel
    context: Callable
    order: int = 100
    # annotations() -> {name: expression}: values the panel's context reads from the
    # engagement, added to the page's query of it (its counts cost no query of their own)
    annotations: Callable | None = None


_panels: list[Panel] = []


def register(panel: Panel) -> None:
    if panel.template_name not in {p.template_name for p in _panels}:
        _panels.append(panel)
        _panels.sort(key=lambda p: p.order)


def annotate(queryset):
    """The engagement page's query with every panel's annotations."""
    extra = {}
    for panel in _panels:
        if panel.annotations is not None:
            extra.update(panel.annotations())
    return queryset.annotate(**extra) if extra else queryset


def render_context(engagement, request) -> list[dict]:
    out = []
    for panel in _panels:
        ctx = panel.context(engagement, request)
        if ctx is not None:
            out.append({"template_name": panel.template_name, **ctx})
    return out


@dataclass(frozen=True)
class ListAction:
    """A button beside "New engagement" on the engagement list (the dashboard's exports)."""

    template_name: str
    # visible(user) -> bool
    visible: Callable


_list_actions: list[ListAction] = []


def register_list_action(action: ListAction) -> None:
    if action.template_name not in {a.template_name for a in _list_actions}:
        _list_actions.append(action)


def list_actions_for(user) -> list[str]:
    """The template names of the list actions this user sees."""
    return [a.template_name for a in _list_actions if a.visible(user)]
