"""One way to refuse: every domain refusal is a ``consultancy.refusals.Refusal`` with a
code, a message in the user's language and a kind, and a page answers each kind the same
way (409 page, form error, message and redirect), never with a 500."""

import pytest
from django.contrib.messages import constants, get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import include, path, reverse
from django.utils import timezone
from django_fsm import TransitionNotAllowed

from consultancy.documents.models import GeneratedDocument
from consultancy.documents.registry import UnknownDocumentKind
from consultancy.refusals import GONE, INVALID, Kind, Refusal
from consultancy.tenancy.scoping import CrossFirmReference
from contracts import services as contract_services
from engagements import services as engagement_services
from engagements.models import Engagement, FrozenRecord, NeedsAssessment
from engagements.stages import Stage
from feedback.errors import (
    ComplaintStepRefused,
    FollowUpRefused,
    SurveyLinkError,
    SurveyLinkExpired,
    SurveyLinkInvalid,
    SurveyLinkUsed,
)
from tests import factories as f
from tests.conftest import login, zh
from tests.engagements.helpers import advance_to, meet_contracting
from tests.scoping import scopes_disabled
from tests.uploads import pdf_bytes
from tests.versions import seen_versions, with_versions

REFUSALS = [
    FrozenRecord, engagement_services.TransitionRefused, engagement_services.GateClosed,
    engagement_services.StageConflict, contract_services.ContractRefused,
    ComplaintStepRefused, SurveyLinkError, SurveyLinkInvalid, SurveyLinkExpired,
    SurveyLinkUsed, FollowUpRefused, CrossFirmReference, UnknownDocumentKind,
]


def _make(cls):
    if cls is engagement_services.GateClosed:
        return cls([])
    return cls("原因")


@pytest.mark.parametrize("cls", REFUSALS, ids=lambda c: c.__name__)
def test_every_refusal_derives_from_the_base_with_a_code_a_message_and_a_kind(cls):
    exc = _make(cls)
    assert isinstance(exc, Refusal)
    assert isinstance(exc.code, str) and exc.code
    assert exc.kind in set(Kind)
    assert str(exc) and str(exc) == str(exc.message)


def _subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def test_no_exception_of_the_project_is_outside_the_base():
    import consultancy.urls  # noqa: F401  (loads every app's views, services and models)

    apps = ("consultancy", "engagements", "contracts", "delivery", "feedback", "portal",
            "dashboard")
    # a model's own DoesNotExist and MultipleObjectsReturned are Django's, not ours
    ours = {cls for cls in _subclasses(Exception) if cls.__module__.split(".")[0] in apps
            and "." not in cls.__qualname__}
    assert set(REFUSALS) <= ours
    assert {cls for cls in ours if not issubclass(cls, Refusal)} == set()


def test_refusals_stay_what_callers_catch_them_as():
    assert issubclass(CrossFirmReference, ValueError)
    assert issubclass(UnknownDocumentKind, LookupError)
    assert issubclass(ComplaintStepRefused, TransitionNotAllowed)
    assert issubclass(engagement_services.StageConflict, engagement_services.TransitionRefused)
    refused = ComplaintStepRefused("不行", object="x", method="y")
    assert refused.object == "x" and str(refused) == "不行"
    with pytest.raises(FrozenRecord):
        raise FrozenRecord()


def test_a_refusal_without_a_message_has_its_default_one_in_the_users_language():
    from django.utils.translation import override

    with override("zh-hans"):
        chinese = str(FrozenRecord())
    with override("en"):
        english = str(FrozenRecord())
    assert english.startswith("This record is frozen") and chinese != english
    exc = Refusal(code="custom", kind=INVALID)
    assert exc.code == "custom" and exc.kind == INVALID


# -- the middleware: a refusal no view caught -------------------------------------------


def _conflict(request):
    raise FrozenRecord()


def _gone(request):
    raise Refusal("已经不适用了", code="test.gone", kind=GONE)


urlpatterns = [
    path("refusal-test/conflict/", _conflict),
    path("refusal-test/gone/", _gone),
    path("", include("consultancy.urls")),
]


@pytest.mark.urls("tests.test_refusals")
def test_an_uncaught_refusal_is_a_409_page_in_the_users_language_not_a_500(client, a):
    login(client, a.consultant)
    response = client.get("/refusal-test/conflict/")
    assert response.status_code == 409
    assert zh("This record is frozen: it can be read but no longer changed.") in response.text
    assert response.context["code"] == "frozen"


@pytest.mark.urls("tests.test_refusals")
def test_an_uncaught_gone_refusal_goes_back_with_a_message(client, a):
    login(client, a.consultant)
    back = "/engagements/"
    response = client.get("/refusal-test/gone/", headers={"referer": back})
    assert response.status_code == 302 and response.url == back
    assert [(m.level, m.message) for m in get_messages(response.wsgi_request)] == [
        (constants.ERROR, "已经不适用了")]
    # from elsewhere (no referer of ours): the 409 page
    response = client.get("/refusal-test/gone/", headers={"referer": "https://evil.test/"})
    assert response.status_code == 409 and "已经不适用了" in response.text


# -- one view per kind ---------------------------------------------------------------------


@pytest.fixture
def engagements(a, b):
    with scopes_disabled():
        return (f.EngagementFactory(client=a.client, lead_consultant=a.consultant),
                f.EngagementFactory(client=b.client, lead_consultant=b.consultant))


def _update_data(e, title):
    return {"client": e.client_id, "title": title, "service_type": e.service_type.code,
            "origin": e.origin, "lead_consultant": e.lead_consultant_id, "description": ""}


def test_conflict_an_edit_racing_a_stage_transition_is_a_409_and_nothing_is_saved(
        client, a, b, engagements, monkeypatch):
    ea, eb = engagements
    real = engagement_services.engagement_update

    def racing(*, engagement, **kwargs):
        # someone else moves the engagement between the page's read and its save
        Engagement.objects.filter(pk=engagement.pk).update(stage=Stage.COMMUNICATION)
        return real(engagement=engagement, **kwargs)

    monkeypatch.setattr(engagement_services, "engagement_update", racing)
    login(client, a.consultant)
    url = reverse("engagements:update", args=[ea.pk])
    response = client.post(url, with_versions(client, url, _update_data(ea, "改过的标题")))
    assert response.status_code == 409
    assert zh("Someone else has just moved this engagement. Reload the page to see it.") \
        in response.text
    with scopes_disabled():
        assert Engagement.objects.get(pk=ea.pk).title != "改过的标题"
    # firm b's engagement is a 404 for a's consultant
    assert client.post(reverse("engagements:update", args=[eb.pk]),
                       _update_data(eb, "x")).status_code == 404


def test_conflict_a_record_frozen_while_its_form_was_open_is_a_409(client, a, b, engagements,
                                                                    monkeypatch):
    ea, eb = engagements
    with scopes_disabled():
        f.NeedsAssessmentFactory(engagement=ea)
    real = engagement_services.needs_assessment_save

    def racing(*, engagement, **kwargs):
        Engagement.objects.filter(pk=engagement.pk).update(stage=Stage.COMMUNICATION)
        return real(engagement=engagement, **kwargs)

    monkeypatch.setattr(engagement_services, "needs_assessment_save", racing)
    login(client, a.consultant)
    url = reverse("engagements:needs_assessment", args=[ea.pk])
    page = client.get(url)
    data = {k: v for k, v in page.context["form"].initial.items() if v is not None}
    data["scope_finding"] = "改掉"
    data.update(seen_versions(page))
    response = client.post(url, data)
    assert response.status_code == 409
    with scopes_disabled():
        assert NeedsAssessment.objects.get(engagement=ea).scope_finding != "改掉"
    assert client.get(reverse("engagements:needs_assessment", args=[eb.pk])).status_code == 404


def test_gone_a_second_draft_goes_back_to_the_contract_with_a_message(client, a, b):
    with scopes_disabled():
        ea = advance_to(f.EngagementFactory(client=a.client, lead_consultant=a.consultant),
                        Stage.CONTRACTING)
        eb = advance_to(f.EngagementFactory(client=b.client, lead_consultant=b.consultant),
                        Stage.CONTRACTING)
    login(client, a.consultant)
    url = reverse("contracts:draft", args=[ea.pk])
    assert client.post(url).status_code == 302
    response = client.post(url)
    assert response.status_code == 302
    assert response.url == reverse("contracts:contract", args=[ea.pk])
    assert [(m.level, m.message) for m in get_messages(response.wsgi_request)][-1] == (
        constants.ERROR, zh("This engagement already has a contract; amend it instead."))
    assert client.post(reverse("contracts:draft", args=[eb.pk])).status_code == 404


def _sign_data(user):
    today = timezone.localdate().isoformat()
    return {"firm_signatory": user.pk, "firm_signed_on": today, "client_signatory": "赵立新",
            "client_signed_on": today,
            "signed_copy": SimpleUploadedFile("s.pdf", pdf_bytes(b"signed copy"),
                                              content_type="application/pdf")}


def test_invalid_a_signature_before_the_issued_pdf_is_ready_is_an_error_on_the_form(
        client, a, b):
    with scopes_disabled():
        ea = advance_to(f.EngagementFactory(client=a.client, lead_consultant=a.consultant),
                        Stage.CONTRACTING)
        contract = meet_contracting(ea, sign=False, render=False)
        GeneratedDocument.objects.filter(pk=contract.issued_pdf_id).update(
            status=GeneratedDocument.Status.PENDING)
        eb = advance_to(f.EngagementFactory(client=b.client, lead_consultant=b.consultant),
                        Stage.CONTRACTING)
        contract_b = meet_contracting(eb, sign=False, render=False)
    login(client, a.consultant)
    url = reverse("contracts:sign", args=[ea.pk, contract.pk])
    response = client.post(url, with_versions(client, url, _sign_data(a.consultant)))
    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [
        zh("The issued PDF is still being made; sign once it is ready.")]
    with scopes_disabled():
        contract.refresh_from_db()
    assert contract.status == contract.Status.ISSUED
    assert client.post(reverse("contracts:sign", args=[eb.pk, contract_b.pk]),
                       _sign_data(a.consultant)).status_code == 404


# -- a non-numeric id posted in a form is a 404, not a 500 ---------------------------------


def test_a_non_numeric_complaint_id_in_a_step_form_is_a_404(client, a, b, engagements):
    ea, eb = engagements
    login(client, a.consultant)
    for value in ("abc", "1.5", "", "٣"):
        response = client.post(reverse("feedback:complaints", args=[ea.pk]),
                               {"form": "step", "complaint": value, "step": "acknowledge"})
        assert response.status_code == 404, value
    assert client.post(reverse("feedback:complaints", args=[eb.pk]),
                       {"form": "step", "complaint": "1", "step": "acknowledge"}
                       ).status_code == 404


def test_a_non_numeric_question_id_in_the_move_form_is_a_404(client, a, b):
    login(client, a.manager)
    url = reverse("feedback:question_set")
    for value in ("abc", "", "1e3"):
        assert client.post(url, {"form": "move", "question": value,
                                 "direction": "up"}).status_code == 404, value
