"""Pages kept in the cache until the firm's records change (``tenancy.pagecache``, issue
19): served again only to the same user, in the same language, on the same day, while
nothing of the firm changed; with this request's CSRF token and fresh one-time tokens."""

import re

import pytest
from django.contrib.messages import constants
from django.contrib.messages.storage.session import SessionStorage
from django.core.cache import cache
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from consultancy.tenancy import once, pagecache
from engagements import services
from engagements.stages import Stage
from tests import factories as f
from tests.conftest import login
from tests.engagements.helpers import advance_to
from tests.scoping import scopes_disabled


@pytest.fixture(autouse=True)
def _on(settings):
    settings.PAGE_CACHE = True


@pytest.fixture
def engagements(a, b):
    with scopes_disabled():
        made = {}
        for w in (a, b):
            e = f.EngagementFactory(client=w.client, lead_consultant=w.consultant)
            advance_to(e, Stage.COMMUNICATION)
            made[w.firm.pk] = e
    return made


def get(client, url, **headers):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, **headers)
    return response, len(queries)


def test_a_page_is_rendered_once_then_served_from_the_cache(a, b, engagements, client):
    e = engagements[a.firm.pk]
    login(client, a.manager)
    url = reverse("engagements:detail", args=[e.pk])
    first, rendered = get(client, url)
    second, served = get(client, url)
    assert first["X-Page-Cache"] == "miss" and second["X-Page-Cache"] == "hit"
    assert e.title in second.content.decode()
    assert served < rendered and served <= 2  # the user (and the scope): no page query


def test_a_write_of_the_firm_renews_its_pages(a, b, engagements, client):
    e = engagements[a.firm.pk]
    login(client, a.manager)
    url = reverse("engagements:detail", args=[e.pk])
    client.get(url)
    assert client.get(url)["X-Page-Cache"] == "hit"
    with scopes_disabled():
        services.engagement_update(engagement=e, by=a.manager, title="改名后的咨询项目")
    page = client.get(url)
    assert page["X-Page-Cache"] == "miss"
    assert "改名后的咨询项目" in page.content.decode()
    # the list too, whose rows are the firm's
    listing = client.get(reverse("engagements:list"))
    assert "改名后的咨询项目" in listing.content.decode()


def test_another_firms_write_does_not_renew_them(a, b, engagements, client):
    login(client, a.manager)
    url = reverse("engagements:detail", args=[engagements[a.firm.pk].pk])
    client.get(url)
    with scopes_disabled():
        services.engagement_update(engagement=engagements[b.firm.pk], by=b.manager,
                                   title="乙方改名")
    assert client.get(url)["X-Page-Cache"] == "hit"


def test_a_cached_page_is_never_another_users(a, b, engagements):
    url = reverse("engagements:detail", args=[engagements[a.firm.pk].pk])
    manager, consultant, other = (login(Client(), u)
                                  for u in (a.manager, a.consultant, b.manager))
    assert manager.get(url)["X-Page-Cache"] == "miss"
    # the consultant leads it: the same address renders for them, not the manager's page
    assert consultant.get(url)["X-Page-Cache"] == "miss"
    # another firm's manager: a 404 as always, and nothing of firm a
    response = other.get(url)
    assert response.status_code == 404
    assert engagements[a.firm.pk].title not in response.content.decode()


def test_each_language_and_each_address_has_its_own(a, b, engagements, client):
    login(client, a.manager)
    url = reverse("engagements:list")
    assert client.get(url)["X-Page-Cache"] == "miss"
    assert client.get(url + "?stage=delivery")["X-Page-Cache"] == "miss"
    with scopes_disabled():
        a.manager.language = "en"
        a.manager.save(update_fields=["language"])  # a write of the firm's too
    english = client.get(url)
    assert english["X-Page-Cache"] == "miss"
    assert "Engagements" in english.content.decode()


def test_tokens_are_this_requests(a, b, engagements):
    """The CSRF token of the session, and a new one-time token per serve: a form of a
    cached page posts, and a double click still acts once."""
    e = engagements[a.firm.pk]
    client = login(Client(enforce_csrf_checks=True), a.manager)
    url = reverse("engagements:detail", args=[e.pk])
    client.get(url)
    pages = [client.get(url) for _ in range(2)]
    assert all(p["X-Page-Cache"] == "hit" for p in pages)
    onces = [re.findall(rf'name="{once.FIELD}" value="([^"]+)"', p.content.decode())
             for p in pages]
    assert onces[0] and set(onces[0]).isdisjoint(onces[1])
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"',
                      pages[1].content.decode()).group(1)
    response = client.post(reverse("engagements:transition", args=[e.pk, "decline"]),
                           {"csrfmiddlewaretoken": token, once.FIELD: onces[1][0],
                            "expected_stage": e.stage, "reason": "客户暂缓"})
    assert response.status_code != 403


def test_a_waiting_message_is_shown_once_and_not_kept(a, b, engagements, client, rf):
    login(client, a.manager)
    url = reverse("engagements:detail", args=[engagements[a.firm.pk].pk])
    client.get(url)  # cached
    session = client.session
    request = rf.get("/")
    request.session = session
    storage = SessionStorage(request)
    storage.add(constants.SUCCESS, "已保存 ✓")
    storage.update(_Response())
    session.save()
    shown = client.get(url)
    assert "已保存 ✓" in shown.content.decode() and "X-Page-Cache" not in shown
    again = client.get(url)
    assert "已保存 ✓" not in again.content.decode()


class _Response:
    def set_cookie(self, *args, **kwargs):
        pass

    def delete_cookie(self, *args, **kwargs):
        pass


def test_the_portal_pages_too(a, b, engagements):
    contact = login(Client(), a.contact.user)
    home = reverse("portal:home")
    assert contact.get(home)["X-Page-Cache"] == "miss"
    assert contact.get(home)["X-Page-Cache"] == "hit"
    with scopes_disabled():
        services.engagement_update(engagement=engagements[a.firm.pk], by=a.manager,
                                   title="门户里的新名称")
    page = contact.get(home)
    assert page["X-Page-Cache"] == "miss" and "门户里的新名称" in page.content.decode()


def test_off_without_a_shared_cache(settings, a, b, engagements, client):
    settings.PAGE_CACHE = False
    login(client, a.manager)
    url = reverse("engagements:detail", args=[engagements[a.firm.pk].pk])
    client.get(url)
    assert "X-Page-Cache" not in client.get(url)


def test_a_failing_cache_renders_the_page(a, b, engagements, client, monkeypatch):
    login(client, a.manager)
    url = reverse("engagements:detail", args=[engagements[a.firm.pk].pk])

    def down(*args, **kwargs):
        raise ConnectionError("cache down")

    monkeypatch.setattr(cache, "get_many", down)
    monkeypatch.setattr(pagecache, "_renew", lambda firm_id: None)
    response = client.get(url)
    assert response.status_code == 200 and "X-Page-Cache" not in response


def test_renewed_at_once_and_once_more_when_the_transaction_commits(a, b):
    """Many rows written in one transaction renew the firm's pages at each write (a page
    read in the same transaction sees it) and register one renewal for the commit (a page
    rendered meanwhile from the rows before the commit is not kept)."""
    before = pagecache.firm_generation(a.firm.pk)
    other = pagecache.firm_generation(b.firm.pk)
    with transaction.atomic(), scopes_disabled():
        a.client.name = "甲方客户改名"
        a.client.save()
        during = pagecache.firm_generation(a.firm.pk)
        a.consultant.full_name = "新名字"
        a.consultant.save()
        assert during != before and pagecache.firm_generation(a.firm.pk) != during
        renewals = [entry[1] for entry in transaction.get_connection().run_on_commit
                    if getattr(entry[1], "pagecache_firm", None) == a.firm.pk]
        assert len(renewals) == 1
        during = pagecache.firm_generation(a.firm.pk)
    renewals[0]()  # what the commit runs
    assert pagecache.firm_generation(a.firm.pk) != during
    assert pagecache.firm_generation(b.firm.pk) == other


def test_a_restore_renews_every_firms_pages(a, b):
    """``manage.py restore`` into this deployment's database: the generations in the cache
    were made for the rows before it."""
    before = {w.firm.pk: pagecache.firm_generation(w.firm.pk) for w in (a, b)}
    pagecache.renew_every_firm()
    assert all(pagecache.firm_generation(pk) != token for pk, token in before.items())


def test_a_client_act_refused_on_changed_content_renews_the_pages(a, b):
    """A change below the services (a queryset update: no row signal) leaves a cached
    portal page older than the rows; the client's confirmation from it is refused
    (the content's fingerprint, 4.3) and renews the firm's pages, so the page reloaded
    shows the content now and can be confirmed."""
    from engagements.models import ProjectFramework

    with scopes_disabled():
        e = f.EngagementFactory(client=a.client, lead_consultant=a.consultant)
        advance_to(e, Stage.COMMUNICATION)
        framework = f.ProjectFrameworkFactory(engagement=e)
    contact = login(Client(), a.contact.user)
    page_url = reverse("portal:engagement", args=[e.pk])
    confirm = reverse("portal:framework_confirm", args=[e.pk, framework.pk])

    def seen(page):
        form = page.content.decode().split(f'action="{confirm}"', 1)[1]
        return re.search(r'name="content_fingerprint" value="([^"]+)"', form).group(1)

    # the first view records that the client saw the version (an event: the page made
    # from the rows before it is not kept); the second is kept, the third served from it
    contact.get(page_url)
    assert contact.get(page_url)["X-Page-Cache"] == "miss"
    assert contact.get(page_url)["X-Page-Cache"] == "hit"
    with scopes_disabled():
        ProjectFramework.objects.filter(pk=framework.pk).update(budget=312000)
    stale = contact.get(page_url)
    assert stale["X-Page-Cache"] == "hit"
    contact.post(confirm, {"content_fingerprint": seen(stale)})
    with scopes_disabled():
        assert not ProjectFramework.objects.get(pk=framework.pk).is_confirmed
    fresh = contact.get(page_url)  # rendered (with the refusal's message: not kept)
    assert "X-Page-Cache" not in fresh and seen(fresh) != seen(stale)
    contact.post(confirm, {"content_fingerprint": seen(fresh)})
    with scopes_disabled():
        assert ProjectFramework.objects.get(pk=framework.pk).is_confirmed


def test_the_sessions_user_is_kept_until_their_firm_changes(a, b, engagements, client):
    """The user of a served page is read from the cache too (no query at all), and is read
    again after any write of their firm: a deactivated user is signed out at once."""
    login(client, a.manager)
    url = reverse("engagements:detail", args=[engagements[a.firm.pk].pk])
    for _ in range(3):  # their firm kept, then the user under its generation, then the page
        client.get(url)
    page, queries = get(client, url)
    assert page["X-Page-Cache"] == "hit" and queries == 0
    with scopes_disabled():
        a.manager.is_active = False
        a.manager.save(update_fields=["is_active"])
    response = client.get(url)
    assert response.status_code in (302, 404) and "X-Page-Cache" not in response
    assert engagements[a.firm.pk].title not in response.content.decode()


def test_a_user_without_a_firm_is_not_kept(a, b, settings):
    from consultancy.tenancy.models import User

    operator = User.objects.create_superuser(email="operator@platform.test",
                                             password="x-Strong-pass-2026")
    pagecache.keep_user(operator, None)
    assert cache.get(pagecache._user_key(operator.pk)) is None
