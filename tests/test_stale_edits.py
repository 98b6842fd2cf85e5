"""Two people edit the same record: both open the form, the first saves, the second's save
of the form they opened is refused (the first change survives, the second's input is
shown again with the message); the other firm sees 404."""

import datetime
from decimal import Decimal

import pytest
from django.db.models.fields.files import FieldFile
from django.forms.formsets import BaseFormSet
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from consultancy.tenancy.versioning import VERSION_FIELD, StaleEdit
from contracts import services as contract_services
from delivery import services as delivery_services
from delivery.models import (
    GuidanceLog,
    ProgressReport,
    ResourceResearch,
    RiskItem,
    SiteResearch,
    SiteUnit,
)
from engagements.services import record_save
from engagements.stages import Stage
from feedback.models import FeedbackSettings
from tests import factories as f
from tests.conftest import login
from tests.delivery.helpers import PLAN, risk_item
from tests.engagements.helpers import advance_to
from tests.scoping import scopes_disabled
from tests.versions import seen_versions

pytestmark = pytest.mark.django_db


def _value(bf):
    value = bf.value()
    if isinstance(value, FieldFile) or bf.field.disabled:
        return None
    if isinstance(value, bool):
        return "on" if value else None
    if isinstance(value, list | tuple):
        return [str(v) for v in value]
    if value is None:
        return ""
    if isinstance(value, datetime.date | Decimal):
        return str(value)
    return value


def _data_of(form):
    data = {}
    for bf in form:
        value = _value(bf)
        if value is not None:
            data[bf.html_name] = value
    return data


def page_data(resp, form_key):
    """What the browser posts back from the page: the form's values, and those of the
    page's formsets."""
    data = _data_of(resp.context[form_key])
    for key in resp.context.keys():
        value = resp.context[key]
        if isinstance(value, BaseFormSet):
            data.update(_data_of(value.management_form))
            for form in value.forms:
                data.update(_data_of(form))
    return data


def _today():
    return timezone.localdate()


# -- the records of each case -------------------------------------------------------------
# Each builder makes the record in firm ``w`` and returns (url, field, reader, second user).


def _second_manager(w):
    return f.ManagerFactory(firm=w.firm)


def case_client(w):
    return (reverse("clients:update", args=[w.client.pk]), "notes",
            lambda: type(w.client).objects.get(pk=w.client.pk).notes, w.manager, "form")


def case_contact(w):
    c = w.contact
    return (reverse("clients:contact_update", args=[c.pk]), "position",
            lambda: type(c).objects.get(pk=c.pk).position, w.manager, "form")


def case_staff(w):
    u = w.consultant
    return (reverse("staff:update", args=[u.pk]), "full_name",
            lambda: type(u).objects.get(pk=u.pk).full_name, w.manager, "form")


def case_qualification(w):
    q = w.qualification
    return (reverse("staff:qualification_update", args=[q.holder_id, q.pk]), "name",
            lambda: type(q).objects.get(pk=q.pk).name, w.manager, "form")


def case_engagement(w):
    e = f.EngagementFactory(client=w.client, lead_consultant=w.consultant)
    return (reverse("engagements:update", args=[e.pk]), "description",
            lambda: type(e).objects.get(pk=e.pk).description, w.manager, "form")


def case_needs(w):
    e = f.EngagementFactory(client=w.client, lead_consultant=w.consultant)
    n = f.NeedsAssessmentFactory(engagement=e)
    return (reverse("engagements:needs_assessment", args=[e.pk]), "measures",
            lambda: type(n).objects.get(pk=n.pk).measures, w.manager, "form")


def _communication(w):
    return advance_to(f.EngagementFactory(client=w.client, lead_consultant=w.consultant,
                                          origin="proactive"), Stage.COMMUNICATION)


def _record_case(factory, kind, field):
    def case(w):
        e = _communication(w)
        r = factory(engagement=e)
        return (reverse(f"engagements:{kind}_update", args=[e.pk, r.pk]), field,
                lambda: type(r).objects.get(pk=r.pk).__dict__[field], w.manager, "form")
    return case


def case_framework(w):
    e = _communication(w)
    fw = f.ProjectFrameworkFactory(engagement=e)
    return (reverse("engagements:framework", args=[e.pk]), "scope",
            lambda: type(fw).objects.get(pk=fw.pk).scope, w.manager, "form")


def _delivery(w):
    return advance_to(f.EngagementFactory(client=w.client, lead_consultant=w.consultant),
                      Stage.DELIVERY)


def case_guidance(w):
    e = _delivery(w)
    r = record_save(record=GuidanceLog(engagement=e, given_on=_today(), given_by=w.consultant,
                                       topic="动火作业", advice="按标准执行"), by=w.consultant)
    return (reverse("delivery:guidancelog_update", args=[e.pk, r.pk]), "advice",
            lambda: GuidanceLog.objects.get(pk=r.pk).advice, w.manager, "form")


def case_risk(w):
    e = _delivery(w)
    unit = delivery_services.site_unit_save(record=SiteUnit(engagement=e, name="储罐区"),
                                            by=w.consultant)
    r = delivery_services.risk_save(record=risk_item(e, unit, hazard="泄漏", controls="报警"),
                                    by=w.consultant)
    return (reverse("delivery:riskitem_update", args=[e.pk, r.pk]), "controls",
            lambda: RiskItem.objects.get(pk=r.pk).controls, w.manager, "form")


def case_progress(w):
    e = _delivery(w)
    r = record_save(record=ProgressReport(engagement=e, period_start=_today(),
                                          period_end=_today(), work_done="诊断",
                                          next_steps="编制"), by=w.consultant)
    return (reverse("delivery:progressreport_update", args=[e.pk, r.pk]), "work_done",
            lambda: ProgressReport.objects.get(pk=r.pk).work_done, w.manager, "form")


def case_site_research(w):
    e = _delivery(w)
    r = delivery_services.site_research_save(
        record=SiteResearch(engagement=e, researched_on=_today(), location="罐区",
                            collected="台账"), by=w.consultant, researchers=[w.consultant])
    return (reverse("delivery:siteresearch_update", args=[e.pk, r.pk]), "collected",
            lambda: SiteResearch.objects.get(pk=r.pk).collected, w.manager, "form")


def case_resource_research(w):
    e = _delivery(w)
    r = record_save(record=ResourceResearch(engagement=e, researched_on=_today(),
                                            resources_needed="仪器", findings="齐备"),
                    by=w.consultant)
    return (reverse("delivery:resourceresearch_update", args=[e.pk, r.pk]), "findings",
            lambda: ResourceResearch.objects.get(pk=r.pk).findings, w.manager, "form")


def case_plan(w):
    e = _delivery(w)
    delivery_services.plan_save(engagement=e, by=w.consultant, **PLAN, milestones=[
        {"title": "诊断报告", "due_date": _today() + datetime.timedelta(days=20)}])
    return (reverse("delivery:plan", args=[e.pk]), "schedule",
            lambda: delivery_services.current_plan(e).schedule, w.manager, "form")


def case_contract(w):
    e = advance_to(f.EngagementFactory(client=w.client, lead_consultant=w.consultant),
                   Stage.CONTRACTING)
    c = contract_services.contract_draft(engagement=e, by=w.consultant)
    return (reverse("contracts:edit", args=[e.pk, c.pk]), "clause_breach",
            lambda: type(c).objects.get(pk=c.pk).clause_breach, w.manager, "form")


def case_contract_template(w):
    t = contract_services.contract_template_for(w.firm)
    return (reverse("contracts:template"), "clause_breach",
            lambda: type(t).objects.get(pk=t.pk).clause_breach, w.manager, "form", True)


def case_feedback_settings(w):
    s = FeedbackSettings.objects.get_or_create(firm=w.firm)[0]
    return (reverse("dashboard:settings"), "survey_link_valid_days",
            lambda: FeedbackSettings.objects.get(pk=s.pk).survey_link_valid_days, w.manager,
            "form", True)


def _following_up(w):
    from tests.feedback.helpers import handed_over, to_follow_up

    return to_follow_up(handed_over(w), w)


def case_follow_up_guidance(w):
    from feedback import services as feedback_services
    from feedback.models import FollowUpGuidance

    e = _following_up(w)
    r = feedback_services.follow_up_guidance_save(
        engagement=e, by=w.consultant, given_on=_today(), given_by=w.consultant,
        topic="隐患排查台账", advice="按月更新")
    return (reverse("feedback:guidance_edit", args=[e.pk, r.pk]), "advice",
            lambda: FollowUpGuidance.objects.get(pk=r.pk).advice, w.manager, "form")


def case_follow_up_visit(w):
    from feedback import services as feedback_services
    from feedback.models import FollowUpVisit

    e = _following_up(w)
    r = feedback_services.follow_up_visit_save(
        engagement=e, by=w.consultant, visited_on=_today(), visitors=[w.consultant],
        discussed="制度执行情况", plan_needs_adjusting=False)
    return (reverse("feedback:visit_edit", args=[e.pk, r.pk]), "discussed",
            lambda: FollowUpVisit.objects.get(pk=r.pk).discussed, w.manager, "form")


CASES = {
    "client": case_client,
    "contact": case_contact,
    "staff": case_staff,
    "qualification": case_qualification,
    "engagement": case_engagement,
    "needs_assessment": case_needs,
    "site_visit": _record_case(f.SiteVisitFactory, "sitevisit", "findings"),
    "communication": _record_case(f.CommunicationRecordFactory, "communicationrecord",
                                  "basic_situation"),
    "exchange": _record_case(f.ExchangeRecordFactory, "exchangerecord", "main_content"),
    "framework": case_framework,
    "guidance": case_guidance,
    "risk": case_risk,
    "progress": case_progress,
    "site_research": case_site_research,
    "resource_research": case_resource_research,
    "plan": case_plan,
    "contract": case_contract,
    "contract_template": case_contract_template,
    "feedback_settings": case_feedback_settings,
    "follow_up_guidance": case_follow_up_guidance,
    "follow_up_visit": case_follow_up_visit,
}

NUMERIC = {"survey_link_valid_days": ("11", "12")}


@pytest.mark.parametrize("name", list(CASES))
def test_the_second_save_of_a_stale_form_is_refused(a, b, name):
    with scopes_disabled():
        url, field, read, _user, form_key, *managers_only = CASES[name](a)
        first_user = a.manager
        second_user = _second_manager(a)
    first, second = login(Client(), first_user), login(Client(), second_user)
    page1, page2 = first.get(url), second.get(url)
    assert page1.status_code == page2.status_code == 200
    data1, data2 = page_data(page1, form_key), page_data(page2, form_key)
    assert data1.get(VERSION_FIELD), "the form carries the version it was opened on"
    mine, theirs = NUMERIC.get(field, ("第一位的修改", "第二位的修改"))
    data1[field], data2[field] = mine, theirs

    assert first.post(url, data1).status_code in (302, 200)
    with scopes_disabled():
        assert str(read()) == mine, "the first save went through"

    resp = second.post(url, data2)
    assert resp.status_code in (200, 400)
    form = resp.context[form_key]
    assert any(e.code == StaleEdit.code for e in form.non_field_errors().as_data())
    assert first_user.full_name in str(form.non_field_errors())
    assert theirs in resp.content.decode(), "the second user's input is kept"
    with scopes_disabled():
        assert str(read()) == mine, "nothing of the stale form was saved"

    # The other firm never reaches the record.
    if not managers_only:
        assert login(Client(), b.manager).get(url).status_code == 404


def test_a_form_opened_on_the_current_version_saves(a):
    with scopes_disabled():
        url, field, read, *_rest = case_risk(a)
    c = login(Client(), a.manager)
    data = page_data(c.get(url), "form")
    data[field] = "新的控制措施"
    assert c.post(url, data).status_code == 302
    with scopes_disabled():
        assert read() == "新的控制措施"


def test_two_saves_at_once_cannot_both_pass(a):
    """The check under the lock: a form that passed clean() is still refused when the
    record moves before its transaction."""
    from consultancy.clients.forms import ClientForm

    with scopes_disabled():
        client = type(a.client).objects.get(pk=a.client.pk)
        opened = ClientForm(instance=client, firm=a.firm)
        data = _data_of(opened)
        data["notes"] = "second"
        form = ClientForm(data, instance=client, firm=a.firm)
        assert form.is_valid()
        type(a.client).objects.filter(pk=client.pk).update(notes="first")
        with pytest.raises(StaleEdit), form.version_guard():
            pass


@pytest.mark.parametrize("name", list(CASES))
def test_an_edit_posted_without_its_version_is_refused(a, name):
    """The version the user saw is required: a POST that leaves it out (or empties it) is
    refused like a stale one, nothing is saved and the input stays in the form."""
    with scopes_disabled():
        url, field, read, _user, form_key, *_rest = CASES[name](a)
        before = str(read())
    c = login(Client(), a.manager)
    data = page_data(c.get(url), form_key)
    assert data.pop(VERSION_FIELD, None)
    mine = NUMERIC.get(field, ("没有版本的修改",))[0]
    data[field] = mine
    for posted in (data, {**data, VERSION_FIELD: ""}):
        resp = c.post(url, posted)
        assert resp.status_code in (200, 400)
        form = resp.context[form_key]
        assert any(e.code == StaleEdit.code for e in form.non_field_errors().as_data())
        assert mine in resp.content.decode(), "the input is kept"
        with scopes_disabled():
            assert str(read()) == before, "nothing was saved"


@pytest.mark.parametrize("name", list(CASES))
def test_every_edit_page_renders_the_version_its_form_carries(a, name):
    """A browser posts what the page renders, not the form in the view's context: the
    hidden version input is in the page's HTML, with the version the form was opened on
    (a layout or a template that lists the visible fields one by one must not drop it)."""
    with scopes_disabled():
        url, _field, _read, _user, form_key, *_rest = CASES[name](a)
    resp = login(Client(), a.manager).get(url)
    form = resp.context[form_key]
    seen = form[VERSION_FIELD].value()
    assert seen
    assert seen_versions(resp).get(form.add_prefix(VERSION_FIELD)) == seen
