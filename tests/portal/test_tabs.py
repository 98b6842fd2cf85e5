"""Issue 19: the client's engagement page is split into tabs, each its own URL (a real
link), each showing its own sections; a link to a section lands on the tab showing it."""

import re

import pytest
from django.urls import reverse

from tests.conftest import login
from tests.portal.helpers import PORTAL_ENGAGEMENT_TABS

pytestmark = pytest.mark.django_db

SECTIONS = {
    "portal:engagement": ["framework", "contract", "plan", "acceptance"],
    "portal:engagement_progress": ["team", "progress"],
    "portal:engagement_documents": ["documents"],
    "portal:engagement_risks": ["risks", "hazards"],
    "portal:engagement_follow_up": ["visits", "complaints"],
}


def test_each_section_is_on_exactly_one_tab_and_every_tab_links_the_others(client, a, world):
    assert set(SECTIONS) == set(PORTAL_ENGAGEMENT_TABS)
    login(client, a.contact.user)
    pk = world.e_delivery.pk
    tab_urls = [reverse(name, args=[pk]) for name in PORTAL_ENGAGEMENT_TABS]
    for name, ids in SECTIONS.items():
        page = client.get(reverse(name, args=[pk])).content.decode()
        shown = set(re.findall(r'<section class="card mb-3 portal-section" id="(\w+)"', page))
        assert shown == set(ids), name
        for url in tab_urls:
            assert f'href="{url}"' in page, (name, url)
        assert re.search(r'class="[^"]*portal-tab active"[^>]*href="'
                         + re.escape(reverse(name, args=[pk])) + '" aria-current="page"', page)


def test_links_to_a_section_land_on_its_tab(client, a, world):
    pk = world.e_delivery.pk
    login(client, a.contact.user)
    documents = reverse("portal:engagement_documents", args=[pk]) + "#documents"
    home = client.get(reverse("portal:home") + "?show=all").content.decode()
    assert f'href="{documents}"' in home  # deliveries await the client's acknowledgement
    overview = client.get(reverse("portal:engagement", args=[pk])).content.decode()
    assert f'href="{documents}"' in overview
    # 8.5.2: after acknowledging, the client is back on the documents' tab
    delivery = world.deliveries[1]
    page = client.get(reverse("portal:engagement_documents", args=[pk])).content.decode()
    action = reverse("portal:delivery_acknowledge", args=[pk, delivery.pk])
    form = re.search(r'<form[^>]*action="' + re.escape(action) + r'".*?</form>', page, re.S)
    fingerprint = re.search(r'name="content_fingerprint" value="([0-9a-f]{64})"', form[0])[1]
    r = client.post(action, {"content_fingerprint": fingerprint})
    assert r.status_code == 302 and r.url == documents
