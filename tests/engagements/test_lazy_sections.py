"""Issue 19: the engagement page's stage history and activity timeline load after the
page (``hx-get`` on load, a plain link as fallback), each from a page of its own that is
scoped like the engagement page (another firm's engagement is a 404)."""

import pytest
from django.urls import reverse

from engagements.stages import Stage
from tests import factories as f
from tests.conftest import login
from tests.engagements.helpers import advance_to
from tests.scoping import scopes_disabled

SECTIONS = ["history", "activity"]


@pytest.fixture
def engagement(a):
    with scopes_disabled():
        return advance_to(f.EngagementFactory(client=a.client, lead_consultant=a.consultant),
                          Stage.CONTRACTING)


def test_the_page_loads_each_section_after_it_with_a_link_as_fallback(client, a, engagement):
    login(client, a.consultant)
    page = client.get(reverse("engagements:detail", args=[engagement.pk])).content.decode()
    for name in SECTIONS:
        url = reverse(f"engagements:{name}", args=[engagement.pk])
        assert f'hx-get="{url}" hx-trigger="load"' in page, name
        assert f'href="{url}"' in page, name
    # read by the sections, not by the page
    assert 'id="history"' not in page and 'id="activity"' not in page


def test_the_page_passes_its_query_on_to_the_sections(client, a, engagement):
    login(client, a.manager)
    url = reverse("engagements:detail", args=[engagement.pk])
    page = client.get(url + "?history_page=2").content.decode()
    assert reverse("engagements:history", args=[engagement.pk]) + "?history_page=2" in page


@pytest.mark.parametrize("name", SECTIONS)
def test_a_section_for_htmx_is_the_section_alone(client, a, engagement, name):
    login(client, a.consultant)
    response = client.get(reverse(f"engagements:{name}", args=[engagement.pk]),
                          HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200
    assert f'id="{name}"' in html
    assert "<html" not in html


@pytest.mark.parametrize("name", SECTIONS)
def test_a_section_without_htmx_is_a_page_of_its_own(client, a, engagement, name):
    login(client, a.consultant)
    html = client.get(reverse(f"engagements:{name}", args=[engagement.pk])).content.decode()
    assert f'id="{name}"' in html and "<html" in html
    assert engagement.get_absolute_url() in html  # the way back


def test_the_history_lists_the_transitions(client, a, engagement):
    login(client, a.consultant)
    html = client.get(reverse("engagements:history", args=[engagement.pk]),
                      HTTP_HX_REQUEST="true").content.decode()
    assert html.count('<i class="bi bi-arrow-right-short"></i>') == 2  # to 6, then to 7


@pytest.mark.parametrize("name", SECTIONS)
@pytest.mark.parametrize("htmx", [False, True])
def test_another_firms_section_is_a_404(client, a, b, engagement, name, htmx):
    login(client, b.manager)
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    assert client.get(reverse(f"engagements:{name}", args=[engagement.pk]),
                      **headers).status_code == 404


@pytest.mark.parametrize("name", SECTIONS)
def test_a_section_needs_a_signed_in_staff_member(client, a, engagement, name):
    response = client.get(reverse(f"engagements:{name}", args=[engagement.pk]))
    assert response.status_code in (302, 403)
    assert 'id="' + name + '"' not in response.content.decode()
