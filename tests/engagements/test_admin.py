"""The admin of clauses 4–6: firm-scoped, services-backed, frozen records read-only."""

import pytest
from django.urls import reverse
from django.utils import timezone

from engagements.models import (
    CommunicationRecord,
    Engagement,
    NeedsAssessment,
    ProjectFramework,
    SiteVisit,
    StageTransition,
)
from engagements.stages import Stage
from tests import factories as f
from tests.conftest import login
from tests.engagements.helpers import advance_to
from tests.scoping import scopes_disabled

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _unscoped():
    # Set-up and checks run unscoped; each request enters its user's firm scope itself.
    with scopes_disabled():
        yield


def admin_url(obj_or_model, action="change", *args):
    opts = obj_or_model._meta
    if action in ("change", "delete", "history"):
        args = (obj_or_model.pk, *args)
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_{action}", args=args)


def objects_of(w):
    """One of each engagements model in world ``w``."""
    e = f.EngagementFactory(client=w.client, lead_consultant=w.consultant)
    transition = StageTransition.objects.create(
        firm=w.firm, engagement=e, transition="confirm_needs",
        from_stage=Stage.NEEDS_ANALYSIS, to_stage=Stage.COMMUNICATION, by=w.manager,
    )
    return {
        "engagement": e,
        "stagetransition": transition,
        "needsassessment": f.NeedsAssessmentFactory(engagement=e),
        "sitevisit": f.SiteVisitFactory(engagement=e),
        "communicationrecord": f.CommunicationRecordFactory(engagement=e),
        "exchangerecord": f.ExchangeRecordFactory(engagement=e),
        "projectframework": f.ProjectFrameworkFactory(engagement=e),
    }


MODELS = [
    "engagement", "stagetransition", "needsassessment", "sitevisit", "communicationrecord",
    "exchangerecord", "projectframework",
]


def change_form_data(resp):
    """The POST data of a rendered admin change form, as the browser would send it."""
    data = {}
    form = resp.context["adminform"].form
    for name in form.fields:
        value = form[name].value()
        data[name] = "" if value is None else value
    for inline in resp.context["inline_admin_formsets"]:
        mgmt = inline.formset.management_form
        for name in mgmt.fields:
            data[f"{inline.formset.prefix}-{name}"] = mgmt[name].value()
    return data


# -- 1. firm scoping ---------------------------------------------------------------


@pytest.mark.parametrize("name", MODELS)
def test_firm_b_objects_are_404_and_own_pages_open(client, a, b, name):
    objs_a, objs_b = objects_of(a), objects_of(b)
    login(client, a.manager)
    for action in ("change", "delete", "history"):
        resp = client.get(admin_url(objs_b[name], action))
        assert resp.status_code == 404, (action, resp.status_code)
    # A POST is no way round it either.
    assert client.post(admin_url(objs_b[name], "delete"), {"post": "yes"}).status_code == 404
    assert client.get(admin_url(objs_a[name], "change")).status_code == 200
    assert client.get(admin_url(objs_a[name], "history")).status_code == 200


@pytest.mark.parametrize("name", MODELS)
def test_changelists_show_own_firm_only(client, a, b, name):
    objs_a, objs_b = objects_of(a), objects_of(b)
    login(client, a.manager)
    resp = client.get(admin_url(objs_a[name], "changelist"))
    assert resp.status_code == 200
    shown = set(resp.context["cl"].result_list)
    assert objs_a[name] in shown and objs_b[name] not in shown
    assert {obj.firm_id for obj in shown} == {a.firm.pk}


def test_history_version_of_firm_b_record_is_404(client, a, b):
    record = objects_of(b)["communicationrecord"]
    version = record.history.latest()
    login(client, a.manager)
    url = reverse("admin:engagements_communicationrecord_simple_history",
                  args=[record.pk, version.history_id])
    assert client.get(url).status_code == 404


def test_engagement_autocomplete_offers_own_firm_only(client, a, b):
    own, other = objects_of(a)["engagement"], objects_of(b)["engagement"]
    login(client, a.manager)
    resp = client.get(reverse("admin:autocomplete"), {
        "app_label": "engagements", "model_name": "communicationrecord",
        "field_name": "engagement", "term": "",
    })
    ids = {int(r["id"]) for r in resp.json()["results"]}
    assert own.pk in ids and other.pk not in ids


def test_lead_consultant_autocomplete_offers_own_staff_only(client, a, b):
    login(client, a.manager)
    resp = client.get(reverse("admin:autocomplete"), {
        "app_label": "engagements", "model_name": "engagement",
        "field_name": "lead_consultant", "term": "",
    })
    ids = {int(r["id"]) for r in resp.json()["results"]}
    assert ids == {a.manager.pk, a.consultant.pk}


# -- 2. frozen records ---------------------------------------------------------------


def test_needs_assessment_is_frozen_once_the_needs_analysis_is_passed(client, a, b):
    e = f.EngagementFactory(client=a.client, lead_consultant=a.consultant)
    advance_to(e, Stage.COMMUNICATION)
    assessment = NeedsAssessment.objects.get(engagement=e)
    before = assessment.measures
    login(client, a.manager)

    resp = client.get(admin_url(assessment))
    assert resp.status_code == 200
    assert resp.context["has_change_permission"] is False  # a view page
    assert resp.context["has_delete_permission"] is False

    resp = client.post(admin_url(assessment), {"measures": "改过的措施", "decision": "proceed"})
    assert resp.status_code == 403
    assessment.refresh_from_db()
    assert assessment.measures == before

    assert client.get(admin_url(assessment, "delete")).status_code == 403
    assert client.post(admin_url(assessment, "delete"), {"post": "yes"}).status_code == 403
    assert NeedsAssessment.objects.filter(pk=assessment.pk).exists()


def test_confirmed_framework_is_frozen(client, a, b):
    e = f.EngagementFactory(client=a.client, lead_consultant=a.consultant)
    framework = f.ProjectFrameworkFactory(engagement=e, confirmed_by=a.contact,
                                          confirmed_on=timezone.localdate())
    login(client, a.manager)
    resp = client.get(admin_url(framework))
    assert resp.status_code == 200 and resp.context["has_change_permission"] is False
    resp = client.post(admin_url(framework), {
        "objectives": "改", "scope": "改", "approach": "改", "timetable": "改", "budget": "1",
    })
    assert resp.status_code == 403
    framework.refresh_from_db()
    assert framework.objectives == "通过安全生产标准化二级评审"
    assert client.post(admin_url(framework, "delete"), {"post": "yes"}).status_code == 403
    assert ProjectFramework.objects.filter(pk=framework.pk).exists()


def test_bulk_delete_of_a_frozen_record_is_refused(client, a, b):
    e = f.EngagementFactory(client=a.client, lead_consultant=a.consultant)
    advance_to(e, Stage.CONTRACTING)
    record = CommunicationRecord.objects.get(engagement=e)
    login(client, a.manager)
    resp = client.post(admin_url(CommunicationRecord, "changelist"), {
        "action": "delete_selected", "_selected_action": [record.pk], "post": "yes",
    })
    assert resp.status_code == 403
    assert CommunicationRecord.objects.filter(pk=record.pk).exists()


def test_history_revert_post_is_refused(client, a, b):
    record = objects_of(a)["communicationrecord"]
    version = record.history.latest()
    login(client, a.manager)
    url = reverse("admin:engagements_communicationrecord_simple_history",
                  args=[record.pk, version.history_id])
    assert client.get(url).status_code == 200
    resp = client.post(url, {"participants": "改", "held_on": "2026-01-01"})
    assert resp.status_code == 403
    record.refresh_from_db()
    assert record.participants == "客户安全总监、咨询顾问"


def test_unfrozen_records_can_be_changed(client, a, b):
    e = f.EngagementFactory(client=a.client, lead_consultant=a.consultant)
    advance_to(e, Stage.COMMUNICATION)
    record = f.CommunicationRecordFactory(engagement=e)
    framework = f.ProjectFrameworkFactory(engagement=e)
    login(client, a.manager)

    resp = client.get(admin_url(record))
    assert resp.context["has_change_permission"] is True
    data = change_form_data(resp)
    data["latent_needs"] = "职业健康管理体系"
    resp = client.post(admin_url(record), data)
    assert resp.status_code == 302, resp.context and resp.context["adminform"].form.errors
    record.refresh_from_db()
    assert record.latent_needs == "职业健康管理体系"
    assert record.engagement == e and record.created_by == a.consultant  # not moved, not re-owned
    assert record.history.count() == 2

    data = change_form_data(client.get(admin_url(framework)))
    data["timetable"] = "2027 年上半年"
    assert client.post(admin_url(framework), data).status_code == 302
    framework.refresh_from_db()
    assert framework.timetable == "2027 年上半年" and framework.version == 1


def test_a_record_cannot_be_moved_to_another_engagement(client, a, b):
    record = objects_of(a)["exchangerecord"]
    other = f.EngagementFactory(client=a.client, lead_consultant=a.consultant)
    login(client, a.manager)
    data = change_form_data(client.get(admin_url(record)))
    assert "engagement" not in data
    data["engagement"] = other.pk
    assert client.post(admin_url(record), data).status_code == 302
    record.refresh_from_db()
    assert record.engagement_id != other.pk


def test_records_added_in_the_admin_get_the_firm_and_the_author(client, a, b):
    e = f.EngagementFactory(client=a.client, lead_consultant=a.consultant)
    login(client, a.manager)
    today = timezone.localdate().isoformat()  # not before the engagement's opening
    resp = client.post(admin_url(SiteVisit, "add"), {
        "engagement": e.pk, "visited_on": today, "visitors": [a.consultant.pk],
        "client_people": "", "findings": "消防通道堵塞", "need_exists": "yes", "notes": "",
    })
    assert resp.status_code == 302, resp.context["adminform"].form.errors
    visit = SiteVisit.objects.get(engagement=e)
    assert visit.firm == a.firm and visit.created_by == a.manager
    assert list(visit.visitors.all()) == [a.consultant]

    resp = client.post(admin_url(CommunicationRecord, "add"), {
        "engagement": e.pk, "held_on": today, "channel": "meeting",
        "participants": "双方", "basic_situation": "化工", "explicit_needs": "评审",
        "latent_needs": "双重预防",
    })
    assert resp.status_code == 302, resp.context["adminform"].form.errors
    record = CommunicationRecord.objects.get(engagement=e)
    assert record.firm == a.firm and record.created_by == a.manager


def test_another_firms_engagement_cannot_be_chosen_for_a_record(client, a, b):
    other = objects_of(b)["engagement"]
    login(client, a.manager)
    resp = client.post(admin_url(CommunicationRecord, "add"), {
        "engagement": other.pk, "held_on": "2026-03-03", "channel": "meeting",
        "participants": "双方", "basic_situation": "化工", "explicit_needs": "评审",
        "latent_needs": "双重预防",
    })
    assert resp.status_code == 200
    assert "engagement" in resp.context["adminform"].form.errors
    assert CommunicationRecord.objects.filter(engagement=other).count() == 1


def test_a_framework_added_after_a_confirmed_one_is_the_next_version(client, a, b):
    e = f.EngagementFactory(client=a.client, lead_consultant=a.consultant)
    f.ProjectFrameworkFactory(engagement=e, confirmed_by=a.contact,
                              confirmed_on=timezone.localdate())
    data = {"engagement": e.pk, "objectives": "新目标", "scope": "全厂", "approach": "驻场",
            "timetable": "三个月", "budget": "90000"}
    login(client, a.manager)
    resp = client.post(admin_url(ProjectFramework, "add"), data)
    assert resp.status_code == 302, resp.context["adminform"].form.errors
    v2 = ProjectFramework.objects.get(engagement=e, version=2)
    assert v2.firm == a.firm and v2.created_by == a.manager and not v2.is_confirmed
    # v2 is an unconfirmed draft: a third version is refused; the draft is edited instead.
    resp = client.post(admin_url(ProjectFramework, "add"), data)
    assert resp.status_code == 200 and resp.context["adminform"].form.non_field_errors()
    assert ProjectFramework.objects.filter(engagement=e).count() == 2


def test_confirmation_is_not_editable_in_the_admin(client, a, b):
    framework = objects_of(a)["projectframework"]
    login(client, a.manager)
    data = change_form_data(client.get(admin_url(framework)))
    assert "confirmed_by" not in data and "confirmed_on" not in data
    data.update(confirmed_by=a.contact.pk, confirmed_on="2026-01-01")
    assert client.post(admin_url(framework), data).status_code == 302
    framework.refresh_from_db()
    assert not framework.is_confirmed


# -- 3. the engagement: stage protected, created by the service ----------------------


def test_stage_is_not_editable_in_the_change_form(client, a, b):
    e = f.EngagementFactory(client=a.client, lead_consultant=a.consultant)
    login(client, a.manager)
    resp = client.get(admin_url(e))
    assert "stage" not in resp.context["adminform"].form.fields
    data = change_form_data(resp)
    data.update(stage=Stage.DELIVERY, title="改过的标题")
    resp = client.post(admin_url(e), data)
    assert resp.status_code == 302, resp.context and resp.context["adminform"].form.errors
    e.refresh_from_db()
    assert e.stage == Stage.NEEDS_ANALYSIS and e.title == "改过的标题"
    assert not StageTransition.objects.filter(engagement=e).exists()


def test_adding_an_engagement_allocates_its_number_in_the_managers_firm(client, a, b):
    login(client, a.manager)
    resp = client.post(admin_url(Engagement, "add"), {
        "title": "后台新项目", "client": a.client.pk, "service_type": "ledgers",
        "origin": "request", "lead_consultant": a.consultant.pk,
        "consultants": [a.consultant.pk, a.manager.pk], "description": "",
        "stage": Stage.CLOSED,
    })
    assert resp.status_code == 302, resp.context["adminform"].form.errors
    e = Engagement.objects.get(title="后台新项目")
    assert e.number == f"{timezone.localdate().year}-001"
    assert e.firm == a.firm and e.stage == Stage.NEEDS_ANALYSIS
    # The service leaves the lead out of the other consultants; the admin keeps that.
    assert list(e.consultants.all()) == [a.manager]
    assert resp["Location"] == admin_url(Engagement, "changelist")


def test_engagement_change_goes_through_the_service(client, a, b):
    e = f.EngagementFactory(client=a.client, lead_consultant=a.consultant)
    login(client, a.manager)
    data = change_form_data(client.get(admin_url(e)))
    data["consultants"] = [a.consultant.pk, a.manager.pk]
    assert client.post(admin_url(e), data).status_code == 302
    assert list(e.consultants.all()) == [a.manager]


def test_client_is_read_only_after_the_needs_analysis(client, a, b):
    e = f.EngagementFactory(client=a.client, lead_consultant=a.consultant)
    advance_to(e, Stage.COMMUNICATION)
    other_client = f.ClientFactory(firm=a.firm)
    login(client, a.manager)
    resp = client.get(admin_url(e))
    assert "client" not in resp.context["adminform"].form.fields
    data = change_form_data(resp)
    data["client"] = other_client.pk
    assert client.post(admin_url(e), data).status_code == 302
    e.refresh_from_db()
    assert e.client == a.client


def test_engagement_change_page_lists_its_transitions_read_only(client, a, b):
    e = f.EngagementFactory(client=a.client, lead_consultant=a.consultant)
    advance_to(e, Stage.COMMUNICATION)
    login(client, a.manager)
    resp = client.get(admin_url(e))
    (inline,) = resp.context["inline_admin_formsets"]
    assert inline.formset.model is StageTransition
    assert [t.to_stage for t in inline.formset.queryset] == [Stage.COMMUNICATION]
    assert not inline.has_add_permission and not inline.has_change_permission
    assert not inline.has_delete_permission


# -- 4. choices ----------------------------------------------------------------------


def test_engagement_add_form_offers_own_firm_choices_only(client, a, b):
    login(client, a.manager)
    form = client.get(admin_url(Engagement, "add")).context["adminform"].form
    assert set(form.fields["client"].queryset) == {a.client}
    for name in ("lead_consultant", "consultants"):
        assert set(form.fields[name].queryset) == {a.manager, a.consultant}, name
        assert a.contact.user not in set(form.fields[name].queryset)
        assert b.consultant not in set(form.fields[name].queryset)


def test_record_add_forms_offer_own_firm_choices_only(client, a, b):
    own, other = objects_of(a)["engagement"], objects_of(b)["engagement"]
    login(client, a.manager)
    form = client.get(admin_url(SiteVisit, "add")).context["adminform"].form
    engagements = set(form.fields["engagement"].queryset)
    assert own in engagements and other not in engagements
    assert set(form.fields["visitors"].queryset) == {a.manager, a.consultant, own.lead_consultant}
    form = client.get(admin_url(NeedsAssessment, "add")).context["adminform"].form
    assert b.consultant not in set(form.fields["assessor"].queryset)
    assert a.contact.user not in set(form.fields["assessor"].queryset)


# -- 5. the audit trail ----------------------------------------------------------------


def test_stage_transitions_are_view_only(client, a, b):
    row = objects_of(a)["stagetransition"]
    login(client, a.manager)
    assert client.get(admin_url(StageTransition, "add")).status_code == 403
    resp = client.get(admin_url(row))
    assert resp.status_code == 200
    assert resp.context["has_change_permission"] is False
    assert resp.context["has_delete_permission"] is False
    assert client.post(admin_url(row), {"note": "改"}).status_code == 403
    assert client.post(admin_url(row, "delete"), {"post": "yes"}).status_code == 403
    row.refresh_from_db()
    assert row.note == ""


# -- 6. who gets in ------------------------------------------------------------------


def test_consultant_cannot_enter_the_engagements_admin(client, a, b):
    e = objects_of(a)["engagement"]
    login(client, a.consultant)
    for url in (reverse("admin:index"), admin_url(Engagement, "changelist"), admin_url(e)):
        resp = client.get(url)
        assert resp.status_code == 302 and "login" in resp["Location"]


def test_client_contact_cannot_enter_the_engagements_admin(client, a, b):
    login(client, a.contact.user)
    resp = client.get(admin_url(Engagement, "changelist"))
    assert resp.status_code in (302, 404)


@pytest.mark.parametrize("name", [m for m in MODELS if m != "stagetransition"])
def test_add_pages_open(client, a, name):
    from django.apps import apps

    login(client, a.manager)
    resp = client.get(admin_url(apps.get_model("engagements", name), "add"))
    assert resp.status_code == 200
