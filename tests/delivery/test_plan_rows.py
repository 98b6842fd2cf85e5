"""8.3.2 schedule: the plan's milestones get rows added in place (htmx,
consultancy/formrows.py) and removed by marking DELETE; the save goes through
``delivery.services.plan_save`` with the version seen."""

import re

import pytest
from django.urls import reverse

from consultancy.activity.models import Event
from delivery.models import PlanMilestone
from tests.conftest import login
from tests.delivery.test_plan_views import _engagement, plan_data
from tests.scoping import scopes_disabled
from tests.versions import with_versions

pytestmark = pytest.mark.django_db


@pytest.fixture
def delivering(a):
    return _engagement(a)


def _row(client, engagement, total):
    return client.get(reverse("delivery:plan_milestone_row", args=[engagement.pk]),
                      {"milestones-TOTAL_FORMS": total})


def _titles(engagement):
    with scopes_disabled():
        return sorted(PlanMilestone.objects.filter(plan__engagement=engagement)
                      .values_list("title", flat=True))


def test_the_milestone_row_has_the_next_index_and_is_firm_scoped(client, a, b, delivering):
    login(client, a.consultant)
    html = client.get(reverse("delivery:plan", args=[delivering.pk])).content.decode()
    row_url = reverse("delivery:plan_milestone_row", args=[delivering.pk])
    assert f'hx-get="{row_url}"' in html
    assert 'hx-include="#id_milestones-TOTAL_FORMS"' in html
    resp = _row(client, delivering, "3")
    assert resp.status_code == 200
    row = resp.content.decode()
    assert 'name="milestones-3-title"' in row and 'name="milestones-3-due_date"' in row
    assert "milestones-2-" not in row and "data-row-remove" in row
    total = re.search(r'<input[^>]*name="milestones-TOTAL_FORMS"[^>]*>', row).group(0)
    assert 'value="4"' in total and 'hx-swap-oob="true"' in total
    assert _row(client, delivering, "x").status_code == 400
    login(client, b.consultant)
    assert _row(client, delivering, "3").status_code == 404


def test_three_added_milestones_are_saved_and_a_removed_one_deleted(client, a, delivering):
    login(client, a.consultant)
    url = reverse("delivery:plan", args=[delivering.pk])
    page = client.get(url)
    assert page.context["formset"].total_form_count() == 3  # no plan yet: three empty rows
    for index in (3, 4):
        assert f'name="milestones-{index}-title"' in _row(client, delivering, str(index)).text
    # five rows on the page, three filled (the two added in place among them)
    data = plan_data(milestones=(("现场诊断", 10), ("整改指导", 30), ("评审辅导", 60)))
    data["milestones-TOTAL_FORMS"] = "5"
    assert client.post(url, data).status_code == 302  # the first version: none seen
    assert _titles(delivering) == sorted(["现场诊断", "整改指导", "评审辅导"])
    with scopes_disabled():
        saves = Event.objects.filter(engagement_id=delivering.pk).count()
    # the second milestone removed on the page: its DELETE marked, the row hidden
    page = client.get(url)
    assert page.context["formset"].initial_form_count() == 3
    data = plan_data(milestones=(("现场诊断", 10), ("整改指导", 30), ("评审辅导", 60)))
    data.update({"milestones-INITIAL_FORMS": "3", "milestones-1-DELETE": "on"})
    assert client.post(url, with_versions(client, url, data)).status_code == 302
    assert _titles(delivering) == sorted(["现场诊断", "评审辅导"])
    with scopes_disabled():
        assert Event.objects.filter(engagement_id=delivering.pk).count() > saves
        assert Event.objects.filter(engagement_id=delivering.pk).latest("pk").actor_id \
            == a.consultant.pk
