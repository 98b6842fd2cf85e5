"""One write path: every writable admin saves through its app's service, so every rule a
service enforces holds in the admin too, and a refusal is the admin's error message.

Parametrised over ``admin.site._registry``: an admin a manager can change a row in must
be in ``WRITE_PATHS`` (a new writable admin fails here until it is), and posting its change
form as it stands goes through the service named there.
"""

import importlib
from unittest import mock

import pytest
from django import forms
from django.contrib import admin
from django.contrib.messages import get_messages
from django.test import RequestFactory
from django.urls import reverse

from consultancy.clients.models import Client, ClientContact
from consultancy.tenancy.models import Firm, Qualification, QualificationKind, User
from consultancy.workdays.models import CalendarDay
from contracts import services as contract_services
from contracts.models import Contract, ContractTemplate, DocumentSystemRequirement
from delivery.models import RiskSettings, SpecialtyFit
from engagements.models import (
    CommunicationRecord,
    Engagement,
    ExchangeRecord,
    NeedsAssessment,
    ProjectFramework,
    SiteVisit,
)
from feedback.models import (
    ClientAcceptance,
    Complaint,
    ComplaintCause,
    FeedbackSettings,
    FollowUpGuidance,
    FollowUpVisit,
    OutcomeReview,
    SurveyQuestion,
    SurveyQuestionSet,
)
from tests.conftest import login, zh
from tests.scoping import scopes_disabled

# model → the service its admin's change form saves through (the name the admin looks up).
WRITE_PATHS = {
    Client: "consultancy.clients.services.client_update",
    ClientContact: "consultancy.clients.services.client_contact_update",
    Qualification: "consultancy.tenancy.services.qualification_save",
    QualificationKind: "consultancy.tenancy.services.qualification_kind_save",
    DocumentSystemRequirement: "contracts.services.document_system_save",
    SpecialtyFit: "delivery.services.specialty_fit_save",
    Engagement: "engagements.services.engagement_update",
    NeedsAssessment: "engagements.services.record_save",
    SiteVisit: "engagements.services.record_save",
    CommunicationRecord: "engagements.services.record_save",
    ExchangeRecord: "engagements.services.record_save",
    ProjectFramework: "engagements.services.record_save",
    Contract: "contracts.services.contract_update",
    ContractTemplate: "contracts.services.contract_template_update",
    RiskSettings: "delivery.services.risk_settings_update",
    OutcomeReview: "feedback.admin.record_save",
    FollowUpGuidance: "feedback.services.follow_up_guidance_save",
    FollowUpVisit: "feedback.services.follow_up_visit_save",
    FeedbackSettings: "feedback.services.feedback_settings_update",
    SurveyQuestion: "feedback.services.survey_question_edit",
    SurveyQuestionSet: "feedback.services.survey_question_edit",
    # Every field of a received complaint is read-only: its steps are the services'.
    Complaint: None,
    ComplaintCause: "feedback.services.complaint_cause_save",
}
# Admins no manager writes through: the platform operator's (firms, the calendar).
OPERATOR_ONLY = {Firm, CalendarDay}
# Known gap: the user admin (a manager's staff accounts) still saves through the model.
MODEL_SAVE = {User}


def _manager_request(user):
    request = RequestFactory().get("/admin/")
    request.user = user
    return request


def _writable_row(model_admin, world):
    request = _manager_request(world.manager)
    with scopes_disabled():
        rows = model_admin.get_queryset(request).order_by("pk")
        return next((row for row in rows if model_admin.has_change_permission(request, row)),
                    None)


def open_rows(w, model):
    """Rows of ``model`` still open to change (the world's are mostly frozen): an
    engagement of ``w`` taken to the stage that writes them."""
    from django.utils import timezone

    from engagements.stages import Stage
    from feedback import services as feedback_services
    from tests import factories as f
    from tests.engagements.helpers import advance_to
    from tests.feedback.helpers import handed_over, meet, to_follow_up

    with scopes_disabled():
        if model is NeedsAssessment:
            e = f.EngagementFactory(client=w.client, lead_consultant=w.consultant)
            f.NeedsAssessmentFactory(engagement=e)
        elif model in (SiteVisit, CommunicationRecord, ExchangeRecord, ProjectFramework):
            e = f.EngagementFactory(client=w.client, lead_consultant=w.consultant,
                                    origin="proactive")
            advance_to(e, Stage.COMMUNICATION)
            f.SiteVisitFactory(engagement=e)
            f.CommunicationRecordFactory(engagement=e)
            f.ExchangeRecordFactory(engagement=e)
            f.ProjectFrameworkFactory(engagement=e)
        elif model is Contract:
            e = f.EngagementFactory(client=w.client, lead_consultant=w.consultant)
            advance_to(e, Stage.CONTRACTING)
            contract_services.contract_draft(engagement=e, by=w.manager)
        elif model in (ClientAcceptance, OutcomeReview):
            e = handed_over(w)
            meet("E.acceptance", e, w)
            meet("E.review", e, w)
        elif model in (FollowUpGuidance, FollowUpVisit):
            e = to_follow_up(handed_over(w), w)
            meet("9.1.guidance", e, w)
            feedback_services.follow_up_visit_save(
                engagement=e, by=w.consultant, visited_on=timezone.localdate(),
                visitors=[w.consultant], discussed="回访", plan_needs_adjusting=False)


def _add_field(data, form, name):
    field, key = form.fields[name], form.add_prefix(name)
    value = form[name].value()
    if isinstance(field, forms.FileField):
        return
    if isinstance(field.widget, forms.MultiWidget):
        parts = value if isinstance(value, list | tuple) else field.widget.decompress(value)
        for i, part in enumerate(parts):
            data[f"{key}_{i}"] = "" if part is None else str(part)
    elif isinstance(field, forms.BooleanField) and not isinstance(field, forms.NullBooleanField):
        if value:
            data[key] = "on"
    elif isinstance(value, list | tuple):
        data[key] = [str(v) for v in value]
    else:
        data[key] = "" if value is None else str(value)


def form_data(response):
    """The admin change page's form (and inline forms) as it would be posted unchanged."""
    data = {}
    main = response.context["adminform"].form
    for name in main.fields:
        _add_field(data, main, name)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        for name in formset.management_form.fields:
            _add_field(data, formset.management_form, name)
        for row in formset.forms:
            for name in row.fields:
                _add_field(data, row, name)
    return data


def _change_question_label(data):
    key = next(k for k in data if k.endswith("-label_zh"))
    data[key] = data[key] + "(改)"


MUTATE = {SurveyQuestionSet: _change_question_label}

MODELS = [m for m in admin.site._registry if m not in OPERATOR_ONLY]


@pytest.mark.parametrize("model", MODELS, ids=[m._meta.label for m in MODELS])
def test_a_writable_admin_saves_through_its_service(client, wa, model):
    model_admin = admin.site._registry[model]
    row = _writable_row(model_admin, wa)
    if row is None:
        open_rows(wa, model)
        row = _writable_row(model_admin, wa)
    if row is None:
        # Read-only to managers: not a write path (and not in the table).
        assert model not in WRITE_PATHS, f"{model._meta.label}: no row a manager can change"
        return
    if model in MODEL_SAVE:
        return
    assert model in WRITE_PATHS, f"{model._meta.label}: a writable admin missing from WRITE_PATHS"
    login(client, wa.manager)
    opts = model._meta
    url = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[row.pk])
    response = client.get(url)
    assert response.status_code == 200
    data = form_data(response)
    MUTATE.get(model, lambda d: None)(data)
    target = WRITE_PATHS[model]
    if target is None:
        response = client.post(url, data)
        assert response.status_code in (302, 403)
        return
    module, name = target.rsplit(".", 1)
    original = getattr(importlib.import_module(module), name)
    with mock.patch(target, wraps=original) as service:
        response = client.post(url, data)
    errors = (response.context["adminform"].form.errors
              if response.status_code == 200 and response.context else None)
    assert response.status_code == 302, errors
    assert service.called, f"{opts.label}: saved without {target}"


def test_an_answered_question_is_not_reworded_in_the_admin(client, wa):
    """The question-set page refuses it (9.5); the admin too, with the same message."""
    with scopes_disabled():
        question = SurveyQuestion.objects.filter(firm=wa.firm, answers__isnull=False).first()
        label = question.label_zh
    login(client, wa.manager)
    url = reverse("admin:feedback_surveyquestion_change", args=[question.pk])
    data = form_data(client.get(url))
    data["label_zh"] = label + "(改)"
    response = client.post(url, data)
    assert response.status_code == 302
    shown = [str(m) for m in get_messages(response.wsgi_request)]
    assert any(zh("This question has answers: its wording and kind stay as they were "
                  "answered. Add a new question and stop asking this one instead.") in m
               for m in shown), shown
    with scopes_disabled():
        question.refresh_from_db()
    assert question.label_zh == label


def test_a_draft_contract_edited_in_the_admin_gets_its_placeholders_filled(client, wa):
    open_rows(wa, Contract)
    with scopes_disabled():
        contract = Contract.objects.filter(firm=wa.firm, status=Contract.Status.DRAFT).first()
    assert contract is not None
    login(client, wa.manager)
    url = reverse("admin:contracts_contract_change", args=[contract.pk])
    data = form_data(client.get(url))
    key = next(k for k in data if k.startswith("clause_"))
    data[key] = data[key] + " 截止日期:{end_date}"
    with mock.patch("contracts.services.contract_update",
                    wraps=contract_services.contract_update) as update:
        response = client.post(url, data)
    assert response.status_code == 302
    assert update.called
    with scopes_disabled():
        contract.refresh_from_db()
    text = getattr(contract, key)
    if contract.end_date is not None:
        assert "{end_date}" not in text


def test_a_contact_is_not_tied_to_a_login_in_the_admin(client, wa, wb):
    with scopes_disabled():
        contact = ClientContact.objects.filter(firm=wa.firm, user__isnull=True).first() or (
            ClientContact.objects.create(firm=wa.firm, client=wa.client, name="无登录"))
    login(client, wa.manager)
    url = reverse("admin:clients_clientcontact_change", args=[contact.pk])
    data = form_data(client.get(url))
    assert "user" not in data
    data["user"] = str(wa.consultant.pk)
    assert client.post(url, data).status_code == 302
    with scopes_disabled():
        contact.refresh_from_db()
    assert contact.user_id is None


@pytest.mark.parametrize(("model", "target"), [
    (SiteVisit, "engagements.services.record_delete"),
    (Contract, "contracts.services.contract_delete_draft"),
    (FollowUpVisit, "feedback.admin.record_delete"),
], ids=["SiteVisit", "Contract", "FollowUpVisit"])
def test_a_delete_in_the_admin_goes_through_the_service(client, wa, model, target):
    open_rows(wa, model)
    model_admin = admin.site._registry[model]
    request = _manager_request(wa.manager)
    with scopes_disabled():
        row = next(r for r in model_admin.get_queryset(request).order_by("-pk")
                   if model_admin.has_delete_permission(request, r))
    login(client, wa.manager)
    opts = model._meta
    url = reverse(f"admin:{opts.app_label}_{opts.model_name}_delete", args=[row.pk])
    module, name = target.rsplit(".", 1)
    original = getattr(importlib.import_module(module), name)
    with mock.patch(target, wraps=original) as service:
        assert client.post(url, {"post": "yes"}).status_code == 302
    assert service.called
    with scopes_disabled():
        assert not model._base_manager.filter(pk=row.pk).exists()
