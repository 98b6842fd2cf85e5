"""Pages kept in the cache until the firm's records change (issue 19; README, "Performance").

A page decorated with :func:`cached_page` is rendered once per user, address, language,
day and *firm generation*, then served from the cache (Redis) until one of them changes:

* **the firm generation** is a random token per firm in the cache, replaced whenever a row
  that belongs to the firm is saved or deleted (``post_save``, ``post_delete``,
  ``m2m_changed`` of every model with a ``firm``, the firm itself included) — at once and
  again when the transaction commits, so a page rendered from the data before the commit is
  never kept under the new token. Every service writes an activity :class:`Event` row
  (a firm row) in the transaction of its act, so an act through a service, a task or the
  admin always replaces it, even when it changes other rows by ``QuerySet.update()``;
* **the day** (``timezone.localdate()``): the deadlines, "overdue" and the 9.1/9.2 periods
  are counted in days;
* **the user** (their role, their engagements), **the address with its query** and **the
  language** are in the key, and so is the code's release (:data:`RELEASE`): a deploy does
  not serve the previous templates.

The session's user is kept the same way (:func:`kept_user`): a page served from the cache
costs no query at all.

A cached page is never the answer to another user. Its per-request parts are renewed on
every serve: the CSRF token (:func:`django.middleware.csrf.get_token`) and each one-time form
token (:mod:`consultancy.tenancy.once`: a double click still acts once). A request with a
message waiting to be shown is neither served from nor stored in the cache, and a page
that added one is not stored. Only whole ``200`` HTML answers to GET are kept, for
:data:`TIMEOUT` seconds at most (a bound on staleness should a write bypass the ORM).

On when ``PAGE_CACHE`` is (by default when ``REDIS_URL`` is set: the cache is shared by
the web processes and the workers; the local-memory cache of a single process is not,
and the page cache is then off). A failure of the cache falls back to rendering.
"""

import hashlib
import logging
import re
import secrets
from functools import wraps
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.utils import timezone, translation

from . import once

logger = logging.getLogger(__name__)

TIMEOUT = 600
# the per-request values in a page: the CSRF token (a form's, htmx's header) and the
# one-time form tokens, in one pass
_TOKENS = re.compile(rf'(name="csrfmiddlewaretoken" value="|"X-CSRFToken": "'
                     rf'|name="{once.FIELD}" value=")[^"]*')


# what renders a page: a change in any of them is a new release
CODE_FOLDERS = ("templates", "locale", "consultancy", "engagements", "contracts", "delivery",
                "hazards", "feedback", "portal", "dashboard")


def _release() -> str:
    """The code's release: ``RELEASE`` when set (a deploy's tag), else a digest of the
    names and times of the files that render a page (templates, translations, the
    project's Python), so that a changed one is not served from the cache of the
    previous code."""
    if getattr(settings, "RELEASE", ""):
        return settings.RELEASE
    base = Path(settings.BASE_DIR)
    digest = hashlib.sha1()
    for folder in CODE_FOLDERS:
        for path in sorted((base / folder).rglob("*")):
            if path.suffix in (".html", ".txt", ".mo", ".py") and path.is_file():
                digest.update(f"{path}:{path.stat().st_mtime_ns}".encode())
    return digest.hexdigest()[:12]


RELEASE = None


def enabled() -> bool:
    return bool(getattr(settings, "PAGE_CACHE", False))


def _prefix() -> str:
    return getattr(settings, "PAGE_CACHE_PREFIX", "pagecache")


def _generation_key(firm_id) -> str:
    return f"{_prefix()}:firm:{firm_id}"


def firm_generation(firm_id) -> str:
    """The firm's current generation token (made when missing: after an eviction, a new
    random token, so that no page kept under an earlier one is served)."""
    key = _generation_key(firm_id)
    token = cache.get(key)
    if token is None:
        token = secrets.token_hex(8)
        if not cache.add(key, token, timeout=None):
            token = cache.get(key) or token
    return token


def _renew(firm_id):
    try:
        cache.set(_generation_key(firm_id), secrets.token_hex(8), timeout=None)
    except Exception:  # the cache down: the pages expire after TIMEOUT
        logger.warning("page cache: the generation of firm %s could not be renewed", firm_id,
                       exc_info=True)


def firm_changed(firm_id):
    """Every page cached for the firm is out of date: now (a page rendered in this very
    transaction sees the write), and again when the transaction commits (a page rendered
    meanwhile by another from the rows before the commit is not kept): that second
    renewal once per firm and transaction, however many rows it writes."""
    if not firm_id or not enabled():
        return
    _renew(firm_id)
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        return
    # its renewal on commit already to come (a savepoint rolled back takes its callbacks
    # with it, and the next write adds one)
    if any(getattr(entry[1], "pagecache_firm", None) == firm_id
           for entry in connection.run_on_commit):
        return

    def renew():
        _renew(firm_id)

    renew.pagecache_firm = firm_id
    transaction.on_commit(renew)


def renew_every_firm():
    """Every firm's pages out of date: the database changed under the cache (``restore``
    of a backup: the generations in Redis were made for the rows before it)."""
    if not enabled():
        return
    from .models import Firm
    from .rls import cross_firm

    with cross_firm("page cache: every firm's pages renewed after a restore"):
        for firm_id in Firm.objects.values_list("pk", flat=True):
            _renew(firm_id)


# -- the session's user ---------------------------------------------------------------


def _user_key(user_id) -> str:
    return f"{_prefix()}:user:{user_id}"


def kept_user(user_id):
    """``(user, None)``: the session's user as kept in the cache, while their firm's
    generation is the one they were read in (any write of the firm, their own row's
    included — a deactivation, a new password, a new role — renews it); otherwise
    ``(None, seen)``, ``seen`` the generation of the firm they were in, read now, before
    their row is read again (:func:`keep_user`), or None."""
    if not enabled():
        return None, None
    try:
        entry = cache.get(_user_key(user_id))
        if entry is None:
            return None, None
        firm_id, generation, user = entry
        current = firm_generation(firm_id)
    except Exception:
        logger.warning("page cache: the user not read", exc_info=True)
        return None, None
    if user is not None and generation == current:
        return user, None
    return None, (firm_id, current)


def keep_user(user, seen) -> None:
    """Keep the session's user read from the database under the generation ``seen``
    before the row was read (so a write after it makes the kept user out of date); when
    none was seen, or the user moved firm, only their firm is kept, and the next request
    reads its generation first. Users without a firm (platform operators) are not kept."""
    if not enabled() or user is None or not user.firm_id:
        return
    firm_id, generation = seen or (None, None)
    same = firm_id == user.firm_id and generation is not None
    try:
        cache.set(_user_key(user.pk),
                  (user.firm_id, generation if same else None, user if same else None),
                  TIMEOUT)
    except Exception:
        logger.warning("page cache: the user not kept", exc_info=True)


def _firm_of(instance):
    from .models import Firm

    if isinstance(instance, Firm):
        return instance.pk
    return getattr(instance, "firm_id", None)


def _on_write(sender, instance, **kwargs):
    firm_changed(_firm_of(instance))


def connect():
    """Renew the firm generation on every write of a firm's row (``TenancyConfig.ready``)."""
    post_save.connect(_on_write, dispatch_uid="pagecache.post_save")
    post_delete.connect(_on_write, dispatch_uid="pagecache.post_delete")
    m2m_changed.connect(_on_m2m, dispatch_uid="pagecache.m2m_changed")


def _on_m2m(sender, instance, action, **kwargs):
    if action.startswith("post_"):
        firm_changed(_firm_of(instance))


def _key(request) -> str:
    """The page's key: the user, the address, the language, the day, htmx's target and the
    release (the firm generation is kept in the value, so that one read brings both)."""
    global RELEASE
    if RELEASE is None:
        RELEASE = _release()
    user = request.user
    parts = [RELEASE, str(user.firm_id), str(user.pk), translation.get_language(),
             timezone.localdate().isoformat(), request.headers.get("HX-Request", ""),
             request.headers.get("HX-Target", ""), request.get_full_path()]
    return f"{_prefix()}:page:" + hashlib.sha256("\n".join(parts).encode()).hexdigest()


def _read(request):
    """``(key, generation, cached page or None)``: the firm's generation and the page in
    one round trip to the cache; the page only if it was made in this generation."""
    key, firm_id = _key(request), request.user.firm_id
    found = cache.get_many([_generation_key(firm_id), key])
    generation = found.get(_generation_key(firm_id)) or firm_generation(firm_id)
    page = found.get(key)
    if page is not None and page[0] == generation:
        return key, generation, page[1:]
    return key, generation, None


def _fresh_tokens(request, html: str) -> str:
    """The cached page with this request's CSRF token and new one-time form tokens."""
    csrf = get_token(request)  # masked once (a mask costs 32 random draws), used by all

    def fresh(match):
        prefix = match.group(1)
        if once.FIELD in prefix:
            return prefix + once.issue(request.user)  # one per form: each acts once
        return prefix + csrf

    return _TOKENS.sub(fresh, html)


def _messages_waiting(request) -> bool:
    """A message to show (stored, or added by the view): its length counts both."""
    return len(messages.get_messages(request)) > 0


def cached_page(view):
    """Serve the view's page from the cache while the firm's records, the day, the user,
    the address and the language are the same (see the module's text). Put it inside the
    view's access decorator: a cached page is only served to a user who may see it."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        user = getattr(request, "user", None)
        if (not enabled() or request.method != "GET" or user is None
                or not user.is_authenticated or not user.firm_id
                or _messages_waiting(request)):
            return view(request, *args, **kwargs)
        try:
            key, generation, hit = _read(request)
        except Exception:
            logger.warning("page cache: not read", exc_info=True)
            return view(request, *args, **kwargs)
        if hit is not None:
            content_type, html = hit
            response = HttpResponse(_fresh_tokens(request, html), content_type=content_type)
            response["X-Page-Cache"] = "hit"
            return response
        response = view(request, *args, **kwargs)
        if hasattr(response, "render") and not getattr(response, "is_rendered", True):
            response.render()
        if (response.status_code == 200 and not response.streaming
                and response.get("Content-Type", "").startswith("text/html")
                and not _messages_waiting(request)):
            try:
                # under the generation read before the view: a write meanwhile renewed it
                cache.set(key, (generation, response["Content-Type"],
                                response.content.decode(response.charset)), TIMEOUT)
            except Exception:
                logger.warning("page cache: not written", exc_info=True)
            response["X-Page-Cache"] = "miss"
        return response

    return wrapper
