"""Clause 8: each requirement alone holds the gate of the service stage shut."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from delivery import risk, services
from delivery.models import ConsultingPlan, RiskItem, RiskSettings, SiteResearch, SiteUnit
from engagements import services as engagement_services
from engagements.stages import Stage
from tests import factories as f
from tests.delivery.helpers import ALL, approve, meet, pdf_ready, risk_item
from tests.engagements.helpers import advance_to
from tests.scoping import scopes_disabled

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _unscoped():
    with scopes_disabled():
        yield


@pytest.fixture
def delivering(a):
    return advance_to(f.EngagementFactory(client=a.client, lead_consultant=a.consultant),
                      Stage.DELIVERY)


def test_the_gate_lists_every_clause_8_code(delivering):
    # and the hidden dangers' (8.4, registered by hazards, held in tests/hazards)
    assert [r.code for r in delivering.requirements()] == ALL + ["8.4.major_hazards"]


RISK_CODES = {"8.4.risks", "8.4.risk_coverage", "8.4.risk_measures"}


@pytest.mark.parametrize("code", ALL)
def test_each_clause_8_requirement_alone_holds_the_gate(a, delivering, code):
    for other in ALL:
        if other != code and not (code.startswith("8.2.2.") and other in (
                "8.2.1.joint_team", "8.2.2.rse", "8.2.2.rse_fits")) and not (
                code == "8.3.2.plan_content" and other == "8.3.1.plan_confirmed") and not (
                code in RISK_CODES and other in RISK_CODES):
            meet(other, delivering)
    if code in RISK_CODES:
        meet("8.4.risks", delivering)  # a complete register covering its one unit
        item = RiskItem.objects.get(engagement=delivering)
        if code == "8.4.risks":  # a risk recorded before 8.4's fields (migrated): no activity
            RiskItem.objects.filter(pk=item.pk).update(activity="", accident_type="")
        elif code == "8.4.risk_coverage":  # a listed unit without any risk
            services.site_unit_save(record=SiteUnit(engagement=delivering, name="汽车装卸站"),
                                    by=a.consultant)
        else:  # a 重大风险 (migrated) without its measures' due date
            RiskItem.objects.filter(pk=item.pk).update(measures_due_on=None)
    if code.startswith("8.2.2."):
        # a joint team whose provider member holds no valid RSE (8.2.2.rse), or one whose
        # specialty does not fit the chemical client (8.2.2.rse_fits)
        other_staff = f.ConsultantFactory(firm=a.firm)
        if code == "8.2.2.rse":
            f.QualificationFactory(holder=other_staff, kind="other")
        else:
            f.QualificationFactory(holder=other_staff, specialty="construction")
        services.team_member_add(engagement=delivering, by=a.consultant, side="provider",
                                 user=other_staff, role="组员", responsibilities="资料编制")
        services.team_member_add(engagement=delivering, by=a.consultant, side="client",
                                 contact=a.contact, role="联络人", responsibilities="配合")
        # the lead, who passed the plan with the working group (8.3.1), left the group
        from delivery.models import TeamMember

        lead = TeamMember.objects.filter(engagement=delivering, user=a.consultant).first()
        if lead is not None:
            services.team_member_remove(member=lead, by=a.consultant)
    if code == "8.3.2.plan_content":
        # a confirmed plan… whose content is incomplete can't be approved, so make the
        # current version a new draft lacking a section
        meet("8.3.1.plan_confirmed", delivering)
        services.plan_save(engagement=delivering, by=a.consultant, emergency_handling="",
                           change_reason="现场变化")
    with pytest.raises(engagement_services.GateClosed) as exc:
        engagement_services.engagement_hand_over(engagement=delivering, by=a.consultant)
    missing = [r.code for r in exc.value.missing]
    if code == "8.3.2.plan_content":
        assert missing == ["8.3.1.plan_confirmed", "8.3.2.plan_content"]
    elif code == "8.2.2.rse":  # no valid RSE: none to fit the client either
        assert missing == ["8.2.2.rse", "8.2.2.rse_fits"]
    else:
        assert missing == [code]
    assert delivering.stage == Stage.DELIVERY


def test_all_met_hand_over_moves_to_evaluation(a, delivering):
    for code in ALL:
        if code not in ("8.2.2.rse", "8.2.2.rse_fits", "8.3.2.plan_content",
                        "8.4.risk_coverage", "8.4.risk_measures"):
            meet(code, delivering)
    engagement_services.engagement_hand_over(engagement=delivering, by=a.consultant)
    assert delivering.stage == Stage.EVALUATION


# -- 8.1.1 and 8.2.2: qualifications valid on the day ---------------------------------

def test_an_expired_qualification_does_not_count_for_site_research(a):
    today = timezone.localdate()
    # signed 20 days ago: the research may be dated from then on (the standard's order)
    delivering = advance_to(f.EngagementFactory(client=a.client, lead_consultant=a.consultant),
                            Stage.DELIVERY, on=today - datetime.timedelta(days=20))
    expired = f.ConsultantFactory(firm=a.firm, full_name="过期证书")
    f.QualificationFactory(holder=expired, valid_from=today - datetime.timedelta(days=900),
                           valid_until=today - datetime.timedelta(days=1))
    with pytest.raises(ValidationError) as exc:
        services.site_research_save(
            record=SiteResearch(engagement=delivering, researched_on=today, location="x",
                                collected="x"),
            by=a.consultant, researchers=[a.consultant, expired])
    assert "过期证书" in str(exc.value)
    assert not SiteResearch.objects.filter(engagement=delivering).exists()
    # the same person on a day the certificate was valid counts
    services.site_research_save(
        record=SiteResearch(engagement=delivering, researched_on=today - datetime.timedelta(days=5),
                            location="x", collected="x"),
        by=a.consultant, researchers=[expired])
    assert {r.code: r.met for r in delivering.requirements()}["8.1.1.site_research"]


def test_an_expired_rse_does_not_count_for_8_2_2(a, delivering):
    today = timezone.localdate()
    a.qualification.valid_until = today - datetime.timedelta(days=1)
    a.qualification.valid_from = today - datetime.timedelta(days=400)
    a.qualification.save()
    meet("8.2.1.joint_team", delivering)
    rows = {r.code: r.met for r in delivering.requirements()}
    assert rows["8.2.1.joint_team"] and not rows["8.2.2.rse"]


# -- 8.3: versions --------------------------------------------------------------------

def test_a_plan_changed_after_confirmation_needs_confirmation_again(a, delivering):
    meet("8.3.1.plan_confirmed", delivering)
    assert {r.code: r.met for r in delivering.requirements()}["8.3.1.plan_confirmed"]
    with pytest.raises(ValidationError):  # a new version says why
        services.plan_save(engagement=delivering, by=a.consultant, training_plan="新的培训")
    v2 = services.plan_save(engagement=delivering, by=a.consultant, training_plan="新的培训",
                            change_reason="客户新增一条生产线（9.3）")
    assert v2.version == 2 and v2.milestones.count() == 1  # milestones carried over
    v1 = ConsultingPlan.objects.get(engagement=delivering, version=1)
    assert v1.is_confirmed and v1.training_plan != "新的培训"
    assert not {r.code: r.met for r in delivering.requirements()}["8.3.1.plan_confirmed"]
    today = timezone.localdate()
    v2 = approve(v2, a.consultant)
    with pytest.raises(ValidationError):  # confirmed only once issued in writing
        services.plan_confirm(plan=v2, contact=a.contact, confirmed_on=today, by=a.consultant)
    v2 = services.plan_issue(plan=v2, by=a.consultant)
    pdf_ready(v2.issued_pdf)
    services.plan_confirm(plan=v2, contact=a.contact, confirmed_on=today, by=a.consultant)
    assert {r.code: r.met for r in delivering.requirements()}["8.3.1.plan_confirmed"]


def test_an_approved_plan_is_not_edited_in_place(a, delivering):
    from engagements.models import FrozenRecord

    meet("8.3.1.plan_confirmed", delivering)
    v1 = ConsultingPlan.objects.get(engagement=delivering)
    v1.division_of_work = "shell 修改"
    with pytest.raises(FrozenRecord):
        v1.save()


def test_approval_names_what_the_plan_lacks(a, delivering):
    from django.utils import translation

    plan = services.plan_save(engagement=delivering, by=a.consultant, division_of_work="分工")
    with translation.override("en"), pytest.raises(ValidationError) as exc:
        approve(plan, a.consultant)
    text = str(exc.value)
    assert "how emergencies are handled" in text and "division of work" not in text


# -- 8.4: LEC and LS at the level boundaries --------------------------------------------

@pytest.mark.parametrize(
    ("l_", "e", "c", "score", "level"),
    [
        (10, 10, 100, "10000", "major"),
        (Decimal("3.2"), 10, 10, "320", "large"),      # D = 320 is not above 320
        (Decimal("0.5"), Decimal("6.42"), 100, "321", "major"),
        (1, 4, 40, "160", "general"),                    # 160 is not above 160
        (Decimal("0.5"), Decimal("3.22"), 100, "161", "large"),
        (1, 7, 10, "70", "low"),                         # 70 is not above 70
        (1, 1, Decimal("71"), "71", "general"),
        (Decimal("0.1"), Decimal("0.5"), 1, "0.05", "low"),
    ],
)
def test_lec_scores_and_levels_at_the_boundaries(l_, e, c, score, level):
    value = risk.score("LEC", l_, e, c)
    assert value == Decimal(score)
    assert risk.level_for(value, risk.DEFAULT_THRESHOLDS["LEC"]) == level


@pytest.mark.parametrize(
    ("l_", "s", "level"),
    [(5, 5, "major"), (4, 5, "major"), (4, 4, "large"), (3, 5, "large"), (4, 3, "general"),
     (3, 3, "general"), (2, 5, "general"), (2, 4, "low"), (1, 1, "low")],
)
def test_ls_levels_at_the_boundaries(l_, s, level):
    assert risk.level_for(risk.score("LS", l_, severity=s), risk.DEFAULT_THRESHOLDS["LS"]) == level


def _unit(engagement, by, name="配电室"):
    return (SiteUnit.objects.filter(engagement=engagement, name=name).first()
            or services.site_unit_save(record=SiteUnit(engagement=engagement, name=name), by=by))


def test_risk_save_uses_the_firms_thresholds(a, delivering):
    unit = _unit(delivering, a.consultant)
    item = services.risk_save(record=risk_item(
        delivering, unit, hazard="触电", accident_type="electric_shock", method="LS",
        likelihood=3, severity=3, exposure=None, consequence=None), by=a.consultant)
    assert (item.score, item.level) == (Decimal("9"), "general")
    RiskSettings.objects.create(firm=a.firm, ls_major=Decimal("8"), ls_large=Decimal("6"),
                                ls_general=Decimal("4"))
    item2 = services.risk_save(record=risk_item(
        delivering, unit, hazard="触电", accident_type="electric_shock", method="LS",
        likelihood=3, severity=3, exposure=None, consequence=None), by=a.consultant)
    assert item2.level == "major"


def test_working_group_membership_widens_visibility(a, delivering):
    from engagements.selectors import engagements_visible_to

    member = f.ConsultantFactory(firm=a.firm)
    assert delivering not in engagements_visible_to(member)
    services.team_member_add(engagement=delivering, by=a.consultant, side="provider",
                             user=member, role="组员", responsibilities="资料")
    assert delivering in engagements_visible_to(member)


def test_a_risk_read_back_from_the_database_saves_again(a, delivering):
    item = services.risk_save(record=risk_item(
        delivering, _unit(delivering, a.consultant, "反应釜"), hazard="超压爆炸",
        accident_type="vessel_explosion"), by=a.consultant)
    item.refresh_from_db()
    item = services.risk_save(record=item, by=a.consultant)
    assert (item.score, item.level) == (Decimal("720"), "major")


def test_engagement_page_query_count_does_not_grow_with_clause_8_records(client, a, delivering):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from delivery.models import GuidanceLog
    from engagements.services import record_save

    def add(n):
        with scopes_disabled():
            for i in range(n):
                unit = _unit(delivering, a.consultant, f"区域{i}")
                services.risk_save(record=risk_item(
                    delivering, unit, hazard="高处坠落", accident_type="fall_from_height",
                    method="LS", likelihood=2, severity=3, exposure=None, consequence=None),
                    by=a.consultant)
                record_save(record=GuidanceLog(engagement=delivering, given_on=timezone.localdate(),
                                               given_by=a.consultant, topic="培训", advice="建议"),
                            by=a.consultant)

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse("engagements:detail", args=[delivering.pk])).status_code == 200
        return len(ctx)

    client.force_login(a.consultant)
    add(5)
    five = count()
    add(45)
    assert count() == five
