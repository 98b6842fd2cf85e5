"""The consultants' engagement pages: they work, they are scoped, and they stay fast."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from engagements.models import Engagement, NeedsAssessment, ProjectFramework, StageTransition
from engagements.stages import Stage
from tests import factories as f
from tests.conftest import login
from tests.engagements.helpers import advance_to
from tests.scoping import fresh, scopes_disabled
from tests.versions import with_versions


@pytest.fixture
def world(a, b):
    """Firm a's engagement (led by a.consultant) in communication with one record of each
    kind; the same for firm b."""
    made = {}
    with scopes_disabled():
        for w in (a, b):
            e = f.EngagementFactory(client=w.client, lead_consultant=w.consultant,
                                    origin="proactive")
            advance_to(e, Stage.COMMUNICATION)
            made[w.firm.pk] = {
                "engagement": e,
                "sitevisit": f.SiteVisitFactory(engagement=e),
                "communicationrecord": f.CommunicationRecordFactory(engagement=e),
                "exchangerecord": f.ExchangeRecordFactory(engagement=e),
                "framework": f.ProjectFrameworkFactory(engagement=e),
            }
    return made


def urls_of(rec):
    e = rec["engagement"]
    urls = {
        "detail": reverse("engagements:detail", args=[e.pk]),
        "update": reverse("engagements:update", args=[e.pk]),
        "needs": reverse("engagements:needs_assessment", args=[e.pk]),
        "framework": reverse("engagements:framework", args=[e.pk]),
        "framework_confirm": reverse("engagements:framework_confirm",
                                     args=[e.pk, rec["framework"].pk]),
        "transition": reverse("engagements:transition", args=[e.pk, "confirm_framework"]),
        "decline": reverse("engagements:transition", args=[e.pk, "decline"]),
    }
    for kind in ("sitevisit", "communicationrecord", "exchangerecord"):
        urls[f"{kind}_create"] = reverse(f"engagements:{kind}_create", args=[e.pk])
        urls[f"{kind}_update"] = reverse(f"engagements:{kind}_update", args=[e.pk, rec[kind].pk])
        urls[f"{kind}_delete"] = reverse(f"engagements:{kind}_delete", args=[e.pk, rec[kind].pk])
    return urls


POST_ONLY = {"framework_confirm", "transition", "decline", "sitevisit_delete",
             "communicationrecord_delete", "exchangerecord_delete"}


@pytest.mark.parametrize("who", ["consultant", "manager"])
def test_firm_b_engagement_and_records_are_404_to_firm_a(client, a, b, world, who):
    login(client, getattr(a, who))
    theirs = world[b.firm.pk]
    for name, url in urls_of(theirs).items():
        if name not in POST_ONLY:
            assert client.get(url).status_code == 404, name
        assert client.post(url, {"expected_stage": "communication", "reason": "x"}).status_code == 404, name
    with scopes_disabled():
        e = theirs["engagement"]
        assert Engagement.objects.get(pk=e.pk).stage == Stage.COMMUNICATION
        assert e.sitevisits.count() == 1 and e.communicationrecords.count() == 1
    # the same pages of firm a's own engagement answer (so the 404s above mean something)
    for name, url in urls_of(world[a.firm.pk]).items():
        if name not in POST_ONLY:
            assert client.get(url).status_code == 200, name


def test_a_consultant_not_on_the_engagement_sees_none_of_it(client, a, world, django_user_model):
    with scopes_disabled():
        outsider = f.ConsultantFactory(firm=a.firm)
    login(client, outsider)
    for name, url in urls_of(world[a.firm.pk]).items():
        if name not in POST_ONLY:
            assert client.get(url).status_code == 404, name
    resp = client.get(reverse("engagements:list"))
    assert world[a.firm.pk]["engagement"].number not in resp.text
    # assigned as another consultant, they see it
    with scopes_disabled():
        world[a.firm.pk]["engagement"].consultants.add(outsider)
    assert client.get(urls_of(world[a.firm.pk])["detail"]).status_code == 200


def test_client_contact_gets_404_on_engagement_urls(client, a, world):
    login(client, a.contact.user)
    for name, url in urls_of(world[a.firm.pk]).items():
        assert client.get(url).status_code == 404, name


def test_list_shows_stage_and_what_is_missing(client, a, b, world):
    login(client, a.consultant)
    resp = client.get(reverse("engagements:list"))
    mine, theirs = world[a.firm.pk]["engagement"], world[b.firm.pk]["engagement"]
    assert mine.title in resp.text and theirs.title not in resp.text
    row = resp.context["rows"][0]
    assert [r.code for r in row["missing"]] == ["6.4.framework"]  # framework unconfirmed


def test_list_filters(client, a, world):
    with scopes_disabled():
        other_client = f.ClientFactory(firm=a.firm, name="筛选用客户")
        other = f.EngagementFactory(client=other_client, lead_consultant=a.consultant,
                                    title="风险分级管控项目", service_type="risk_grading")
    login(client, a.consultant)
    url = reverse("engagements:list")
    mine = world[a.firm.pk]["engagement"]

    def titles(**params):
        return {row["engagement"].title for row in client.get(url, params).context["rows"]}

    assert titles(stage="needs_analysis") == {other.title}
    assert titles(stage="communication") == {mine.title}
    assert titles(client=other_client.pk) == {other.title}
    assert titles(service_type="risk_grading") == {other.title}
    assert titles(q="风险分级") == {other.title}
    assert titles(q=mine.number) == {mine.title}
    assert titles(q="筛选用") == {other.title}
    assert titles(consultant=a.consultant.pk) == {other.title, mine.title}
    assert titles(consultant=a.manager.pk) == set()


def _queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        resp = client.get(url)
    assert resp.status_code == 200
    return len(ctx)


def test_list_query_count_does_not_grow_with_engagements(client, a):
    login(client, a.manager)

    def make(n):
        with scopes_disabled():
            for i in range(n):
                e = f.EngagementFactory(client=a.client, lead_consultant=a.consultant)
                if i % 2:
                    advance_to(e, Stage.COMMUNICATION)
                    f.CommunicationRecordFactory(engagement=e)

    make(5)
    five = _queries(client, reverse("engagements:list"))
    make(45)
    assert _queries(client, reverse("engagements:list")) == five


def test_detail_query_count_does_not_grow_with_records(client, a):
    with scopes_disabled():
        e = advance_to(f.EngagementFactory(client=a.client, lead_consultant=a.consultant),
                       Stage.COMMUNICATION)
    login(client, a.consultant)
    url = reverse("engagements:detail", args=[e.pk])

    def make(n):
        with scopes_disabled():
            for _ in range(n):
                f.SiteVisitFactory(engagement=e, visitors=[a.consultant, a.manager])
                f.CommunicationRecordFactory(engagement=e)
                f.ExchangeRecordFactory(engagement=e)
                e.consultants.add(f.ConsultantFactory(firm=a.firm))

    make(5)
    five = _queries(client, url)
    make(45)
    assert _queries(client, url) == five


def test_create_engagement_through_the_form(client, a, b):
    login(client, a.consultant)
    resp = client.post(reverse("engagements:create"), {
        "client": a.client.pk, "title": "安全台账咨询", "service_type": "ledgers",
        "origin": "request", "lead_consultant": a.consultant.pk, "consultants": [a.manager.pk],
    })
    assert resp.status_code == 302
    with scopes_disabled():
        e = Engagement.objects.get(title="安全台账咨询")
        assert e.firm == a.firm and e.stage == Stage.NEEDS_ANALYSIS
        assert list(e.consultants.all()) == [a.manager]
    # firm b's client or staff are not valid choices
    resp = client.post(reverse("engagements:create"), {
        "client": b.client.pk, "title": "越界", "service_type": "ledgers", "origin": "request",
        "lead_consultant": b.consultant.pk,
    })
    assert resp.status_code == 200
    assert set(resp.context["form"].errors) == {"client", "lead_consultant"}


def test_needs_assessment_draft_then_complete_then_transition(client, a):
    with scopes_disabled():
        e = f.EngagementFactory(client=a.client, lead_consultant=a.consultant)
    login(client, a.consultant)
    url = reverse("engagements:needs_assessment", args=[e.pk])
    resp = client.post(url, {"scope_finding": "在服务范围内", "scope_verdict": "fine"})
    assert resp.status_code == 302
    with scopes_disabled():
        na = NeedsAssessment.objects.get(engagement=e)
        assert not na.is_complete
    page = client.get(reverse("engagements:detail", args=[e.pk]))
    assert page.context["gate_open"] is False
    assert 'id="advance" disabled' in page.text and "5.assessment" in page.text
    # the refused transition answers 409 and names the code
    resp = client.post(reverse("engagements:transition", args=[e.pk, "confirm_needs"]),
                       {"expected_stage": "needs_analysis"})
    assert resp.status_code == 409 and "5.assessment" in resp.text
    data = {}
    for dim, _label in NeedsAssessment.DIMENSIONS:
        data[f"{dim}_finding"] = "可以"
        data[f"{dim}_verdict"] = "fine"
    data.update(budget_min="50000", budget_max="90000", measures="按计划推进",
                assessor=a.consultant.pk, assessed_on=timezone.localdate().isoformat(),
                decision="proceed")
    assert client.post(url, with_versions(client, url, data)).status_code == 302
    resp = client.post(reverse("engagements:transition", args=[e.pk, "confirm_needs"]),
                       {"expected_stage": "needs_analysis", "note": "评估完成"})
    assert resp.status_code == 302
    fresh(e)
    assert e.stage == Stage.COMMUNICATION
    with scopes_disabled():
        t = StageTransition.objects.get(engagement=e)
        assert (t.by, t.note) == (a.consultant, "评估完成")


def test_budget_range_and_decline_reason_are_validated(client, a):
    with scopes_disabled():
        e = f.EngagementFactory(client=a.client, lead_consultant=a.consultant)
    login(client, a.consultant)
    url = reverse("engagements:needs_assessment", args=[e.pk])
    resp = client.post(url, {"budget_min": "90000", "budget_max": "50000",
                             "decision": "decline", "measures": "保留的输入"})
    assert resp.status_code == 200
    errors = resp.context["form"].errors
    assert "budget_max" in errors and "decision_reasons" in errors
    assert "保留的输入" in resp.text


def test_a_stale_page_gets_409_and_nothing_is_written(client, a):
    with scopes_disabled():
        e = f.EngagementFactory(client=a.client, lead_consultant=a.consultant)
        f.NeedsAssessmentFactory(engagement=e)
    login(client, a.consultant)
    url = reverse("engagements:transition", args=[e.pk, "confirm_needs"])
    assert client.post(url, {"expected_stage": "needs_analysis"}).status_code == 302
    resp = client.post(url, {"expected_stage": "needs_analysis"})
    assert resp.status_code == 409
    with scopes_disabled():
        assert StageTransition.objects.filter(engagement=e).count() == 1


def test_frozen_records_cannot_be_changed_through_the_views(client, a):
    with scopes_disabled():
        e = advance_to(f.EngagementFactory(client=a.client, lead_consultant=a.consultant),
                       Stage.CONTRACTING)
        visit = f.SiteVisitFactory.build(engagement=e)  # a record of a passed stage
        comm = e.communicationrecords.first()
        na = e.needs_assessment
        fw = e.projectframeworks.first()
    login(client, a.consultant)
    # needs assessment (stage 5 passed)
    url = reverse("engagements:needs_assessment", args=[e.pk])
    page = client.get(url)
    assert page.status_code == 200 and page.context["frozen"]
    assert client.post(url, {"scope_finding": "改掉"}).status_code == 409
    # a clause 6 record
    url = reverse("engagements:communicationrecord_update", args=[e.pk, comm.pk])
    assert client.get(url).context["frozen"]
    assert client.post(url, {"held_on": "2026-01-01", "channel": "phone", "participants": "x",
                             "basic_situation": "改掉", "explicit_needs": "x",
                             "latent_needs": "x"}).status_code == 409
    assert client.post(reverse("engagements:communicationrecord_delete",
                               args=[e.pk, comm.pk])).status_code == 409
    # no new record on a passed stage either
    assert client.post(reverse("engagements:sitevisit_create", args=[e.pk]), {
        "visited_on": "2026-01-01", "visitors": [a.consultant.pk], "findings": "x",
        "need_exists": "yes"}).status_code == 409
    # the framework
    assert client.post(reverse("engagements:framework", args=[e.pk]), {
        "objectives": "改掉", "scope": "x", "approach": "x", "timetable": "x",
        "budget": "1"}).status_code == 409
    with scopes_disabled():
        fresh(comm)
        fresh(na)
        fresh(fw)
        assert comm.basic_situation != "改掉" and na.scope_finding != "改掉"
        assert fw.objectives != "改掉" and ProjectFramework.objects.filter(engagement=e).count() == 1
        assert not e.sitevisits.filter(findings="x").exists()
    assert visit.pk is None


def test_the_model_refuses_a_frozen_save_from_any_entry_point(a):
    from engagements.models import FrozenRecord

    with scopes_disabled():
        e = advance_to(f.EngagementFactory(client=a.client), Stage.COMMUNICATION)
        na = e.needs_assessment
        na.scope_finding = "shell 修改"
        with pytest.raises(FrozenRecord):
            na.save()
        with pytest.raises(FrozenRecord):
            na.delete()


def test_framework_version_and_confirmation_through_the_views(client, a):
    with scopes_disabled():
        e = advance_to(f.EngagementFactory(client=a.client, lead_consultant=a.consultant),
                       Stage.COMMUNICATION)
    login(client, a.consultant)
    url = reverse("engagements:framework", args=[e.pk])
    data = {"objectives": "通过二级评审", "scope": "全厂", "approach": "驻场", "timetable": "三个月",
            "budget": "100000"}
    assert client.post(url, data).status_code == 302
    with scopes_disabled():
        v1 = ProjectFramework.objects.get(engagement=e)
    resp = client.post(reverse("engagements:framework_confirm", args=[e.pk, v1.pk]),
                       {"contact": a.contact.pk, "confirmed_on": timezone.localdate().isoformat()})
    assert resp.status_code == 302
    fresh(v1)
    with scopes_disabled():
        assert v1.is_confirmed and v1.confirmed_by == a.contact
    data["objectives"] = "通过一级评审"
    assert client.post(url, with_versions(client, url, data)).status_code == 302
    with scopes_disabled():
        versions = list(ProjectFramework.objects.filter(engagement=e).order_by("version"))
    assert [(v.version, v.objectives, v.is_confirmed) for v in versions] == [
        (1, "通过二级评审", True), (2, "通过一级评审", False)]
    # a future confirmation date is refused with a message
    resp = client.post(reverse("engagements:framework_confirm", args=[e.pk, versions[1].pk]),
                       {"contact": a.contact.pk, "confirmed_on": "2999-01-01"}, follow=True)
    fresh(versions[1])
    assert not versions[1].is_confirmed


def test_decline_through_the_page(client, a):
    with scopes_disabled():
        e = f.EngagementFactory(client=a.client, lead_consultant=a.consultant)
    login(client, a.consultant)
    url = reverse("engagements:transition", args=[e.pk, "decline"])
    assert client.post(url, {"expected_stage": "needs_analysis", "reason": ""}).status_code == 409
    assert client.post(url, {"expected_stage": "needs_analysis",
                             "reason": "超出服务能力"}).status_code == 302
    fresh(e)
    assert e.stage == Stage.DECLINED and e.end_reason == "超出服务能力"
