"""Each client act writes exactly one record, with the contact, the time and the
exact version; only while the thing awaits the client; refused with a message after."""

import pytest
from django.contrib.messages import constants
from django.urls import reverse
from django.utils import timezone

from delivery.models import ConsultingPlan, DocumentDelivery
from engagements.models import ProjectFramework
from feedback.models import (
    ClientAcceptance,
    Complaint,
    ComplaintStep,
    SurveyInvitation,
    SurveyResponse,
)
from tests import factories as f
from tests.conftest import login, zh
from tests.portal.conftest import act_urls, snapshot
from tests.portal.helpers import issue_plan
from tests.scoping import scopes_disabled

pytestmark = pytest.mark.django_db


def _levels(response):
    return [m.level for m in response.context["messages"]]


def _post(client, url, data=None):
    return client.post(url, data or {}, follow=True)


def test_plan_confirm_records_this_version_once(client, a, world):
    login(client, a.contact.user)
    url = reverse("portal:plan_confirm", args=[world.e_delivery.pk, world.plan.pk])
    before = snapshot()
    r = _post(client, url)
    assert constants.SUCCESS in _levels(r)
    with scopes_disabled():
        plan = ConsultingPlan.objects.get(pk=world.plan.pk)
        assert plan.confirmed_by == a.contact
        assert plan.confirmation_recorded_by == a.contact.user
        assert plan.confirmed_on == timezone.localdate()
        history = plan.history.count()
    assert snapshot() == {**before, "plans_confirmed": before["plans_confirmed"] + 1}
    r = _post(client, url)  # no longer awaits the client
    assert constants.ERROR in _levels(r)
    refusal = zh("Version %(v)s of the plan no longer awaits your confirmation: %(why)s",
                 v=world.plan.version, why="")
    assert refusal.strip() in r.content.decode()
    assert snapshot() == {**before, "plans_confirmed": before["plans_confirmed"] + 1}
    with scopes_disabled():
        assert ConsultingPlan.objects.get(pk=world.plan.pk).history.count() == history


def test_a_replaced_plan_version_is_refused_and_the_new_one_confirmed(client, a, world):
    v2 = issue_plan(world.e_delivery, schedule="四个阶段")
    assert v2.version == 2
    login(client, a.contact.user)
    before = snapshot()
    r = _post(client, reverse("portal:plan_confirm", args=[world.e_delivery.pk, world.plan.pk]))
    assert constants.ERROR in _levels(r)
    assert snapshot() == before
    page = client.get(reverse("portal:engagement", args=[world.e_delivery.pk])).content.decode()
    assert f'action="{reverse("portal:plan_confirm", args=[world.e_delivery.pk, v2.pk])}"' in page
    assert reverse("portal:plan_confirm", args=[world.e_delivery.pk, world.plan.pk]) not in page
    r = _post(client, reverse("portal:plan_confirm", args=[world.e_delivery.pk, v2.pk]))
    assert constants.SUCCESS in _levels(r)
    with scopes_disabled():
        assert ConsultingPlan.objects.get(pk=v2.pk).confirmed_by == a.contact
        assert not ConsultingPlan.objects.get(pk=world.plan.pk).is_confirmed


def test_acknowledge_one_delivery_once(client, a, world):
    login(client, a.contact.user)
    first, second = world.deliveries
    url = reverse("portal:delivery_acknowledge", args=[world.e_delivery.pk, first.pk])
    r = _post(client, url)
    assert constants.SUCCESS in _levels(r)
    with scopes_disabled():
        first = DocumentDelivery.objects.get(pk=first.pk)
        assert first.acknowledged_by == a.contact
        assert first.acknowledged_on == timezone.localdate()
        assert not DocumentDelivery.objects.get(pk=second.pk).is_acknowledged
    before = snapshot()
    r = _post(client, url)
    assert constants.ERROR in _levels(r)
    assert snapshot() == before


def test_framework_confirm_once(client, a, world):
    login(client, a.contact.user)
    url = reverse("portal:framework_confirm", args=[world.e_communication.pk,
                                                     world.framework.pk])
    r = _post(client, url)
    assert constants.SUCCESS in _levels(r)
    with scopes_disabled():
        fw = ProjectFramework.objects.get(pk=world.framework.pk)
        assert fw.confirmed_by == a.contact and fw.confirmation_recorded_by == a.contact.user
    before = snapshot()
    assert constants.ERROR in _levels(_post(client, url))
    assert snapshot() == before


def test_acceptance_once_and_explained(client, a, world):
    login(client, a.contact.user)
    url = reverse("portal:acceptance", args=[world.e_evaluation.pk])
    before = snapshot()
    r = _post(client, url, {"verdict": "reservations", "reasons": ""})  # reasons required
    assert constants.ERROR in _levels(r)
    assert snapshot() == before
    r = _post(client, url, {"verdict": "accepted"})
    assert constants.SUCCESS in _levels(r)
    with scopes_disabled():
        acceptance = ClientAcceptance.objects.get(engagement=world.e_evaluation)
        assert acceptance.contact == a.contact and acceptance.created_by == a.contact.user
    after = snapshot()
    assert after["acceptances"] == before["acceptances"] + 1
    assert constants.ERROR in _levels(_post(client, url, {"verdict": "accepted"}))
    assert snapshot() == after


def test_survey_answered_once_in_the_portal(client, a, world):
    login(client, a.contact.user)
    url = reverse("portal:survey", args=[world.invitation.pk])
    page = client.get(url)
    assert page.status_code == 200
    before = snapshot()
    r = client.post(url, {})  # required answers missing
    assert r.status_code == 400
    assert snapshot() == before
    with scopes_disabled():
        questions = list(SurveyInvitation.objects.get(pk=world.invitation.pk)
                         .survey.questions.all())
    data = {f"q-{q.code}": ("5" if q.range and q.range[1] == 5 else "9" if q.range else "很好")
            for q in questions}
    r = client.post(url, data, follow=True)
    assert constants.SUCCESS in _levels(r)
    with scopes_disabled():
        response = SurveyResponse.objects.get(invitation=world.invitation)
        assert response.contact == a.contact
        assert SurveyInvitation.objects.get(pk=world.invitation.pk).is_used
    after = snapshot()
    assert after["responses"] == before["responses"] + 1
    r = client.post(url, data, follow=True)
    assert constants.INFO in _levels(r)
    assert snapshot() == after


def test_file_a_complaint_about_an_engagement_and_in_general(client, a, world):
    login(client, a.contact.user)
    before = snapshot()
    r = client.post(reverse("portal:complaint_new"), {
        "engagement": world.e_delivery.pk, "description": "报告交付延误两周",
        "remedy_sought": "尽快交付", "phone_or_email": "13800000000"})
    with scopes_disabled():
        complaint = Complaint.objects.order_by("-pk").first()
        assert r.status_code == 302 and r.url == reverse("portal:complaint", args=[complaint.pk])
        assert complaint.channel == Complaint.Channel.PORTAL
        assert complaint.contact == a.contact and complaint.engagement == world.e_delivery
        assert complaint.received_by == a.contact.user
        assert ComplaintStep.objects.filter(complaint=complaint).count() == 1
    assert snapshot()["complaints"] == before["complaints"] + 1
    r = client.post(reverse("portal:complaint_new"), {"engagement": "",
                                                      "description": "发票开具错误"})
    assert r.status_code == 302
    with scopes_disabled():
        assert Complaint.objects.order_by("-pk").first().engagement is None
    page = client.get(r.url).content.decode()
    assert "发票开具错误" in page


def test_a_complaint_about_another_companys_engagement_is_refused(client, a, world,
                                                                 other_company_contact):
    with scopes_disabled():
        theirs = f.EngagementFactory(client=other_company_contact.client,
                                     lead_consultant=a.consultant)
    login(client, a.contact.user)
    before = snapshot()
    r = client.post(reverse("portal:complaint_new"), {"engagement": theirs.pk,
                                                      "description": "资料交付延误一周"})
    assert r.status_code == 400
    assert snapshot() == before


def test_an_empty_complaint_is_explained(client, a, world):
    login(client, a.contact.user)
    before = snapshot()
    r = client.post(reverse("portal:complaint_new"), {"description": ""})
    assert r.status_code == 400 and r.context["form"].errors["description"]
    assert snapshot() == before


def test_every_act_is_refused_once_the_engagement_moved_on(client, a, world):
    """After the firm moved on (framework confirmed by staff, plan confirmed by staff,
    documents acknowledged), nothing awaits the client and every act is refused."""
    from delivery import services as delivery_services
    from engagements import services as engagement_services

    today = timezone.localdate()
    with scopes_disabled():
        engagement_services.framework_confirm(framework=world.framework, contact=a.contact,
                                              confirmed_on=today, by=a.consultant)
        delivery_services.plan_confirm(plan=world.plan, contact=a.contact, confirmed_on=today,
                                       by=a.consultant)
        for d in world.deliveries:
            delivery_services.delivery_acknowledge(delivery=d, contact=a.contact,
                                                   acknowledged_on=today, by=a.consultant)
        ClientAcceptance.objects.create(firm=a.firm, engagement=world.e_evaluation,
                                        contact=a.contact, accepted_on=today,
                                        verdict="accepted", created_by=a.consultant)
    login(client, a.contact.user)
    before = snapshot()
    for url, data in act_urls(world)[:4]:
        r = _post(client, url, data)
        assert constants.ERROR in _levels(r), url
    assert snapshot() == before
