"""One-time form tokens (``consultancy.tenancy.once``): the same submission twice makes one
record; the second answer is the first one's redirect with "already saved"."""

import datetime
import time

import pytest
from django.contrib.messages import constants, get_messages
from django.core import signing
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from consultancy.clients import services as client_services
from consultancy.clients.models import Client, ClientContact
from consultancy.documents.models import GeneratedDocument
from consultancy.tenancy import once
from consultancy.tenancy.models import Qualification, SubmissionToken, User
from delivery.models import (
    ConsultingPlan,
    DocumentDelivery,
    GuidanceLog,
    ProgressReport,
    ResourceResearch,
    RiskItem,
)
from engagements.models import (
    CommunicationRecord,
    Engagement,
    ExchangeRecord,
    ProjectFramework,
    SiteVisit,
)
from feedback.models import ClientAcceptance, Complaint, SurveyResponse
from tests.conftest import login
from tests.delivery.helpers import risk_form, unit_of
from tests.portal.conftest import world  # noqa: F401  (the portal's fixture)
from tests.portal.helpers import engagement_tabs
from tests.scoping import scopes_disabled

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate().isoformat


def _survey_answers(pw):
    with scopes_disabled():
        questions = list(pw.invitation.survey.questions.all())
    return {f"q-{q.code}": ("5" if q.range and q.range[1] == 5 else "9" if q.range else "很好")
            for q in questions}


# (id, who acts, the URL, the data, what counts the records the act makes)
CASES = [
    ("client_create", "consultant", lambda w, pw: reverse("clients:create"),
     lambda w, pw: {"name": "新客户有限公司", "uscc": "91350100M000100Y43",
                    "industry": "chemical"},
     lambda: Client.objects.filter(name="新客户有限公司")),
    ("contact_create", "consultant",
     lambda w, pw: reverse("clients:contact_create", args=[w.client.pk]),
     lambda w, pw: {"name": "新联系人", "position": "安全员", "is_active": "on"},
     lambda: ClientContact.objects.filter(name="新联系人")),
    ("engagement_create", "consultant", lambda w, pw: reverse("engagements:create"),
     lambda w, pw: {"client": w.client.pk, "title": "安全台账咨询", "service_type": "ledgers",
                    "origin": "request", "lead_consultant": w.consultant.pk},
     lambda: Engagement.objects.filter(title="安全台账咨询")),
    ("communication_record", "consultant",
     lambda w, pw: reverse("engagements:communicationrecord_create",
                           args=[pw.e_communication.pk]),
     lambda w, pw: {"held_on": TODAY(), "channel": "meeting", "participants": "客户安全总监",
                    "basic_situation": "员工 300 人", "explicit_needs": "二级评审",
                    "latent_needs": "双重预防"},
     lambda: CommunicationRecord.objects.filter(participants="客户安全总监")),
    ("exchange_record", "consultant",
     lambda w, pw: reverse("engagements:exchangerecord_create", args=[pw.e_communication.pk]),
     lambda w, pw: {"held_on": TODAY(), "participants": "双方负责人", "objectives": "评审",
                    "main_content": "制度编制", "implementation_approach": "驻场",
                    "rights_and_obligations": "按期交付"},
     lambda: ExchangeRecord.objects.filter(participants="双方负责人")),
    ("risk_item", "consultant",
     lambda w, pw: reverse("delivery:riskitem_create", args=[pw.e_delivery.pk]),
     lambda w, pw: risk_form(unit_of(pw.e_delivery), activity="反应釜区", method="LEC",
                             lec_likelihood="6", exposure="6", consequence="3"),
     lambda: RiskItem.objects.filter(activity="反应釜区")),
    ("progress_report", "consultant",
     lambda w, pw: reverse("delivery:progressreport_create", args=[pw.e_delivery.pk]),
     lambda w, pw: {"period_start": (timezone.localdate() - datetime.timedelta(days=6))
                    .isoformat(), "period_end": TODAY(), "work_done": "完成制度初稿",
                    "next_steps": "客户评审"},
     lambda: ProgressReport.objects.filter(work_done="完成制度初稿")),
    ("guidance_log", "consultant",
     lambda w, pw: reverse("delivery:guidancelog_create", args=[pw.e_delivery.pk]),
     lambda w, pw: {"given_on": TODAY(), "given_by": w.consultant.pk, "topic": "台账填写",
                    "advice": "按月归档"},
     lambda: GuidanceLog.objects.filter(topic="台账填写")),
    ("complaint_receive", "manager", lambda w, pw: reverse("feedback:complaint_receive"),
     lambda w, pw: {"received_on": TODAY(), "channel": "phone", "complainant_name": "吴女士",
                    "description": "电话无人接听"},
     lambda: Complaint.objects.filter(complainant_name="吴女士")),
    ("dossier_request", "manager",
     lambda w, pw: reverse("dashboard:dossier", args=[pw.e_delivery.pk]),
     lambda w, pw: {},
     lambda: GeneratedDocument.objects.filter(kind="engagement_dossier")),
    ("staff_create", "manager", lambda w, pw: reverse("staff:create"),
     lambda w, pw: {"email": "new.staff@a.test", "full_name": "新同事", "role": "consultant"},
     lambda: User.objects.filter(email="new.staff@a.test")),
    ("qualification_create", "manager",
     lambda w, pw: reverse("staff:qualification_create", args=[w.consultant.pk]),
     lambda w, pw: {"kind": "rse", "name": "注册安全工程师", "level": "intermediate",
                    "specialty": "chemical", "number": "RSE-ONCE-1",
                    "valid_from": "2024-01-01", "valid_until": "2030-12-31"},
     lambda: Qualification.objects.filter(number="RSE-ONCE-1")),
    ("site_visit", "consultant",
     lambda w, pw: reverse("engagements:sitevisit_create", args=[pw.e_communication.pk]),
     lambda w, pw: {"visited_on": TODAY(), "visitors": [w.consultant.pk],
                    "findings": "储罐区防火堤破损，应急物资不足", "need_exists": "yes"},
     lambda: SiteVisit.objects.filter(findings="储罐区防火堤破损，应急物资不足")),
    ("resource_research", "consultant",
     lambda w, pw: reverse("delivery:resourceresearch_create", args=[pw.e_delivery.pk]),
     lambda w, pw: {"researched_on": TODAY(), "resources_needed": "可燃气体检测仪两台",
                    "findings": "客户现有检测仪已过检定期"},
     lambda: ResourceResearch.objects.filter(resources_needed="可燃气体检测仪两台")),
    # the client's acts in the portal
    ("portal_complaint", "contact", lambda w, pw: reverse("portal:complaint_new"),
     lambda w, pw: {"engagement": pw.e_delivery.pk, "description": "报告交付延误两周",
                    "remedy_sought": "尽快交付", "phone_or_email": "13800000000"},
     lambda: Complaint.objects.filter(description="报告交付延误两周")),
    ("framework_confirm", "contact",
     lambda w, pw: reverse("portal:framework_confirm",
                           args=[pw.e_communication.pk, pw.framework.pk]),
     lambda w, pw: {},
     lambda: ProjectFramework.objects.filter(confirmed_by__isnull=False)),
    ("plan_confirm", "contact",
     lambda w, pw: reverse("portal:plan_confirm", args=[pw.e_delivery.pk, pw.plan.pk]),
     lambda w, pw: {},
     lambda: ConsultingPlan.objects.filter(confirmed_by__isnull=False)),
    ("delivery_acknowledge", "contact",
     lambda w, pw: reverse("portal:delivery_acknowledge",
                           args=[pw.e_delivery.pk, pw.deliveries[0].pk]),
     lambda w, pw: {},
     lambda: DocumentDelivery.objects.filter(acknowledged_by__isnull=False)),
    ("acceptance", "contact", lambda w, pw: reverse("portal:acceptance", args=[pw.e_evaluation.pk]),
     lambda w, pw: {"verdict": "accepted"},
     lambda: ClientAcceptance.objects.all()),
    ("survey_answer", "contact", lambda w, pw: reverse("portal:survey", args=[pw.invitation.pk]),
     lambda w, pw: _survey_answers(pw),
     lambda: SurveyResponse.objects.all()),
]


def _user(w, who):
    return w.contact.user if who == "contact" else getattr(w, who)


def _count(records):
    with scopes_disabled():
        return records().count()


def _messages(response):
    return [(m.level, str(m)) for m in get_messages(response.wsgi_request)]


@pytest.mark.parametrize(("who", "url", "data", "records"), [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])
def test_the_same_submission_twice_acts_once(client, a, b, world, who, url, data,  # noqa: F811
                                             records):
    user = _user(a, who)
    login(client, user)
    url, data = url(a, world), data(a, world)
    before = _count(records)
    token = once.issue(user)
    first = client.post(url, {**data, once.FIELD: token})
    assert first.status_code == 302, getattr(first, "context", None) and [
        form.errors for form in first.context or [] if hasattr(form, "errors")]
    assert _count(records) == before + 1
    second = client.post(url, {**data, once.FIELD: token})
    assert second.status_code == 302 and second["Location"] == first["Location"]
    assert (constants.INFO, str(once.ALREADY_SAVED)) in _messages(second)
    assert _count(records) == before + 1
    # a fresh token is a new submission (refused or made again by the domain, never a 500)
    assert client.post(url, {**data, once.FIELD: once.issue(user)}).status_code < 500
    # the other firm sees nothing of it
    with scopes_disabled():
        assert not SubmissionToken.objects.filter(firm=b.firm).exists()
        assert SubmissionToken.objects.filter(firm=a.firm, user=user).count() >= 1


def test_the_forms_carry_a_token(client, a, world):  # noqa: F811
    login(client, a.consultant)
    for url in (reverse("clients:create"), reverse("engagements:create"),
                reverse("delivery:riskitem_create", args=[world.e_delivery.pk]),
                reverse("feedback:complaint_receive")):
        assert f'name="{once.FIELD}"' in client.get(url).content.decode(), url
    login(client, a.contact.user)
    page = engagement_tabs(client, world.e_delivery.pk)
    assert f'name="{once.FIELD}"' in page
    assert f'name="{once.FIELD}"' in client.get(reverse("portal:complaint_new")).content.decode()


def test_a_form_with_errors_keeps_its_token_usable(client, a):
    login(client, a.consultant)
    token = once.issue(a.consultant)
    data = {"name": "新客户有限公司", "uscc": "bad", "industry": "chemical", once.FIELD: token}
    assert client.post(reverse("clients:create"), data).status_code == 200
    data["uscc"] = "91350100M000100Y43"
    assert client.post(reverse("clients:create"), data).status_code == 302
    with scopes_disabled():
        assert Client.objects.filter(name="新客户有限公司").count() == 1


def test_a_token_of_one_user_cannot_be_replayed_by_another(client, a, b):
    login(client, a.consultant)
    token = once.issue(a.consultant)
    data = {"received_on": TODAY(), "channel": "phone", "complainant_name": "吴女士",
            "description": "电话无人接听", once.FIELD: token}
    assert client.post(reverse("feedback:complaint_receive"), data).status_code == 302
    for other in (a.manager, b.manager):
        login(client, other)
        response = client.post(reverse("feedback:complaint_receive"), data)
        assert response.status_code == 400
        assert str(once.TokenRefused.default_message) in response.content.decode()
    with scopes_disabled():
        assert Complaint.objects.filter(complainant_name="吴女士").count() == 1
        assert Complaint.objects.filter(complainant_name="吴女士").get().firm == a.firm


def test_a_forged_or_expired_token_is_refused(client, a, monkeypatch):
    login(client, a.consultant)
    data = {"received_on": TODAY(), "channel": "phone", "complainant_name": "吴女士",
            "description": "电话无人接听，咨询人员未回电"}
    forged = once.issue(a.consultant)[:-2] + "xx"
    assert client.post(reverse("feedback:complaint_receive"),
                       {**data, once.FIELD: forged}).status_code == 400
    issued = int(time.time() - once.MAX_AGE.total_seconds() - 60)
    monkeypatch.setattr(signing.TimestampSigner, "timestamp",
                        lambda self: signing.b62_encode(issued))
    token = once.issue(a.consultant)
    monkeypatch.undo()
    assert client.post(reverse("feedback:complaint_receive"),
                       {**data, once.FIELD: token}).status_code == 400
    with scopes_disabled():
        assert not Complaint.objects.filter(complainant_name="吴女士").exists()


def test_a_post_without_a_token_is_accepted(client, a):
    login(client, a.manager)
    data = {"received_on": TODAY(), "channel": "phone", "complainant_name": "吴女士",
            "description": "电话无人接听，咨询人员未回电"}
    assert client.post(reverse("feedback:complaint_receive"), data).status_code == 302
    with scopes_disabled():
        assert not SubmissionToken.objects.exists()


def test_an_htmx_replay_does_nothing_and_an_htmx_answer_brings_a_fresh_token(client, a, world):  # noqa: F811
    login(client, a.manager)
    url = reverse("dashboard:dossier", args=[world.e_delivery.pk])
    token = once.issue(a.manager)
    first = client.post(url, {once.FIELD: token}, HTTP_HX_REQUEST="true")
    assert first.status_code == 200
    fresh = first[once.HEADER]
    assert fresh and fresh != token
    assert once.verify(a.manager, fresh)
    second = client.post(url, {once.FIELD: token}, HTTP_HX_REQUEST="true")
    assert second.status_code == 204


def test_old_tokens_are_cleaned_up_on_the_next_claim(client, a):
    with scopes_disabled():
        old = SubmissionToken.objects.create(
            firm=a.firm, user=a.manager, token="old",
            created_at=timezone.now() - once.MAX_AGE - datetime.timedelta(hours=1))
    login(client, a.manager)
    client.post(reverse("feedback:complaint_receive"), {
        "received_on": TODAY(), "channel": "phone", "complainant_name": "吴女士",
        "description": "电话无人接听，咨询人员未回电", once.FIELD: once.issue(a.manager)})
    with scopes_disabled():
        assert not SubmissionToken.objects.filter(pk=old.pk).exists()
        assert SubmissionToken.objects.filter(user=a.manager).count() == 1


# -- a unique constraint met concurrently is the form's error, never a 500 ----------------


def test_a_client_with_an_existing_credit_code_is_a_form_error_that_links_it(client, a, b):
    login(client, a.consultant)
    response = client.post(reverse("clients:create"), {
        "name": "重复", "uscc": a.client.uscc, "industry": "chemical"})
    assert response.status_code == 200
    assert response.context["form"].errors["uscc"]
    assert a.client.get_absolute_url() in response.content.decode()
    # the same code in firm b is another firm's client: allowed there, not shown here
    login(client, b.consultant)
    assert client.post(reverse("clients:create"), {
        "name": "重复", "uscc": a.client.uscc, "industry": "chemical"}).status_code == 302


def test_a_concurrent_client_with_the_same_code_is_a_validation_error(a, monkeypatch):
    # the check before the save passed for both: the database's constraint answers
    monkeypatch.setattr(Client, "full_clean", lambda self, **kw: None)
    with scopes_disabled(), pytest.raises(ValidationError) as caught:
        client_services.client_create(firm=a.firm, by=a.consultant, name="同码", uscc=a.client.uscc,
                               industry="chemical")
    assert "uscc" in caught.value.error_dict
