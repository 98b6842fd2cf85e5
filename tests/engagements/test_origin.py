"""6.1: the origin cannot be switched to escape the visit. A proactive engagement needs a
site visit record; its origin changes only during the needs analysis, with a reason, in
the activity log; afterwards the change is refused."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from consultancy.activity.models import Event
from engagements import services
from engagements.models import Engagement
from engagements.stages import Stage
from tests import factories as f
from tests.conftest import login
from tests.engagements.helpers import advance_to
from tests.scoping import scopes_disabled

pytestmark = pytest.mark.django_db

REASON = "客户随后发来书面委托函，项目改为应客户要求开展"


@pytest.fixture(autouse=True)
def _unscoped():
    with scopes_disabled():
        yield


@pytest.fixture
def proactive(a):
    return f.EngagementFactory(client=a.client, lead_consultant=a.consultant, origin="proactive")


def test_a_change_of_origin_in_the_needs_analysis_needs_a_reason(a, proactive):
    with pytest.raises(ValidationError) as exc:
        services.engagement_update(engagement=proactive, by=a.consultant, origin="request")
    assert "第 6.1 条款" in " ".join(exc.value.message_dict["origin_change_reason"])
    assert Engagement.objects.get(pk=proactive.pk).origin == "proactive"


def test_with_a_reason_it_changes_and_is_logged(a, proactive):
    services.engagement_update(engagement=proactive, by=a.consultant, origin="request",
                               origin_change_reason=REASON)
    assert Engagement.objects.get(pk=proactive.pk).origin == "request"
    event = Event.objects.get(engagement_id=proactive.pk, verb="engagement.origin_changed")
    assert event.clause == "6.1" and event.actor == a.consultant
    assert event.params == {"old": "proactive", "new": "request", "reason": REASON}


def test_an_unchanged_origin_needs_no_reason(a, proactive):
    services.engagement_update(engagement=proactive, by=a.consultant, origin="proactive",
                               title="新的标题")
    assert not Event.objects.filter(engagement_id=proactive.pk,
                                    verb="engagement.origin_changed").exists()


@pytest.mark.parametrize("stage", [Stage.COMMUNICATION, Stage.CONTRACTING])
def test_once_out_of_the_needs_analysis_the_origin_is_fixed(a, proactive, stage):
    advance_to(proactive, stage)  # the proactive engagement met 6.1 with its visit
    with pytest.raises(ValidationError) as exc:
        services.engagement_update(engagement=proactive, by=a.consultant, origin="request",
                                   origin_change_reason=REASON)
    assert "第 6.1 条款" in " ".join(exc.value.message_dict["origin"])
    assert Engagement.objects.get(pk=proactive.pk).origin == "proactive"


def test_the_edit_page(client, a, b, proactive):
    url = reverse("engagements:update", args=[proactive.pk])
    login(client, a.consultant)
    form = client.get(url).context["form"]
    assert "origin_change_reason" in form.fields and not form.fields["origin"].disabled
    data = {name: form[name].value() for name in form.fields if form[name].value() is not None}
    data.update(origin="request", consultants=[])
    resp = client.post(url, data)
    assert resp.status_code == 200
    assert "第 6.1 条款" in " ".join(resp.context["form"].errors["origin_change_reason"])
    data["origin_change_reason"] = REASON
    assert client.post(url, data).status_code == 302
    assert Engagement.objects.get(pk=proactive.pk).origin == "request"
    login(client, b.consultant)
    assert client.get(url).status_code == 404


def test_after_the_needs_analysis_the_edit_page_keeps_the_origin(client, a, proactive):
    advance_to(proactive, Stage.COMMUNICATION)
    url = reverse("engagements:update", args=[proactive.pk])
    login(client, a.consultant)
    form = client.get(url).context["form"]
    assert form.fields["origin"].disabled and "origin_change_reason" not in form.fields
    data = {name: form[name].value() for name in form.fields if form[name].value() is not None}
    data.update(origin="request", consultants=[])
    assert client.post(url, data).status_code == 302  # the rest is saved…
    assert Engagement.objects.get(pk=proactive.pk).origin == "proactive"  # …not the origin


def test_the_admin_shows_the_origin_read_only(client, a, proactive):
    login(client, a.manager)
    resp = client.get(reverse("admin:engagements_engagement_change", args=[proactive.pk]))
    assert resp.status_code == 200
    assert "origin" not in resp.context["adminform"].form.fields
