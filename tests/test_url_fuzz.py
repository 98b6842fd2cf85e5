"""Every URL with a path parameter, fed ids that are not ids: the answer is never a 5xx.

The walk goes over the whole URL resolver, the admin's pages of every registered model
included, so a new URL is fuzzed without being listed here. Each parameter in turn gets
each bad value while the route's other parameters hold a real engagement's id; the request
is made as a manager, a consultant and a client contact of firm ``a`` and anonymously,
GET and POST (a view that does not take POST answers 405, which is fine).
"""

import re
from urllib.parse import quote

import pytest
from django.urls import URLResolver, get_resolver
from django.urls.resolvers import RegexPattern

from tests import factories as f
from tests.conftest import login
from tests.scoping import scopes_disabled

BAD_VALUES = [
    "abc",
    "0",
    "-1",
    "99999999999999999999",
    str(2**63),
    "1.5",
    "中文é",
    "../../etc/passwd",
    "%2e%2e%2fsecret",
    "1%00",
]

# A parameter that is not an id, held at a value its view accepts.
BASE_VALUES = {"app_label": "engagements", "fmt": "csv", "transition": "start",
               "token": "x" * 20, "url": "", "name": "x.pdf"}

_ROUTE_PARAM = re.compile(r"<(?:(?P<converter>\w+):)?(?P<name>\w+)>")
_REGEX_GROUP = re.compile(r"\((?:\?P<(?P<name>\w+)>)?[^)]*\)")


def _route_text(pattern, index):
    """A pattern as route text: a regex's groups become ``<name>`` parameters."""
    text = str(pattern.pattern)
    if not isinstance(pattern.pattern, RegexPattern):
        return text
    text = text.lstrip("^").rstrip("$")
    counter = iter(range(100))
    return _REGEX_GROUP.sub(
        lambda m: f"<{m['name'] or f'group{index}_{next(counter)}'}>", text)


def _routes(patterns, prefix=""):
    for index, pattern in enumerate(patterns):
        route = prefix + _route_text(pattern, index)
        if isinstance(pattern, URLResolver):
            yield from _routes(pattern.url_patterns, route)
        elif _ROUTE_PARAM.search(route):
            yield route


def all_routes():
    return sorted(set(_routes(get_resolver().url_patterns)))


def _urls(route, base, every=1, offset=0):
    """The route with each parameter in turn set to each bad value (or to every
    ``every``-th of them, starting at ``offset``)."""
    names = [m["name"] for m in _ROUTE_PARAM.finditer(route)]
    for fuzzed in names:
        for value in BAD_VALUES[offset % every::every]:
            def fill(m, fuzzed=fuzzed, value=value):
                if m["name"] == fuzzed:
                    return quote(value, safe="/%")
                return BASE_VALUES.get(m["name"], str(base))
            yield "/" + _ROUTE_PARAM.sub(fill, route)


def test_the_walk_reaches_the_admin_and_every_app():
    routes = all_routes()
    assert any(r.startswith("admin/feedback/surveyquestion/") for r in routes)
    assert any("history/<" in r for r in routes)
    for prefix in ("engagements/<", "clients/<", "staff/<", "portal/", "documents/<"):
        assert any(r.startswith(prefix) for r in routes), prefix


@pytest.mark.parametrize("who", ["manager", "consultant", "contact", "anonymous"])
def test_no_bad_id_is_a_server_error(client, a, who):
    with scopes_disabled():
        engagement = f.EngagementFactory(client=a.client, lead_consultant=a.consultant)
    user = {"manager": a.manager, "consultant": a.consultant,
            "contact": a.contact.user, "anonymous": None}[who]
    if user is not None:
        login(client, user)
    client.raise_request_exception = False
    routes = all_routes()
    failures, requests = [], 0
    # The manager (who reaches the admin) gets every value; the others a third of them,
    # a different third on each route: sampled, not the full product.
    every = 1 if who == "manager" else 3
    for n, route in enumerate(routes):
        for i, url in enumerate(_urls(route, engagement.pk, every=every, offset=n)):
            methods = [client.get, client.post] if (i + n) % 2 == 0 else [client.get]
            for method in methods:
                response = method(url)
                requests += 1
                if response.status_code >= 500:
                    failures.append(f"{method.__name__.upper()} {url} → {response.status_code}")
    assert requests > 500
    assert not failures, "\n".join(failures[:50])
