"""Stages in the admin (clause 4): the stage is read-only; the admin's actions and the
buttons of the engagement page run engagements.services, so a closed gate refuses and
names the missing requirement codes; declining and terminating need a reason."""

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from engagements.models import StageTransition
from engagements.stages import Stage
from tests import factories as f
from tests.conftest import login
from tests.engagements.helpers import advance_to, meet_needs_analysis
from tests.scoping import scopes_disabled

CHANGELIST = "admin:engagements_engagement_changelist"


def engagement(w, **kwargs):
    with scopes_disabled():
        return f.EngagementFactory(client=w.client, lead_consultant=w.consultant, **kwargs)


def transition_url(e, name):
    return reverse("admin:engagements_engagement_transition", args=[e.pk, name])


def messages_of(resp):
    return [str(m) for m in get_messages(resp.wsgi_request)]


def stage_of(e):
    with scopes_disabled():
        e.refresh_from_db()
    return e.stage


def rows(e):
    with scopes_disabled():
        return list(StageTransition.objects.filter(engagement=e).order_by("pk").values_list(
            "transition", "by_id", "note"))


def act(client, action, *engagements, **extra):
    return client.post(reverse(CHANGELIST), {
        "action": action, "_selected_action": [e.pk for e in engagements], **extra})


def test_the_action_cannot_pass_a_closed_gate_and_names_the_missing_codes(client, a, b):
    e = engagement(a)
    login(client, a.manager)
    resp = act(client, "advance_stage", e)
    assert resp.status_code == 302
    text = " ".join(messages_of(resp))
    assert "5.assessment" in text and e.number in text
    assert stage_of(e) == Stage.NEEDS_ANALYSIS and rows(e) == []


def test_the_action_moves_each_engagement_whose_gate_is_open(client, a, b):
    ready, blocked = engagement(a), engagement(a)
    with scopes_disabled():
        meet_needs_analysis(ready)
        advance_to(blocked, Stage.COMMUNICATION)
    login(client, a.manager)
    resp = act(client, "advance_stage", ready, blocked)
    text = " ".join(messages_of(resp))
    assert stage_of(ready) == Stage.COMMUNICATION
    assert rows(ready) == [("confirm_needs", a.manager.pk, "")]
    # The second one lacks clause 6's records: each missing code is named.
    assert stage_of(blocked) == Stage.COMMUNICATION
    for code in ("6.2.communication", "6.3.exchange", "6.4.framework"):
        assert code in text


def test_the_action_ignores_another_firms_engagement(client, a, b):
    theirs = engagement(b)
    with scopes_disabled():
        meet_needs_analysis(theirs)
    login(client, a.manager)
    act(client, "advance_stage", theirs)
    assert stage_of(theirs) == Stage.NEEDS_ANALYSIS and rows(theirs) == []


def test_the_button_refuses_a_closed_gate_and_names_the_codes(client, a, b):
    e = engagement(a)
    login(client, a.manager)
    resp = client.post(transition_url(e, "confirm_needs"), {"expected_stage": e.stage})
    assert resp.status_code == 302
    assert resp["Location"] == reverse("admin:engagements_engagement_change", args=[e.pk])
    assert any("5.assessment" in m for m in messages_of(resp))
    assert stage_of(e) == Stage.NEEDS_ANALYSIS and rows(e) == []


def test_the_button_moves_the_engagement_through_the_service(client, a, b):
    e = engagement(a)
    with scopes_disabled():
        meet_needs_analysis(e)
    login(client, a.manager)
    client.post(transition_url(e, "confirm_needs"), {"expected_stage": Stage.NEEDS_ANALYSIS})
    assert stage_of(e) == Stage.COMMUNICATION
    assert rows(e) == [("confirm_needs", a.manager.pk, "")]


def test_a_transition_not_offered_by_the_stage_is_refused(client, a, b):
    e = engagement(a)
    login(client, a.manager)
    resp = client.post(transition_url(e, "close"), {})
    assert any("close" in m for m in messages_of(resp))
    resp = client.post(transition_url(e, "terminate"), {"reason": "客户停产"})
    assert stage_of(e) == Stage.NEEDS_ANALYSIS and rows(e) == []


def test_a_stale_page_is_refused(client, a, b):
    e = engagement(a)
    with scopes_disabled():
        meet_needs_analysis(e)
    login(client, a.manager)
    client.post(transition_url(e, "confirm_needs"), {"expected_stage": Stage.CONTRACTING})
    assert stage_of(e) == Stage.NEEDS_ANALYSIS


def test_the_button_is_a_post(client, a, b):
    e = engagement(a)
    with scopes_disabled():
        meet_needs_analysis(e)
    login(client, a.manager)
    assert client.get(transition_url(e, "confirm_needs")).status_code == 405
    assert stage_of(e) == Stage.NEEDS_ANALYSIS


@pytest.mark.parametrize("name", ["confirm_needs", "decline"])
def test_another_firms_engagement_is_404(client, a, b, name):
    theirs = engagement(b)
    with scopes_disabled():
        meet_needs_analysis(theirs)
    login(client, a.manager)
    assert client.post(transition_url(theirs, name), {"reason": "x"}).status_code == 404
    assert client.get(transition_url(theirs, name)).status_code == 404
    assert stage_of(theirs) == Stage.NEEDS_ANALYSIS


def test_decline_from_the_page_asks_for_a_reason(client, a, b):
    e = engagement(a)
    login(client, a.manager)
    resp = client.get(transition_url(e, "decline"))
    assert resp.status_code == 200 and "reason" in resp.context["form"].fields
    resp = client.post(transition_url(e, "decline"), {"reason": "  ",
                                                      "expected_stage": e.stage})
    assert resp.status_code == 200 and resp.context["form"].errors
    assert stage_of(e) == Stage.NEEDS_ANALYSIS
    client.post(transition_url(e, "decline"), {"reason": "超出本公司能力范围（5 需求分析）",
                                               "expected_stage": e.stage})
    assert stage_of(e) == Stage.DECLINED
    assert rows(e) == [("decline", a.manager.pk, "超出本公司能力范围（5 需求分析）")]


def test_terminate_action_has_an_intermediate_reason_page(client, a, b):
    e = engagement(a)
    with scopes_disabled():
        advance_to(e, Stage.DELIVERY)
    login(client, a.manager)
    resp = act(client, "terminate", e)
    assert resp.status_code == 200 and "form" in resp.context
    assert e.number in resp.content.decode()
    resp = act(client, "terminate", e, apply="1", reason="")
    assert resp.status_code == 200 and resp.context["form"].errors
    assert stage_of(e) == Stage.DELIVERY
    act(client, "terminate", e, apply="1", reason="客户破产清算")
    assert stage_of(e) == Stage.TERMINATED
    assert rows(e)[-1] == ("terminate", a.manager.pk, "客户破产清算")


def test_the_engagement_page_shows_the_gate_and_the_transitions(client, a, b):
    e = engagement(a)
    login(client, a.manager)
    resp = client.get(reverse("admin:engagements_engagement_change", args=[e.pk]))
    body = resp.content.decode()
    assert "5.assessment" in body
    assert transition_url(e, "confirm_needs") in body and transition_url(e, "decline") in body
    assert transition_url(e, "terminate") not in body
    names = [b["name"] for b in resp.context["transition_buttons"]]
    assert names == ["confirm_needs", "decline"]
    # The button's form is outside the change form (forms do not nest in HTML).
    main = body.index('id="engagement_form"')
    button_form = body.index('<form id="transition-confirm_needs"')
    assert "</form>" in body[main:button_form]


def test_the_stage_cannot_be_posted(client, a, b):
    e = engagement(a)
    login(client, a.manager)
    url = reverse("admin:engagements_engagement_change", args=[e.pk])
    form = client.get(url).context["adminform"].form
    assert "stage" not in form.fields
