"""Where each kind of user works, as the apps that serve them register it.

Tenancy fences client contacts into their area and sends everyone to their own home
page, but it knows neither the portal nor the public survey page: the portal registers
itself as the client contacts' area, and any app may open a path to them (the survey
link of 9.5 works whether or not its reader is logged in). Registered in the apps'
``AppConfig.ready()``, so tenancy imports none of them.
"""

from django.urls import reverse

# Open to everyone, client contacts included: logging in and out, the language menu,
# the static files.
ACCOUNT_PREFIXES = ("/accounts/", "/i18n/", "/static/", "/jsi18n/")

_client_home: list[str] = []  # the URL name of the client contacts' home page
_open_prefixes: list[str] = []


def register_client_area(*, home: str) -> None:
    """``home``: the URL name of the client contacts' home page; its path is their area."""
    _client_home[:] = [home]


def open_to_client_contacts(prefix: str) -> None:
    """Let client contacts reach the pages under ``prefix`` outside their area."""
    if prefix not in _open_prefixes:
        _open_prefixes.append(prefix)


def client_home_url() -> str | None:
    return reverse(_client_home[0]) if _client_home else None


def in_client_area(path: str) -> bool:
    home = client_home_url()
    return home is not None and path.startswith(home)


def client_contact_may_reach(path: str) -> bool:
    return in_client_area(path) or path.startswith((*ACCOUNT_PREFIXES, *_open_prefixes))
