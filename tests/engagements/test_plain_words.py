"""What an engagement still lacks is shown in plain words: the requirement's label in the
user's language with its clause as a small tag, never the registry's code as text (the
code stays for the admin and audits); a time-bound requirement says its day."""

import datetime
from html.parser import HTMLParser

import pytest
from django.urls import reverse
from django.utils import timezone

from engagements import gates
from engagements.stages import FORWARD, Stage
from tests import factories as f
from tests.conftest import login
from tests.engagements.helpers import advance_to
from tests.feedback.helpers import end_guidance_period, handed_over, to_follow_up
from tests.feedback.helpers import meet as feedback_meet
from tests.portal.helpers import PORTAL_ENGAGEMENT_TABS
from tests.scoping import scopes_disabled


class _Text(HTMLParser):
    """The text a reader sees (attributes, scripts and styles left out)."""

    def __init__(self):
        super().__init__()
        self.parts, self._skip = [], 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._skip += 1

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def visible_text(html):
    parser = _Text()
    parser.feed(html)
    return " ".join(parser.parts)


def all_codes():
    return [r.code for stage in FORWARD for r in gates.requirements_of(stage)]


def assert_no_code(html, where):
    text = visible_text(html)
    shown = [code for code in all_codes() if code in text]
    assert not shown, f"{where} shows requirement codes as text: {shown}"


@pytest.fixture
def by_stage(a, b):
    with scopes_disabled():
        engagements = {}
        for stage in (Stage.NEEDS_ANALYSIS, Stage.COMMUNICATION, Stage.CONTRACTING,
                      Stage.DELIVERY):
            e = f.EngagementFactory(client=a.client, lead_consultant=a.consultant,
                                    origin="proactive")
            engagements[stage] = advance_to(e, stage)
        engagements[Stage.EVALUATION] = handed_over(a)
        follow = handed_over(a)
        to_follow_up(follow, a)
        engagements[Stage.FOLLOW_UP] = follow
    return engagements


def test_no_page_shows_a_requirement_code_as_text(client, a, by_stage):
    assert all_codes(), "the registry is empty"
    login(client, a.manager)
    pages = [reverse("engagements:list"), reverse("dashboard:index"), reverse("home"),
             reverse("dashboard:settings")]
    for e in by_stage.values():
        pages += [reverse("engagements:detail", args=[e.pk])]
        with scopes_disabled():
            pages += [r.url for r in gates.statuses(e) if r.url]
    pages += [reverse("contracts:contract", args=[by_stage[Stage.CONTRACTING].pk]),
              reverse("delivery:plan", args=[by_stage[Stage.DELIVERY].pk]),
              reverse("delivery:documents", args=[by_stage[Stage.DELIVERY].pk])]
    for url in dict.fromkeys(pages):
        resp = client.get(url, follow=True)  # a link may lead on (e.g. "assess first")
        assert resp.status_code == 200, url
        assert_no_code(resp.content.decode(), url)
    # the refusal of a closed gate lists the labels too
    for stage, e in by_stage.items():
        resp = client.post(reverse("engagements:transition", args=[e.pk, FORWARD[stage]]),
                           {"expected_stage": stage})
        assert resp.status_code == 409, stage
        assert_no_code(resp.content.decode(), f"refusal at {stage}")
    # the portal of the client's contact
    login(client, a.contact.user)
    shown = 0
    for url in [reverse("portal:home")] + [reverse(name, args=[e.pk])
                                          for e in by_stage.values()
                                          for name in PORTAL_ENGAGEMENT_TABS]:
        resp = client.get(url)
        if resp.status_code == 404:  # not shown to the client before it is communicated
            continue
        assert resp.status_code == 200, url
        shown += 1
        assert_no_code(resp.content.decode(), url)
    assert shown >= 4


def test_labels_with_clause_tags_in_the_list(client, a, by_stage):
    login(client, a.consultant)
    text = visible_text(client.get(reverse("engagements:list")).content.decode())
    with scopes_disabled():
        e = by_stage[Stage.COMMUNICATION]
        lacking = [r for r in gates.statuses(e) if not r.met]
    assert lacking
    from django.utils.translation import override
    with override("zh-hans"):
        for r in lacking:
            assert r.text in text
            assert r.clause in text


def test_a_time_bound_requirement_says_its_day(client, a, by_stage):
    e = by_stage[Stage.FOLLOW_UP]
    with scopes_disabled():
        contract = e.contracts.order_by("-version").first()
        end_guidance_period(e, days_ago=1)  # handed over yesterday
    day = timezone.localdate() - datetime.timedelta(days=1) + datetime.timedelta(
        days=contract.guidance_period_days)
    login(client, a.consultant)
    text = visible_text(client.get(reverse("engagements:detail", args=[e.pk])).content.decode())
    assert f"可于 {day.year}年{day.month}月{day.day}日 后关闭：合同约定的后续技术指导期已结束" in text
    client.cookies["django_language"] = "en"
    resp = client.get(reverse("engagements:detail", args=[e.pk]), HTTP_ACCEPT_LANGUAGE="en")
    assert "Can be closed after" in visible_text(resp.content.decode())
    # once the day has come (and the guidance was given in the period) it is met and says
    # so no more
    with scopes_disabled():
        feedback_meet("9.1.guidance", e, a)
        guidance = next(r for r in gates.statuses(e) if r.code == "9.1.guidance")
    assert guidance.met and guidance.text == str(guidance.label)


def test_the_other_firm_sees_none_of_it(client, b, by_stage):
    login(client, b.manager)
    text = visible_text(client.get(reverse("engagements:list")).content.decode())
    assert by_stage[Stage.DELIVERY].number not in text
    assert client.get(reverse("engagements:detail",
                              args=[by_stage[Stage.DELIVERY].pk])).status_code == 404
