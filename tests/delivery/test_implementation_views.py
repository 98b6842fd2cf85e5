"""Clause 8.4 pages: the guidance log, the risk register with its chart, the progress
reports. Scoped to the firm and the engagement; scores and levels right; frozen records
refused."""

import datetime
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from delivery import risk, services
from delivery.models import GuidanceLog, ProgressReport, RiskItem, RiskSettings, SiteUnit
from delivery.risk import risk_chart_svg
from engagements import services as engagement_services
from engagements.services import record_save
from engagements.stages import Stage
from tests import factories as f
from tests.conftest import login
from tests.delivery.helpers import risk_form
from tests.engagements.helpers import advance_to
from tests.scoping import scopes_disabled
from tests.versions import with_versions

pytestmark = pytest.mark.django_db


def _unit(e, by, name="储罐区"):
    return (SiteUnit.objects.filter(engagement=e, name=name).first()
            or services.site_unit_save(record=SiteUnit(engagement=e, name=name), by=by))


def _risk(e, by, *, activity="储罐区", unit="储罐区", **kw):
    """A complete risk (8.4) of the unit ``unit`` (listed if need be)."""
    fields = {"activity": activity, "hazard": "甲醇泄漏引发火灾爆炸", "accident_type": "fire",
              "existing_controls": "设置围堰", "method": "LEC", "likelihood": 3, "exposure": 6,
              "consequence": 40, "control_level": "workshop", "responsible_person": "陈刚",
              "controls": "可燃气体报警", "measures_responsible": "周强",
              "measures_due_on": timezone.localdate() + datetime.timedelta(days=30),
              "identified_on": timezone.localdate()}
    fields.update(kw)
    return services.risk_save(record=RiskItem(engagement=e, unit=_unit(e, by, unit), **fields),
                              by=by)


def _records(w, e):
    today = timezone.localdate()
    guidance = record_save(record=GuidanceLog(engagement=e, given_on=today, given_by=w.consultant,
                                              topic="动火作业票证管理", advice="按 GB 30871 执行"),
                           by=w.consultant)
    item = _risk(e, w.consultant)
    report = record_save(record=ProgressReport(
        engagement=e, period_start=today - datetime.timedelta(days=6), period_end=today,
        work_done="完成现场诊断", next_steps="编制制度文件"), by=w.consultant)
    return {"engagement": e, "guidance": guidance, "risk": item, "report": report}


@pytest.fixture
def world(a, b):
    made = {}
    with scopes_disabled():
        for w in (a, b):
            e = advance_to(f.EngagementFactory(client=w.client, lead_consultant=w.consultant),
                           Stage.DELIVERY)
            made[w.firm.pk] = _records(w, e)
    return made


def urls_of(rec):
    e = rec["engagement"].pk
    return {
        "guidance": reverse("delivery:guidance", args=[e]),
        "guidancelog_create": reverse("delivery:guidancelog_create", args=[e]),
        "guidancelog_update": reverse("delivery:guidancelog_update", args=[e, rec["guidance"].pk]),
        "risks": reverse("delivery:risks", args=[e]),
        "riskitem_create": reverse("delivery:riskitem_create", args=[e]),
        "riskitem_update": reverse("delivery:riskitem_update", args=[e, rec["risk"].pk]),
        "risk_chart": reverse("delivery:risk_chart", args=[e]),
        "progress": reverse("delivery:progress", args=[e]),
        "progressreport_create": reverse("delivery:progressreport_create", args=[e]),
        "progressreport_update": reverse("delivery:progressreport_update",
                                         args=[e, rec["report"].pk]),
        "progress_share": reverse("delivery:progress_share", args=[e, rec["report"].pk]),
    }


POST_ONLY = {"progress_share"}
GET_ONLY = {"guidance", "risks", "risk_chart", "progress"}


def _post_data(name, w):
    today = timezone.localdate().isoformat()
    guidance = {"given_on": today, "given_by": w.consultant.pk, "topic": "x", "advice": "x"}
    risk_item = {"identified_on": today, "activity": "x", "hazard": "x", "method": "LS",
                 "ls_likelihood": "2", "severity": "2", "controls": "x"}
    report = {"period_start": today, "period_end": today, "work_done": "x", "next_steps": "x"}
    return {"guidancelog_create": guidance, "guidancelog_update": guidance,
            "riskitem_create": risk_item, "riskitem_update": risk_item,
            "progressreport_create": report, "progressreport_update": report}.get(name, {})


def _state(e):
    with scopes_disabled():
        return (list(GuidanceLog.objects.filter(engagement=e).values_list("topic", flat=True)),
                list(RiskItem.objects.filter(engagement=e).values_list("activity", "score")),
                list(ProgressReport.objects.filter(engagement=e)
                     .values_list("work_done", "shared_at")))


# -- access ---------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["consultant", "manager"])
def test_firm_b_records_are_404_to_firm_a(client, a, b, world, who):
    login(client, getattr(a, who))
    theirs = world[b.firm.pk]
    before = _state(theirs["engagement"])
    for name, url in urls_of(theirs).items():
        if name not in POST_ONLY:
            assert client.get(url).status_code == 404, name
        if name not in GET_ONLY:
            assert client.post(url, _post_data(name, a)).status_code == 404, name
    assert _state(theirs["engagement"]) == before
    for name, url in urls_of(world[a.firm.pk]).items():
        if name not in POST_ONLY:
            assert client.get(url).status_code == 200, name


def test_records_of_another_engagement_are_404_under_this_one(client, a, world):
    with scopes_disabled():
        other = advance_to(f.EngagementFactory(client=a.client, lead_consultant=a.consultant),
                           Stage.DELIVERY)
    login(client, a.consultant)
    for name in ("guidancelog_update", "riskitem_update", "progressreport_update",
                 "progress_share"):
        url = urls_of({**world[a.firm.pk], "engagement": other})[name]
        if name not in POST_ONLY:
            assert client.get(url).status_code == 404, name
        assert client.post(url, _post_data(name, a)).status_code == 404, name


def test_a_consultant_not_on_the_engagement_gets_404(client, a, world):
    with scopes_disabled():
        outsider = f.ConsultantFactory(firm=a.firm)
    login(client, outsider)
    mine = world[a.firm.pk]
    before = _state(mine["engagement"])
    for name, url in urls_of(mine).items():
        if name not in POST_ONLY:
            assert client.get(url).status_code == 404, name
        if name not in GET_ONLY:
            assert client.post(url, _post_data(name, a)).status_code == 404, name
    assert _state(mine["engagement"]) == before


def test_the_lead_and_a_working_group_member_see_every_page(client, a, world):
    mine = world[a.firm.pk]
    login(client, a.consultant)
    for name, url in urls_of(mine).items():
        if name not in POST_ONLY:
            assert client.get(url).status_code == 200, name
    with scopes_disabled():
        member = f.ConsultantFactory(firm=a.firm)
        services.team_member_add(engagement=mine["engagement"], by=a.consultant,
                                 side="provider", user=member, role="组员", responsibilities="x")
    login(client, member)
    for name, url in urls_of(mine).items():
        if name not in POST_ONLY:
            assert client.get(url).status_code == 200, name


# -- guidance -------------------------------------------------------------------------


def test_guidance_is_recorded_and_edited(client, a, world):
    mine = world[a.firm.pk]
    login(client, a.consultant)
    urls = urls_of(mine)
    page = client.get(urls["guidancelog_create"])
    assert page.context["form"].initial["given_by"] == a.consultant
    resp = client.post(urls["guidancelog_create"], {
        "given_on": timezone.localdate().isoformat(), "given_by": a.manager.pk,
        "topic": "受限空间作业", "advice": "先通风、再检测、后作业"})
    assert resp.status_code == 302
    assert "受限空间作业" in client.get(urls["guidance"]).text
    edit = urls["guidancelog_update"]
    resp = client.post(edit, with_versions(client, edit, {
        "given_on": timezone.localdate().isoformat(), "given_by": a.consultant.pk,
        "topic": "动火作业（修订）", "advice": "x"}))
    assert resp.status_code == 302
    with scopes_disabled():
        assert GuidanceLog.objects.get(pk=mine["guidance"].pk).topic == "动火作业（修订）"


def test_guidance_given_by_must_be_our_staff(client, a, b, world):
    login(client, a.consultant)
    resp = client.post(urls_of(world[a.firm.pk])["guidancelog_create"], {
        "given_on": timezone.localdate().isoformat(), "given_by": b.consultant.pk,
        "topic": "x", "advice": "x"})
    assert resp.status_code == 200 and "given_by" in resp.context["form"].errors


# -- risks ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "score", "level"),
    [
        ({"method": "LEC", "lec_likelihood": "6", "exposure": "6", "consequence": "15"},
         Decimal("540"), "major"),
        ({"method": "LEC", "lec_likelihood": "3", "exposure": "6", "consequence": "15"},
         Decimal("270"), "large"),
        ({"method": "LEC", "lec_likelihood": "1", "exposure": "6", "consequence": "15"},
         Decimal("90"), "general"),
        ({"method": "LEC", "lec_likelihood": "0.1", "exposure": "0.5", "consequence": "1"},
         Decimal("0.05"), "low"),
        ({"method": "LS", "ls_likelihood": "5", "severity": "4"}, Decimal("20"), "major"),
        ({"method": "LS", "ls_likelihood": "4", "severity": "4"}, Decimal("16"), "large"),
        ({"method": "LS", "ls_likelihood": "3", "severity": "3"}, Decimal("9"), "general"),
        ({"method": "LS", "ls_likelihood": "2", "severity": "4"}, Decimal("8"), "low"),
    ],
)
def test_a_risk_is_scored_and_graded(client, a, world, data, score, level):
    mine = world[a.firm.pk]
    login(client, a.consultant)
    resp = client.post(urls_of(mine)["riskitem_create"],
                       risk_form(mine["risk"].unit_id, **data))
    assert resp.status_code == 302, resp.context and resp.context["form"].errors
    with scopes_disabled():
        item = RiskItem.objects.get(engagement=mine["engagement"], activity="反应釜区")
    assert (item.score, item.level, item.method) == (score, level, data["method"])
    if data["method"] == "LS":
        assert item.exposure is None and item.consequence is None
    else:
        assert item.severity is None
    # the register shows it with its score and level, and says so after saving
    page = client.get(resp["Location"])
    row = re.search(rf'<tr id="r{item.pk}".*?</tr>', page.text, re.S).group(0)
    assert f'data-level="{level}"' in row
    assert risk.LEVEL_COLOURS[level] in row
    assert format(score.normalize(), "f") in row
    assert any(format(score.normalize(), "f") in str(m) for m in page.context["messages"])
    # the edit page shows the computed score and level
    page = client.get(reverse("delivery:riskitem_update", args=[mine["engagement"].pk, item.pk]))
    assert f'data-level="{level}"' in page.text
    assert page.context["form"].initial.get(
        "lec_likelihood" if data["method"] == "LEC" else "ls_likelihood") == data.get(
        "lec_likelihood", data.get("ls_likelihood"))


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"method": "LS", "lec_likelihood": "6", "exposure": "6", "consequence": "15"},
         "ls_likelihood"),  # LEC factors for an LS risk
        ({"method": "LEC", "ls_likelihood": "5", "severity": "5"}, "lec_likelihood"),
        ({"method": "LEC", "lec_likelihood": "7", "exposure": "6", "consequence": "15"},
         "lec_likelihood"),  # 7 is on no LEC scale
        ({"method": "LEC", "lec_likelihood": "6", "exposure": "6", "consequence": "5"},
         "consequence"),
        ({"method": "LS", "ls_likelihood": "6", "severity": "5"}, "ls_likelihood"),
        ({"method": "LS", "ls_likelihood": "3"}, "severity"),
        ({"method": "XYZ", "ls_likelihood": "3", "severity": "3"}, "method"),
    ],
)
def test_factors_outside_the_methods_scale_are_refused(client, a, world, data, field):
    mine = world[a.firm.pk]
    login(client, a.consultant)
    before = _state(mine["engagement"])
    resp = client.post(urls_of(mine)["riskitem_create"], risk_form(
        mine["risk"].unit_id, activity="配电室", hazard="触电", controls="绝缘", **data))
    assert resp.status_code == 200
    assert field in resp.context["form"].errors
    assert "配电室" in resp.text and "触电" in resp.text  # nothing lost
    assert _state(mine["engagement"]) == before


def test_a_risk_switches_method_on_edit(client, a, world):
    mine = world[a.firm.pk]
    login(client, a.consultant)
    edit = urls_of(mine)["riskitem_update"]
    resp = client.post(edit, with_versions(client, edit, risk_form(
        mine["risk"].unit_id, activity="储罐区", hazard="泄漏", controls="围堰", method="LS",
        ls_likelihood="4", severity="5")))
    assert resp.status_code == 302
    with scopes_disabled():
        item = RiskItem.objects.get(pk=mine["risk"].pk)
    assert (item.method, item.score, item.level) == ("LS", Decimal("20"), "major")
    assert item.exposure is None and item.consequence is None


def test_the_firms_thresholds_grade_and_are_shown(client, a, world):
    mine = world[a.firm.pk]
    with scopes_disabled():
        RiskSettings.objects.create(firm=a.firm, lec_major=Decimal("500"),
                                    lec_large=Decimal("200"), lec_general=Decimal("50"))
    login(client, a.consultant)
    page = client.get(urls_of(mine)["risks"])
    table = re.search(r'<table[^>]*id="risk-thresholds".*?</table>', page.text, re.S).group(0)
    assert "500" in table and "200" in table and "50" in table and "16" in table
    assert "320" not in table
    client.post(urls_of(mine)["riskitem_create"], risk_form(
        mine["risk"].unit_id, activity="新区", method="LEC", lec_likelihood="6", exposure="6",
        consequence="15"))  # D = 540 > 500
    with scopes_disabled():
        assert RiskItem.objects.get(activity="新区").level == "major"
    assert 'id="risk-thresholds"' in client.get(urls_of(mine)["riskitem_create"]).text


def test_the_register_is_ordered_by_score(client, a, world):
    mine = world[a.firm.pk]
    with scopes_disabled():
        _risk(mine["engagement"], a.consultant, activity="低分作业", likelihood=1, exposure=1,
              consequence=1)
        _risk(mine["engagement"], a.consultant, activity="高分作业", likelihood=10, exposure=10,
              consequence=40)
    login(client, a.consultant)
    page = client.get(urls_of(mine)["risks"])
    assert [r.activity for r in page.context["risks"]] == ["高分作业", "储罐区", "低分作业"]
    rows = [page.text.index(f'<tr id="r{r.pk}"') for r in page.context["risks"]]
    assert rows == sorted(rows)


def _bars(svg):
    return {m.group(1): int(m.group(2))
            for m in re.finditer(r'<g class="bar" data-level="(\w+)" data-count="(\d+)"', svg)}


def test_the_chart_has_one_bar_per_level_with_the_counts(client, a, world):
    mine = world[a.firm.pk]
    e = mine["engagement"]
    with scopes_disabled():
        _risk(e, a.consultant, likelihood=10, exposure=10, consequence=40)   # major
        _risk(e, a.consultant, likelihood=10, exposure=10, consequence=15)   # major
        _risk(e, a.consultant, method="LS", likelihood=1, severity=1, exposure=None,
              consequence=None)  # low
    # the fixture's risk: 3 × 6 × 40 = 720 → major
    login(client, a.consultant)
    resp = client.get(urls_of(mine)["risk_chart"])
    assert resp.status_code == 200
    assert resp["Content-Type"].startswith("image/svg+xml")
    svg = resp.content.decode()
    assert svg.startswith("<svg") and "<script" not in svg
    assert _bars(svg) == {"major": 3, "large": 0, "general": 0, "low": 1}
    assert svg.count('<g class="bar"') == 4
    for level, colour in risk.LEVEL_COLOURS.items():
        assert re.search(rf'data-level="{level}".*?fill="{colour}"', svg), level
    # the same chart inline on the register page
    page = client.get(urls_of(mine)["risks"])
    assert _bars(page.text) == _bars(svg)


def test_the_svg_builder_on_its_own():
    svg = risk_chart_svg({"major": 0, "large": 2, "general": 5, "low": 1})
    assert _bars(svg) == {"major": 0, "large": 2, "general": 5, "low": 1}
    heights = dict(re.findall(r'data-level="(\w+)".*?<rect[^>]*height="([\d.]+)"', svg))
    assert float(heights["general"]) > float(heights["large"]) > float(heights["low"]) > 0
    assert float(heights["major"]) == 0
    empty = risk_chart_svg({"major": 0, "large": 0, "general": 0, "low": 0})
    assert empty.count('<g class="bar"') == 4


def test_risk_register_queries_do_not_grow_with_risks(client, a, world):
    mine = world[a.firm.pk]
    login(client, a.consultant)

    def add(n):
        with scopes_disabled():
            for i in range(n):
                _risk(mine["engagement"], a.consultant, activity=f"作业{i}", unit=f"区域{i}",
                      method=["LEC", "LS"][i % 2], likelihood=1 + i % 5, severity=1 + i % 5)

    def queries(url):
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx)

    add(4)  # with the fixture's: 5
    five = queries(urls_of(mine)["risks"]), queries(urls_of(mine)["risk_chart"])
    add(45)
    assert (queries(urls_of(mine)["risks"]), queries(urls_of(mine)["risk_chart"])) == five


# -- progress reports -------------------------------------------------------------------


def test_progress_report_written_validated_and_shared(client, a, world):
    mine = world[a.firm.pk]
    login(client, a.consultant)
    urls = urls_of(mine)
    today = timezone.localdate()
    resp = client.post(urls["progressreport_create"], {
        "period_start": today.isoformat(), "period_end": (today - datetime.timedelta(days=1))
        .isoformat(), "work_done": "完成制度初稿", "next_steps": "客户评审"})
    assert resp.status_code == 200 and "period_end" in resp.context["form"].errors
    assert "完成制度初稿" in resp.text
    resp = client.post(urls["progressreport_create"], {
        "period_start": (today - datetime.timedelta(days=6)).isoformat(),
        "period_end": today.isoformat(), "work_done": "完成制度初稿", "issues": "资料延迟",
        "next_steps": "客户评审"})
    assert resp.status_code == 302
    with scopes_disabled():
        report = ProgressReport.objects.get(work_done="完成制度初稿")
    assert report.shared_at is None
    resp = client.post(reverse("delivery:progress_share", args=[mine["engagement"].pk, report.pk]))
    assert resp.status_code == 302
    with scopes_disabled():
        report.refresh_from_db()
        assert report.shared_at is not None and report.shared_by == a.consultant
        assert {r.code: r.met for r in mine["engagement"].requirements()}["8.4.progress"]


def test_a_shared_report_is_read_only(client, a, world):
    mine = world[a.firm.pk]
    with scopes_disabled():
        services.progress_report_share(report=mine["report"], by=a.consultant)
    login(client, a.consultant)
    urls = urls_of(mine)
    page = client.get(urls["progressreport_update"])
    assert page.status_code == 200 and page.context["frozen"]
    assert all(fl.disabled for fl in page.context["form"].fields.values())
    assert 'id="save"' not in page.text and 'id="share"' not in page.text
    before = _state(mine["engagement"])
    assert client.post(urls["progressreport_update"],
                       _post_data("progressreport_update", a)).status_code == 409
    assert client.post(urls["progress_share"]).status_code == 409
    assert _state(mine["engagement"]) == before
    listing = client.get(urls["progress"]).text
    assert "share-button" not in listing


@pytest.fixture
def handed_over(a, world):
    from tests.delivery.helpers import meet

    mine = world[a.firm.pk]
    with scopes_disabled():
        e = mine["engagement"]
        for code in ("8.1.1.site_research", "8.1.2.resource_research", "8.2.1.joint_team",
                     "8.3.1.plan_confirmed", "8.4.progress", "8.5.deliverables"):
            meet(code, e)
        engagement_services.engagement_hand_over(engagement=e, by=a.consultant)
        e.refresh_from_db()
    return mine


def test_records_of_a_passed_service_stage_are_frozen(client, a, handed_over):
    mine = handed_over
    login(client, a.consultant)
    urls = urls_of(mine)
    for name in ("guidancelog_update", "riskitem_update", "progressreport_update"):
        page = client.get(urls[name])
        assert page.status_code == 200 and page.context["frozen"], name
        assert all(fl.disabled for fl in page.context["form"].fields.values()), name
    before = _state(mine["engagement"])
    for name in ("guidancelog_create", "guidancelog_update", "riskitem_create",
                 "riskitem_update", "progressreport_create", "progressreport_update",
                 "progress_share"):
        assert client.post(urls[name], _post_data(name, a)).status_code == 409, name
    assert _state(mine["engagement"]) == before
    for name in ("guidance", "risks", "progress"):
        page = client.get(urls[name])
        assert page.status_code == 200 and page.context["closed"] is True, name
        assert 'id="add-' not in page.text, name
