"""8.3 through the pages: the plan is written, approved by the team, issued as a PDF and
confirmed by the client; a change after that is a new version, and the old one stays."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from consultancy.tenancy.scoping import firm_scope
from delivery import services
from delivery.models import ConsultingPlan, TeamMember
from engagements import services as engagement_services
from engagements.stages import Stage
from tests import factories as f
from tests.conftest import login
from tests.delivery.helpers import PLAN, approve, pdf_ready
from tests.engagements.helpers import advance_to
from tests.scoping import scopes_disabled
from tests.versions import with_versions

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def _engagement(world):
    with scopes_disabled():
        return advance_to(f.EngagementFactory(client=world.client,
                                              lead_consultant=world.consultant), Stage.DELIVERY)


@pytest.fixture
def delivering(a):
    return _engagement(a)


def plan_data(milestones=(("现场诊断报告", 20),), **fields):
    data = {**PLAN, "schedule": "诊断、整改、评审辅导三个阶段", "other": "", "training_na_reason": "",
            **fields}
    data = {k: v for k, v in data.items() if v is not None}
    data["milestones-TOTAL_FORMS"] = str(len(milestones) + 1)
    data["milestones-INITIAL_FORMS"] = "0"
    for i, (title, days) in enumerate(milestones):
        data[f"milestones-{i}-title"] = title
        data[f"milestones-{i}-due_date"] = (TODAY + datetime.timedelta(days=days)).isoformat()
    return data


def _requirement(engagement, code):
    with scopes_disabled():
        return next(r for r in engagement.requirements("delivery") if r.code == code)


def _plans(engagement):
    with scopes_disabled():
        return list(ConsultingPlan.objects.filter(engagement=engagement).order_by("version"))


def _approve(client, e, plan, who):
    """8.3.1 through the page: ``who`` approves for the working group (they and the lead
    join our side of it first, if need be), the lead and ``who`` taking part."""
    with scopes_disabled():
        for user in (e.lead_consultant, who) if not e.has_passed(Stage.DELIVERY) else ():
            if not TeamMember.objects.filter(engagement=e, user=user).exists():
                services.team_member_add(engagement=e, by=e.lead_consultant, side="provider",
                                         user=user, role="项目组成员",
                                         responsibilities="方案编制与审核")
    return client.post(reverse("delivery:plan_approve", args=[e.pk, plan.pk]), {
        "approved_on": TODAY.isoformat(), "approved_by": who.pk, "notes": "项目组讨论通过",
        "participants": sorted({e.lead_consultant_id, who.pk})})


def _issue(client, e, plan, capture):
    with capture(execute=True):
        return client.post(reverse("delivery:plan_issue", args=[e.pk, plan.pk]))


def _confirm(client, e, plan, contact):
    return client.post(reverse("delivery:plan_confirm", args=[e.pk, plan.pk]), {
        "contact": contact.pk, "confirmed_on": TODAY.isoformat()})


# -- the flow ---------------------------------------------------------------------------


def test_the_plan_flow_through_the_pages(client, a, delivering,
                                         django_capture_on_commit_callbacks):
    e = delivering
    login(client, a.consultant)
    url = reverse("delivery:plan", args=[e.pk])
    page = client.get(url)
    assert page.status_code == 200 and page.context["plan"] is None
    assert not _requirement(e, "8.3.1.plan_confirmed").met

    # a first draft, unfinished: saved, with what 8.3.2 still lacks named
    resp = client.post(url, plan_data(client_cooperation="", milestones=()))
    assert resp.status_code == 302
    [plan] = _plans(e)
    assert plan.version == 1 and plan.client_cooperation == ""
    page = client.get(url)
    assert "plan-missing" in page.text
    assert str(ConsultingPlan._meta.get_field("client_cooperation").verbose_name) in page.text

    # the team cannot approve it yet: refused, named, nothing changed
    resp = _approve(client, e, plan, a.manager)
    assert resp.status_code == 200
    errors = resp.context["approve_form"].non_field_errors()
    assert errors and "8.3.2" in errors[0]
    assert not _plans(e)[0].is_approved

    # completed, then approved, issued (the PDF really renders) and confirmed
    assert client.post(url, with_versions(client, url, plan_data())).status_code == 302
    [plan] = _plans(e)
    assert plan.client_cooperation == PLAN["client_cooperation"]
    with scopes_disabled():
        assert [m.title for m in plan.milestones.all()] == ["现场诊断报告"]
    assert _requirement(e, "8.3.2.plan_content").met
    assert _approve(client, e, plan, a.manager).status_code == 302
    [plan] = _plans(e)
    with firm_scope(a.firm):
        assert plan.is_approved and plan.approved_by == a.manager
    assert _issue(client, e, plan, django_capture_on_commit_callbacks).status_code == 302
    [plan] = _plans(e)
    with scopes_disabled():
        assert plan.is_issued and plan.issued_pdf.is_ready, plan.issued_pdf.error
        download = reverse("documents:download", args=[plan.issued_pdf.pk])
    page = client.get(url)
    assert download in page.text and plan.issued_pdf.sha256 in page.text
    assert not _requirement(e, "8.3.1.plan_confirmed").met
    assert _confirm(client, e, plan, a.contact).status_code == 302
    [plan] = _plans(e)
    with firm_scope(a.firm):
        assert plan.is_confirmed and plan.confirmed_by == a.contact
        assert plan.confirmation_recorded_by == a.consultant
    assert _requirement(e, "8.3.1.plan_confirmed").met
    page = client.get(url)
    assert str(plan.status_label) in page.text


def test_a_change_after_confirmation_is_version_2_approved_and_confirmed_again(
        client, a, delivering, django_capture_on_commit_callbacks):
    e = delivering
    login(client, a.consultant)
    url = reverse("delivery:plan", args=[e.pk])
    client.post(url, plan_data())
    [v1] = _plans(e)
    _approve(client, e, v1, a.manager)
    _issue(client, e, v1, django_capture_on_commit_callbacks)
    _confirm(client, e, v1, a.contact)
    assert _requirement(e, "8.3.1.plan_confirmed").met
    with scopes_disabled():
        v1_before = ConsultingPlan.objects.with_scopes_disabled().filter(pk=v1.pk).values().get()

    # without a reason: refused, the input kept, no new version
    changed = with_versions(client, url, plan_data(
        emergency_handling="罐区泄漏时立即启动客户专项应急预案并通知咨询方",
        milestones=(("现场诊断报告", 20), ("整改验证", 60))))
    resp = client.post(url, changed)
    assert resp.status_code == 200
    assert "change_reason" in resp.context["form"].errors
    assert "罐区泄漏时立即启动客户专项应急预案" in resp.text and "整改验证" in resp.text
    assert len(_plans(e)) == 1

    # with the reason: version 2, a draft; the gate is unmet again
    changed["change_reason"] = "客户新增罐区，现场情况变化（9.3）"
    assert client.post(url, changed).status_code == 302
    v1_after, v2 = _plans(e)
    assert v2.version == 2 and not v2.is_approved and v2.change_reason.startswith("客户新增罐区")
    assert v2.emergency_handling.startswith("罐区泄漏")
    with scopes_disabled():
        assert v2.milestones.count() == 2 and v1_after.milestones.count() == 1
        assert ConsultingPlan.objects.with_scopes_disabled().filter(
            pk=v1.pk).values().get() == v1_before
    assert not _requirement(e, "8.3.1.plan_confirmed").met

    # version 1 stays readable as it was
    old = client.get(reverse("delivery:plan_version", args=[e.pk, v1.pk]))
    assert old.status_code == 200
    assert PLAN["emergency_handling"] in old.text and "罐区泄漏" not in old.text
    assert old.context["is_current"] is False
    page = client.get(url)
    assert reverse("delivery:plan_version", args=[e.pk, v1.pk]) in page.text

    # the old version cannot be confirmed again; the new one goes the whole way
    resp = _confirm(client, e, v1, a.contact)
    assert resp.status_code == 302
    _approve(client, e, v2, a.manager)
    _issue(client, e, _plans(e)[1], django_capture_on_commit_callbacks)
    assert not _requirement(e, "8.3.1.plan_confirmed").met
    _confirm(client, e, _plans(e)[1], a.contact)
    assert _requirement(e, "8.3.1.plan_confirmed").met


def test_saving_an_approved_plan_unchanged_makes_no_version(client, a, delivering):
    login(client, a.consultant)
    url = reverse("delivery:plan", args=[delivering.pk])
    client.post(url, plan_data())
    _approve(client, delivering, _plans(delivering)[0], a.manager)
    resp = client.post(url, with_versions(client, url, plan_data(change_reason="无变化")))
    assert resp.status_code == 200 and resp.context["form"].non_field_errors()
    assert len(_plans(delivering)) == 1


SECTIONS = ["division_of_work", "client_cooperation", "anomaly_channel", "emergency_handling",
            "milestones", "training_plan"]


@pytest.mark.parametrize("section", SECTIONS)
def test_8_3_2_each_missing_section_is_named(client, a, delivering, section):
    login(client, a.consultant)
    if section == "milestones":
        data = plan_data(milestones=())
    else:
        data = plan_data(**{section: ""})
    client.post(reverse("delivery:plan", args=[delivering.pk]), data)
    [plan] = _plans(delivering)
    page = client.get(reverse("delivery:plan", args=[delivering.pk]))
    with scopes_disabled():
        missing = plan.missing_content()
    assert len(missing) == 1
    assert page.context["missing"] == missing
    assert missing[0] in page.text
    if section not in ("milestones", "training_plan"):
        assert missing[0] == str(ConsultingPlan._meta.get_field(section).verbose_name)
    assert not _requirement(delivering, "8.3.2.plan_content").met


def test_training_not_applicable_needs_the_reason(client, a, delivering):
    login(client, a.consultant)
    url = reverse("delivery:plan", args=[delivering.pk])
    resp = client.post(url, plan_data(training_plan="", training_not_applicable="on"))
    assert resp.status_code == 200 and "training_na_reason" in resp.context["form"].errors
    assert PLAN["division_of_work"] in resp.text  # nothing lost
    assert not _plans(delivering)
    resp = client.post(url, plan_data(training_plan="", training_not_applicable="on",
                                      training_na_reason="客户本年度已完成全员培训"))
    assert resp.status_code == 302
    assert _requirement(delivering, "8.3.2.plan_content").met


def test_bad_confirmation_input_is_an_error_and_changes_nothing(client, a, b, delivering):
    with scopes_disabled():
        plan = services.plan_save(engagement=delivering, by=a.consultant, **PLAN, milestones=[
            {"title": "诊断", "due_date": TODAY}])
        plan = approve(plan, a.consultant)
        plan = services.plan_issue(plan=plan, by=a.consultant)
        pdf_ready(plan.issued_pdf)
        other_contact = f.ClientContactFactory(client=f.ClientFactory(firm=a.firm))
    login(client, a.consultant)
    future = (TODAY + datetime.timedelta(days=3)).isoformat()
    resp = client.post(reverse("delivery:plan_confirm", args=[delivering.pk, plan.pk]),
                       {"contact": a.contact.pk, "confirmed_on": future})
    assert resp.status_code == 200 and "confirmed_on" in resp.context["confirm_form"].errors
    for contact in (other_contact, b.contact):  # another client's, another firm's
        resp = client.post(reverse("delivery:plan_confirm", args=[delivering.pk, plan.pk]),
                           {"contact": contact.pk, "confirmed_on": TODAY.isoformat()})
        assert resp.status_code == 200 and "contact" in resp.context["confirm_form"].errors
    assert not _plans(delivering)[0].is_confirmed


def test_the_issue_of_an_unapproved_plan_is_refused_with_a_message(client, a, delivering):
    with scopes_disabled():
        plan = services.plan_save(engagement=delivering, by=a.consultant, **PLAN)
    login(client, a.consultant)
    resp = client.post(reverse("delivery:plan_issue", args=[delivering.pk, plan.pk]),
                       follow=True)
    assert resp.status_code == 200
    assert any(m.level_tag == "error" for m in resp.context["messages"])
    assert not _plans(delivering)[0].is_issued


def test_a_frozen_stage_answers_409_and_keeps_the_plan(client, a, delivering):
    with scopes_disabled():
        plan = services.plan_save(engagement=delivering, by=a.consultant, **PLAN, milestones=[
            {"title": "诊断", "due_date": TODAY}])
        engagement_services.engagement_terminate(engagement=delivering, by=a.consultant,
                                                 reason="客户停产")
    login(client, a.consultant)
    assert client.get(reverse("delivery:plan", args=[delivering.pk])).status_code == 200
    assert client.post(reverse("delivery:plan", args=[delivering.pk]),
                       plan_data(division_of_work="改")).status_code == 409
    resp = _approve(client, delivering, plan, a.manager)
    assert resp.status_code == 409
    assert client.post(reverse("delivery:plan_issue",
                               args=[delivering.pk, plan.pk])).status_code == 409
    [plan] = _plans(delivering)
    assert plan.division_of_work == PLAN["division_of_work"] and not plan.is_approved
    assert client.get(reverse("delivery:plan_version",
                              args=[delivering.pk, plan.pk])).status_code == 200


# -- isolation ----------------------------------------------------------------------------


def _plan_urls(e, plan):
    return {
        "plan": (reverse("delivery:plan", args=[e.pk]), True, True),
        "approve": (reverse("delivery:plan_approve", args=[e.pk, plan.pk]), False, True),
        "issue": (reverse("delivery:plan_issue", args=[e.pk, plan.pk]), False, True),
        "confirm": (reverse("delivery:plan_confirm", args=[e.pk, plan.pk]), False, True),
        "version": (reverse("delivery:plan_version", args=[e.pk, plan.pk]), True, False),
    }


def _all_404(client, urls):
    for name, (url, get, post) in urls.items():
        if get:
            assert client.get(url).status_code == 404, name
        if post:
            assert client.post(url, plan_data()).status_code == 404, name


def test_firm_b_plans_are_404_to_firm_a(client, a, b):
    e = _engagement(b)
    with scopes_disabled():
        plan = services.plan_save(engagement=e, by=b.consultant, **PLAN)
    for who in (a.consultant, a.manager):
        login(client, who)
        _all_404(client, _plan_urls(e, plan))
    # firm b's plan under firm a's own engagement is a 404 too
    mine = _engagement(a)
    login(client, a.consultant)
    urls = _plan_urls(mine, plan)
    del urls["plan"]
    _all_404(client, urls)
    assert _plans(e)[0].division_of_work == PLAN["division_of_work"]
    login(client, b.consultant)
    assert client.get(_plan_urls(e, plan)["plan"][0]).status_code == 200


def test_a_consultant_not_on_the_engagement_gets_404(client, a, delivering):
    with scopes_disabled():
        plan = services.plan_save(engagement=delivering, by=a.consultant, **PLAN)
        stranger = f.ConsultantFactory(firm=a.firm)
    login(client, stranger)
    _all_404(client, _plan_urls(delivering, plan))
    login(client, a.manager)  # a manager sees every engagement of the firm
    assert client.get(reverse("delivery:plan", args=[delivering.pk])).status_code == 200


# -- queries --------------------------------------------------------------------------------


def _with_versions(a, n):
    e = _engagement(a)
    with scopes_disabled():
        for i in range(n):
            plan = services.plan_save(
                engagement=e, by=a.consultant, **PLAN,
                change_reason=f"第 {i + 1} 次调整" if i else "",
                milestones=[{"title": f"里程碑 {j}", "due_date": TODAY} for j in range(3)])
            if i < n - 1:
                approve(plan, a.consultant)
    return e


def _queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_the_plan_page_makes_as_many_queries_for_50_versions_as_for_5(client, a):
    login(client, a.consultant)
    few, many = _with_versions(a, 5), _with_versions(a, 50)
    client.get(reverse("delivery:plan", args=[few.pk]))  # warm the caches
    assert (_queries(client, reverse("delivery:plan", args=[few.pk]))
            == _queries(client, reverse("delivery:plan", args=[many.pk])))
    assert len(_plans(many)) == 50
