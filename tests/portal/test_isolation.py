"""Every portal URL, walked with this company's ids by a contact of another
company of the same firm and by a contact of another firm, answers 404; staff sessions
are sent to their own area; read-only pages refuse writing methods and change nothing."""

import pytest
from django.urls import reverse

from tests.conftest import login
from tests.portal.conftest import act_urls, read_urls, snapshot

pytestmark = pytest.mark.django_db


def test_the_own_contact_reaches_every_read_url(client, a, world):
    login(client, a.contact.user)
    for url in read_urls(world):
        assert client.get(url).status_code == 200, url


def test_another_company_of_the_same_firm_gets_404_everywhere(client, a, world,
                                                              other_company_contact):
    login(client, other_company_contact.user)
    before = snapshot()
    for url in read_urls(world):
        assert client.get(url).status_code == 404, url
    for url, data in act_urls(world):
        assert client.post(url, data).status_code == 404, url
    assert snapshot() == before
    home = client.get(reverse("portal:home"))
    assert home.status_code == 200
    assert world.e_delivery.title not in home.content.decode()
    complaints = client.get(reverse("portal:complaints")).content.decode()
    assert world.complaint.number not in complaints


def test_another_firm_gets_404_everywhere(client, a, b, world):
    login(client, b.contact.user)
    before = snapshot()
    for url in read_urls(world):
        assert client.get(url).status_code == 404, url
    for url, data in act_urls(world):
        assert client.post(url, data).status_code == 404, url
    assert snapshot() == before
    assert world.e_delivery.title not in client.get(reverse("portal:home")).content.decode()


@pytest.mark.parametrize("who", ["manager", "consultant"])
def test_staff_are_sent_to_their_own_area(client, a, world, who):
    login(client, getattr(a, who))
    before = snapshot()
    urls = [reverse("portal:home"), reverse("portal:complaints"),
            reverse("portal:complaint_new"), *read_urls(world)]
    for url in urls:
        r = client.get(url)
        assert r.status_code == 302 and r.url == reverse("home"), url
    for url, data in act_urls(world):
        r = client.post(url, data)
        assert r.status_code == 302 and r.url == reverse("home"), url
    assert snapshot() == before


def test_anonymous_is_sent_to_login(client, world):
    for url in [reverse("portal:home"), *read_urls(world)]:
        r = client.get(url)
        assert r.status_code == 302 and "/accounts/login/" in r.url, url


@pytest.mark.parametrize("method", ["post", "put", "delete", "patch"])
def test_read_pages_refuse_writing_methods(client, a, world, method):
    login(client, a.contact.user)
    before = snapshot()
    urls = [reverse("portal:home"), reverse("portal:complaints"), *read_urls(world)]
    urls.remove(reverse("portal:survey", args=[world.invitation.pk]))  # its POST is the act
    for url in urls:
        r = getattr(client, method)(url, {"verdict": "accepted", "description": "x"})
        assert r.status_code == 405, (method, url)
    assert snapshot() == before


@pytest.mark.parametrize("method", ["get", "put", "delete", "patch"])
def test_acts_answer_post_only(client, a, world, method):
    login(client, a.contact.user)
    before = snapshot()
    for url, _data in act_urls(world):
        if "surveys" in url and method == "get":
            continue  # the survey's GET is its form
        assert getattr(client, method)(url).status_code == 405, (method, url)
    assert snapshot() == before


def test_an_inactive_contact_sees_nothing(client, a, world):
    from tests.scoping import scopes_disabled

    with scopes_disabled():
        type(a.contact).objects.filter(pk=a.contact.pk).update(is_active=False)
    login(client, a.contact.user)
    before = snapshot()
    for url in [reverse("portal:complaints"), *read_urls(world)]:
        assert client.get(url).status_code == 404, url
    for url, data in act_urls(world):
        assert client.post(url, data).status_code == 404, url
    assert snapshot() == before
    home = client.get(reverse("portal:home"))
    assert home.status_code == 200 and 'id="unlinked"' in home.content.decode()
    assert world.e_delivery.title not in home.content.decode()
