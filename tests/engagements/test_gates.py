"""The state machine and the gates of clauses 5 and 6 (DESIGN.md, "The engagement and its
gates"), through the services, as every entry point uses them."""

import pytest
from django.utils import timezone

from engagements import gates, services
from engagements.models import Engagement, StageTransition
from engagements.stages import Stage
from tests import factories as f
from tests.engagements.helpers import advance_to, meet_communication
from tests.scoping import scopes_disabled

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _unscoped():
    with scopes_disabled():
        yield


def test_a_new_engagement_starts_in_needs_analysis_with_its_number(a):
    e = services.engagement_create(
        firm=a.firm, by=a.consultant, client=a.client, title="标准化咨询",
        service_type="standardization", origin="request", lead_consultant=a.consultant,
    )
    year = timezone.localdate().year
    assert e.stage == Stage.NEEDS_ANALYSIS and e.number == f"{year}-001"
    e2 = services.engagement_create(
        firm=a.firm, by=a.consultant, client=a.client, title="台账",
        service_type="ledgers", origin="request", lead_consultant=a.consultant,
    )
    assert e2.number == f"{year}-002"


def test_numbers_are_per_firm(a, b):
    kw = {"title": "x", "service_type": "other", "origin": "request"}
    ea = services.engagement_create(firm=a.firm, by=a.consultant, client=a.client,
                                    lead_consultant=a.consultant, **kw)
    eb = services.engagement_create(firm=b.firm, by=b.consultant, client=b.client,
                                    lead_consultant=b.consultant, **kw)
    assert ea.number == eb.number


def test_engagement_cannot_name_another_firms_client_or_staff(a, b):
    from consultancy.tenancy.scoping import CrossFirmReference

    kw = {"title": "x", "service_type": "other", "origin": "request"}
    with pytest.raises(CrossFirmReference):
        services.engagement_create(firm=a.firm, by=a.consultant, client=b.client,
                                   lead_consultant=a.consultant, **kw)
    with pytest.raises(CrossFirmReference):
        services.engagement_create(firm=a.firm, by=a.consultant, client=a.client,
                                   lead_consultant=b.consultant, **kw)
    with pytest.raises(CrossFirmReference):
        services.engagement_create(firm=a.firm, by=a.consultant, client=a.client,
                                   lead_consultant=a.consultant, consultants=[b.consultant], **kw)
    assert not Engagement.objects.filter(firm=a.firm).exists()


def test_stage_cannot_be_assigned_directly(a):
    e = f.EngagementFactory(client=a.client)
    with pytest.raises(AttributeError):
        e.stage = Stage.DELIVERY
    e.refresh_from_db()
    assert e.stage == Stage.NEEDS_ANALYSIS


def test_transition_from_a_wrong_stage_is_refused(a):
    e = f.EngagementFactory(client=a.client)
    with pytest.raises(services.TransitionRefused) as exc:
        services.engagement_hand_over(engagement=e, by=a.consultant)
    assert not isinstance(exc.value, services.GateClosed)
    with pytest.raises(services.TransitionRefused):
        services.engagement_terminate(engagement=e, by=a.consultant, reason="x")
    assert e.stage == Stage.NEEDS_ANALYSIS and not StageTransition.objects.exists()


# -- clause 5 -------------------------------------------------------------------------

def test_5_assessment_missing_holds_the_gate(a):
    e = f.EngagementFactory(client=a.client)
    with pytest.raises(services.GateClosed) as exc:
        services.engagement_confirm_needs(engagement=e, by=a.consultant)
    assert [r.code for r in exc.value.missing] == ["5.assessment"]
    assert "5.assessment" in str(exc.value)
    f.NeedsAssessmentFactory(engagement=e)
    row = services.engagement_confirm_needs(engagement=e, by=a.consultant, note="需求已确认")
    assert e.stage == Stage.COMMUNICATION
    assert (row.from_stage, row.to_stage, row.by, row.note, row.firm) == (
        Stage.NEEDS_ANALYSIS, Stage.COMMUNICATION, a.consultant, "需求已确认", a.firm)


@pytest.mark.parametrize(
    "blank",
    ["scope_finding", "capability_verdict", "client_resources_finding", "risks_verdict",
     "schedule_finding", "budget_verdict", "budget_min", "budget_max", "measures", "assessor",
     "assessed_on", "decision"],
)
def test_a_half_filled_assessment_is_a_draft_that_does_not_meet_5(a, blank):
    e = f.EngagementFactory(client=a.client)
    value = None if blank in ("budget_min", "budget_max", "assessor", "assessed_on") else ""
    na = f.NeedsAssessmentFactory(engagement=e, **{blank: value})
    assert not na.is_complete and na.missing_fields()
    assert not gates.gate_is_open(e)
    with pytest.raises(services.GateClosed):
        services.engagement_confirm_needs(engagement=e, by=a.consultant)


def test_other_is_optional_and_decline_decision_does_not_meet_5(a):
    e = f.EngagementFactory(client=a.client)
    na = f.NeedsAssessmentFactory(engagement=e, other_finding="", decision="decline",
                                  decision_reasons="超出服务范围")
    assert na.is_complete
    assert not gates.gate_is_open(e)
    services.engagement_decline(engagement=e, by=a.consultant, reason=na.decision_reasons)
    assert e.stage == Stage.DECLINED and e.end_reason == "超出服务范围"


def test_decline_needs_a_reason(a):
    e = f.EngagementFactory(client=a.client)
    with pytest.raises(services.TransitionRefused):
        services.engagement_decline(engagement=e, by=a.consultant, reason="  ")
    assert e.stage == Stage.NEEDS_ANALYSIS


# -- clause 6: each requirement alone holds the gate --------------------------------

SIX = ["6.1.visit", "6.2.communication", "6.3.exchange", "6.4.framework"]


def _communication_engagement(a, origin="proactive"):
    e = f.EngagementFactory(client=a.client, origin=origin)
    return advance_to(e, Stage.COMMUNICATION)


def _make(code, e, a):
    if code == "6.1.visit":
        f.SiteVisitFactory(engagement=e)
    elif code == "6.2.communication":
        f.CommunicationRecordFactory(engagement=e)
    elif code == "6.3.exchange":
        f.ExchangeRecordFactory(engagement=e)
    elif code == "6.4.framework":
        f.ProjectFrameworkFactory(engagement=e, confirmed_by=a.contact,
                                  confirmed_on=timezone.localdate())


@pytest.mark.parametrize("code", SIX)
def test_each_clause_6_requirement_alone_holds_the_gate(a, code):
    e = _communication_engagement(a)
    for other in SIX:
        if other != code:
            _make(other, e, a)
    with pytest.raises(services.GateClosed) as exc:
        services.engagement_confirm_framework(engagement=e, by=a.consultant)
    assert [r.code for r in exc.value.missing] == [code]
    assert code in str(exc.value)
    assert e.stage == Stage.COMMUNICATION
    _make(code, e, a)
    services.engagement_confirm_framework(engagement=e, by=a.consultant)
    assert e.stage == Stage.CONTRACTING


def test_a_site_visit_is_not_required_when_the_client_asked(a):
    e = _communication_engagement(a, origin="request")
    rows = {r.code: r for r in e.requirements()}
    assert rows["6.1.visit"].met and not rows["6.1.visit"].applies
    meet_communication(e)
    services.engagement_confirm_framework(engagement=e, by=a.consultant)
    assert e.stage == Stage.CONTRACTING


def test_an_unconfirmed_framework_does_not_meet_6_4(a):
    e = _communication_engagement(a, origin="request")
    f.CommunicationRecordFactory(engagement=e)
    f.ExchangeRecordFactory(engagement=e)
    fw = services.framework_save(engagement=e, by=a.consultant, objectives="o", scope="s",
                                 approach="a", timetable="t", budget=1000)
    assert not gates.gate_is_open(e)
    services.framework_confirm(framework=fw, contact=a.contact, confirmed_on=timezone.localdate(),
                               by=a.consultant)
    assert gates.gate_is_open(e)
    # a change after confirmation is a new version, which must be confirmed again
    fw2 = services.framework_save(engagement=e, by=a.consultant, objectives="o2", scope="s",
                                  approach="a", timetable="t", budget=1000)
    assert fw2.version == 2 and fw2.pk != fw.pk
    fw.refresh_from_db()
    assert fw.objectives == "o" and fw.is_confirmed
    assert not gates.gate_is_open(e)


def test_framework_confirmed_by_a_contact_of_another_client_is_refused(a):
    from django.core.exceptions import ValidationError

    e = _communication_engagement(a, origin="request")
    fw = services.framework_save(engagement=e, by=a.consultant, objectives="o", scope="s",
                                 approach="a", timetable="t", budget=1000)
    other = f.ClientContactFactory(client=f.ClientFactory(firm=a.firm))
    with pytest.raises(ValidationError):
        services.framework_confirm(framework=fw, contact=other,
                                   confirmed_on=timezone.localdate(), by=a.consultant)


def test_the_empty_gate_of_a_later_stage_is_closed(a, monkeypatch):
    """A stage whose app has registered nothing cannot be left."""
    e = advance_to(f.EngagementFactory(client=a.client), Stage.CONTRACTING)
    monkeypatch.setitem(gates._registry, Stage.CONTRACTING, [])
    assert e.requirements() == []
    assert not gates.gate_is_open(e)
    with pytest.raises(services.GateClosed):
        services.engagement_sign_contract(engagement=e, by=a.consultant)
    assert e.stage == Stage.CONTRACTING


def test_stale_expected_stage_is_a_conflict(a):
    e = f.EngagementFactory(client=a.client)
    f.NeedsAssessmentFactory(engagement=e)
    services.engagement_confirm_needs(engagement=e, by=a.consultant)
    with pytest.raises(services.StageConflict):
        services.engagement_confirm_needs(engagement=e, by=a.consultant,
                                          expected_stage=Stage.NEEDS_ANALYSIS)
    assert StageTransition.objects.filter(engagement=e).count() == 1


def test_the_transition_notifies_the_team_on_commit(a, django_capture_on_commit_callbacks,
                                                    mailoutbox):
    e = f.EngagementFactory(client=a.client, lead_consultant=a.consultant)
    e.consultants.add(a.manager)
    f.NeedsAssessmentFactory(engagement=e)
    with django_capture_on_commit_callbacks(execute=True):
        services.engagement_confirm_needs(engagement=e, by=a.consultant)
    assert [m.to for m in mailoutbox] == [[a.manager.email]]
    assert e.number in mailoutbox[0].subject


def test_list_statuses_cost_one_query_per_requirement(a, django_assert_max_num_queries):
    engagements = [advance_to(f.EngagementFactory(client=a.client), Stage.COMMUNICATION)
                   for _ in range(6)]
    n_reqs = len(gates.requirements_of(Stage.COMMUNICATION))
    with django_assert_max_num_queries(n_reqs):
        result = gates.statuses_for_many(engagements)
    assert len(result) == 6
