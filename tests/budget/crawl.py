"""A crawler over the pages a signed-in user reaches by following links (GET only), one
visit per kind of page (its URL route and the names of its query parameters)."""

import re
from collections import deque
from contextlib import contextmanager
from html import unescape
from unittest import mock
from urllib.parse import parse_qsl, urlsplit

from django.apps import apps as django_apps
from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import Resolver404, resolve

from consultancy.tenancy import security
from consultancy.workdays.calendar import covered_years

HREF = re.compile(r'href="([^"#]*)')
# The sections a page loads after it (``hx-get`` on load, e.g. the engagement page's stage
# history and timeline): each is a page of its own in the budget. (Not a poll nor a row
# added on a click: neither is part of loading a page.)
LOADED = re.compile(r'hx-get="([^"#]*)"[^>]*hx-trigger="load"')
# Not pages: leaving the session, files (a PDF or a spreadsheet is rendered, not a page),
# the language switch.
SKIP = re.compile(r"logout|download|export|pdf|/file|attachment|set_language|csv|xlsx")
SKIP_PREFIXES = ("/static/", "/media/", "/i18n/")


def page_key(url):
    """``"route?query,keys"``: the kind of page, whatever its ids or values; None for what
    is not a page of the product."""
    parts = urlsplit(url)
    if parts.scheme or parts.netloc or not parts.path.startswith("/"):
        return None
    if parts.path.startswith(SKIP_PREFIXES) or SKIP.search(parts.path):
        return None
    try:
        match = resolve(parts.path)
    except Resolver404:
        return None
    if SKIP.search(match.view_name or ""):
        return None
    keys = sorted({k for k, _v in parse_qsl(parts.query, keep_blank_values=True)})
    return f"/{match.route}" + (f"?{','.join(keys)}" if keys else "")


def count_queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    return response, len(ctx.captured_queries)


def crawl(client, starts, skip=lambda key: False):
    """``{key: (url, queries)}`` of every HTML page reached from ``starts``, one per key
    (redirects followed; a key for which ``skip`` is true is not visited)."""
    pages, queue, seen = {}, deque(starts), set()
    while queue:
        url = unescape(queue.popleft())
        key = page_key(url)
        if key is None or key in seen or skip(key):
            continue
        seen.add(key)
        response, queries = count_queries(client, url)
        if response.status_code in (301, 302) and response["Location"].startswith("/"):
            queue.appendleft(response["Location"])
            continue
        if response.status_code != 200:
            continue
        if not response.get("Content-Type", "").startswith("text/html"):
            continue
        pages[key] = (url, queries)
        html = response.content.decode()
        queue.extend(LOADED.findall(html) + HREF.findall(html))
    return pages


@contextmanager
def measuring(django_db_blocker):
    """The frame of a module fixture that measures pages: the database open to it, in one
    transaction rolled back at the end; the session's "last seen" not written (it is
    written at most once a minute, and a slow machine would see a write land on one visit
    and not the next); warm as a running server is (the content types, and the years the
    holiday calendar covers, read once per process)."""
    patch = mock.patch.object(security, "SEEN_RESOLUTION", 10**9)
    with django_db_blocker.unblock(), patch:
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            for model in django_apps.get_models():
                ContentType.objects.get_for_model(model)
            covered_years()
            yield
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)
