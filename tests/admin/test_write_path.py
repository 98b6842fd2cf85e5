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
from django.core.exceptions import ValidationError
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
    ServiceType,
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
    ServiceType: "engagements.services.service_type_save",
    NeedsAssessment: "engagements.services.record_save",
    SiteVisit: "engagements.services.record_save",
    CommunicationRecord: "engagements.services.record_save",
    ExchangeRecord: "engagements.services.record_save",
    ProjectFramework: "engagements.services.record_save",
    Contract: "contracts.services.contract_update",
    ContractTemplate: "contracts.services.contract_template_update",
    RiskSettings: "delivery.services.risk_settings_update",
    OutcomeReview: "feedback.services.review_save",
    FollowUpGuidance: "feedback.services.follow_up_guidance_save",
    FollowUpVisit: "feedback.services.follow_up_visit_save",
    FeedbackSettings: "feedback.services.feedback_settings_update",
    SurveyQuestion: "feedback.services.survey_question_edit",
    SurveyQuestionSet: "feedback.services.survey_question_edit",
    # Every field of a received complaint is read-only: its steps are the services'.
    Complaint: None,
    ComplaintCause: "feedback.services.complaint_cause_save",
    User: "consultancy.tenancy.services.staff_update",
}
# model → the service its admin deletes through (an admin without one offers no delete).
DELETE_PATHS = {
    NeedsAssessment: "engagements.services.record_delete",
    SiteVisit: "engagements.services.record_delete",
    CommunicationRecord: "engagements.services.record_delete",
    ExchangeRecord: "engagements.services.record_delete",
    ProjectFramework: "engagements.services.record_delete",
    Contract: "contracts.services.contract_delete_draft",
    OutcomeReview: "feedback.admin.record_delete",
    FollowUpGuidance: "feedback.admin.record_delete",
    FollowUpVisit: "feedback.admin.record_delete",
    Qualification: "consultancy.tenancy.services.qualification_delete",
    SurveyQuestion: "feedback.services.survey_question_delete",
    DocumentSystemRequirement: "contracts.services.document_system_delete",
    SpecialtyFit: "delivery.services.specialty_fit_delete",
    ServiceType: "engagements.services.service_type_delete",
}
# Admins no manager writes through: the platform operator's (firms, the calendar).
OPERATOR_ONLY = {Firm, CalendarDay}


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


def _deletable_row(model_admin, world):
    request = _manager_request(world.manager)
    with scopes_disabled():
        rows = model_admin.get_queryset(request).order_by("-pk")
        return next((row for row in rows if model_admin.has_delete_permission(request, row)),
                    None)


@pytest.mark.parametrize("model", MODELS, ids=[m._meta.label for m in MODELS])
def test_a_delete_in_the_admin_is_a_service_or_none(client, wa, model):
    """Every admin a manager can delete a row in deletes through the service named in
    ``DELETE_PATHS``; any other admin offers no delete (a new one fails here until it names
    its service)."""
    model_admin = admin.site._registry[model]
    row = _deletable_row(model_admin, wa)
    if row is None:
        open_rows(wa, model)
        row = _deletable_row(model_admin, wa)
    if row is None:
        assert model not in DELETE_PATHS, f"{model._meta.label}: no row a manager can delete"
        return
    assert model in DELETE_PATHS, f"{model._meta.label}: deletes past the services"
    login(client, wa.manager)
    opts = model._meta
    url = reverse(f"admin:{opts.app_label}_{opts.model_name}_delete", args=[row.pk])
    target = DELETE_PATHS[model]
    module, name = target.rsplit(".", 1)
    original = getattr(importlib.import_module(module), name)
    with mock.patch(target, wraps=original) as service:
        response = client.post(url, {"post": "yes"})
    if response.status_code == 200 and response.context.get("protected"):
        # Rows point at it (the database's PROTECT): the admin refuses before any delete.
        with scopes_disabled():
            assert model._base_manager.filter(pk=row.pk).exists()
        return
    assert response.status_code == 302
    assert service.called, f"{opts.label}: deleted without {target}"


def _parent_saves_inlines(model_admin):
    base = admin.ModelAdmin
    from consultancy.tenancy.admin_site import FirmScopedAdmin

    own = [getattr(type(model_admin), name) for name in ("save_formset", "save_related")]
    return any(method not in (getattr(base, name), getattr(FirmScopedAdmin, name))
               for method, name in zip(own, ("save_formset", "save_related"), strict=True))


@pytest.mark.parametrize("model", MODELS, ids=[m._meta.label for m in MODELS])
def test_a_writable_inline_is_saved_by_its_parents_service(wa, model):
    """An inline a manager may add, change or delete rows in is saved by its parent admin
    (its own ``save_formset`` or ``save_related`` calls the service), never by the
    formset's ``save()``."""
    model_admin = admin.site._registry[model]
    request = _manager_request(wa.manager)
    row = _writable_row(model_admin, wa)
    for inline in model_admin.get_inline_instances(request, row):
        writable = (inline.has_add_permission(request, row)
                    or inline.has_change_permission(request, row)
                    or inline.has_delete_permission(request, row))
        if writable:
            assert _parent_saves_inlines(model_admin), (
                f"{model._meta.label}: the inline {type(inline).__name__} saves past the "
                "services")


def test_an_admin_without_a_service_is_view_only(wa):
    """Fail closed: a firm's admin that names no service of its own neither adds, changes
    nor deletes, and its default writes refuse."""
    from django.core.exceptions import PermissionDenied

    from consultancy.tenancy.admin_site import FirmScopedAdmin

    class Bare(FirmScopedAdmin):
        pass

    bare = Bare(Client, admin.site)
    request = _manager_request(wa.manager)
    assert not bare.has_add_permission(request)
    assert not bare.has_change_permission(request, wa.client)
    assert not bare.has_delete_permission(request, wa.client)
    with pytest.raises(PermissionDenied):
        bare.save_model(request, wa.client, None, True)
    with pytest.raises(PermissionDenied):
        bare.delete_model(request, wa.client)


# -- the user admin: the staff services ---------------------------------------------------


def test_a_new_staff_member_in_the_admin_goes_through_staff_create(client, wa):
    from consultancy.tenancy import services as tenancy_services

    login(client, wa.manager)
    with mock.patch("consultancy.tenancy.services.staff_create",
                    wraps=tenancy_services.staff_create) as create:
        response = client.post(reverse("admin:tenancy_user_add"), {
            "email": "admin.added@a.test", "full_name": "后台新员工", "role": "consultant",
            "usable_password": "false"})
    assert response.status_code == 302
    assert create.called
    with scopes_disabled():
        added = User.objects.get(email="admin.added@a.test")
    assert added.firm_id == wa.firm.pk and not added.has_usable_password()


def test_the_admin_offers_a_manager_no_client_contact_role(client, wa):
    """A client contact's login comes with its contact (the portal invitation)."""
    login(client, wa.manager)
    response = client.post(reverse("admin:tenancy_user_add"), {
        "email": "not.a.contact@a.test", "full_name": "冒名联系人", "role": "client_contact",
        "usable_password": "false"})
    assert response.status_code == 200
    assert "role" in response.context["adminform"].form.errors
    with scopes_disabled():
        assert not User.objects.filter(email="not.a.contact@a.test").exists()


def test_deactivating_in_the_user_admin_goes_through_staff_deactivate(client, wa):
    from consultancy.tenancy import services as tenancy_services

    login(client, wa.manager)
    url = reverse("admin:tenancy_user_change", args=[wa.consultant.pk])
    data = form_data(client.get(url))
    data.pop("is_active", None)
    with mock.patch("consultancy.tenancy.services.staff_deactivate",
                    wraps=tenancy_services.staff_deactivate) as deactivate:
        response = client.post(url, data)
    assert response.status_code == 302
    assert deactivate.called
    with scopes_disabled():
        wa.consultant.refresh_from_db()
    assert not wa.consultant.is_active


def test_a_password_hash_is_not_posted_through_the_user_admin(client, wa):
    login(client, wa.manager)
    url = reverse("admin:tenancy_user_change", args=[wa.consultant.pk])
    with scopes_disabled():
        before = User.objects.get(pk=wa.consultant.pk).password
    data = form_data(client.get(url))
    data["password"] = "md5$salt$0123456789abcdef0123456789abcdef"
    assert client.post(url, data).status_code == 302
    with scopes_disabled():
        assert User.objects.get(pk=wa.consultant.pk).password == before


def test_a_client_contacts_login_is_view_only_in_the_user_admin(client, wa):
    with scopes_disabled():
        contact_user = ClientContact.objects.filter(
            firm=wa.firm, user__isnull=False, user__is_active=True).first().user
    assert contact_user is not None
    login(client, wa.manager)
    url = reverse("admin:tenancy_user_change", args=[contact_user.pk])
    response = client.get(url)
    assert response.status_code == 200
    assert response.context["has_change_permission"] is False
    assert client.post(url, {"full_name": "改名", "email": contact_user.email,
                             "role": "consultant"}).status_code == 403
    response = client.post(reverse("admin:tenancy_user_changelist"), {
        "action": "deactivate_leavers", "_selected_action": [contact_user.pk]}, follow=True)
    with scopes_disabled():
        contact_user.refresh_from_db()
        assert contact_user.role == User.Role.CLIENT_CONTACT and contact_user.is_active
    shown = [str(m) for m in get_messages(response.wsgi_request)]
    assert any(zh("A client contact's portal login is ended on their contact's page (make "
                  "the contact inactive).") in m for m in shown), shown


# -- inlines --------------------------------------------------------------------------------


def test_an_outcome_reviews_objectives_are_saved_by_review_save(client, wa):
    """The evaluation's rules hold in the admin's inline: an objective without evidence is
    refused with review_save's message, and a good change goes through it."""
    from feedback import services as feedback_services

    open_rows(wa, OutcomeReview)
    with scopes_disabled():
        review = next(r for r in OutcomeReview.objects.filter(firm=wa.firm).order_by("-pk")
                      if not r.is_frozen)
    login(client, wa.manager)
    url = reverse("admin:feedback_outcomereview_change", args=[review.pk])
    data = form_data(client.get(url))
    evidence = next(k for k in data if k.endswith("-evidence"))
    reviewed_on = data["reviewed_on"]
    data["reviewed_on"] = "2099-01-01"  # the form takes it; review_save refuses it
    data[evidence] = "验收会议纪要(后台修改)"
    response = client.post(url, data)
    shown = [str(m) for m in get_messages(response.wsgi_request)]
    assert any(zh("The date cannot be in the future.") in m for m in shown), shown
    with scopes_disabled():
        assert not review.objectives.filter(evidence="验收会议纪要(后台修改)").exists()
    data["reviewed_on"] = reviewed_on
    with mock.patch("feedback.services.review_save",
                    wraps=feedback_services.review_save) as save:
        response = client.post(url, data)
    assert response.status_code == 302
    assert save.called
    with scopes_disabled():
        assert review.objectives.filter(evidence="验收会议纪要(后台修改)").exists()


def test_a_contact_is_not_deleted_through_the_clients_inline(client, wa):
    login(client, wa.manager)
    url = reverse("admin:clients_client_change", args=[wa.client.pk])
    data = form_data(client.get(url))
    assert not any(k.endswith("-DELETE") for k in data)
    with scopes_disabled():
        before = ClientContact.objects.filter(client=wa.client).count()
    key = next((k for k in data if k.endswith("-id") and data[k]), None)
    if key is not None:
        data[key.replace("-id", "-DELETE")] = "on"
    assert client.post(url, data).status_code == 302
    with scopes_disabled():
        assert ClientContact.objects.filter(client=wa.client).count() == before


def test_a_survey_question_is_deleted_through_the_service(client, wa):
    """An unanswered question goes through survey_question_delete (an activity event); an
    answered one stays (the service refuses it, the database protects its answers)."""
    from consultancy.activity.models import Event
    from feedback import services as feedback_services

    with scopes_disabled():
        answered = SurveyQuestion.objects.filter(firm=wa.firm, answers__isnull=False).first()
        unanswered = feedback_services.survey_question_edit(
            firm=wa.firm, by=wa.manager, kind=answered.kind, label_zh="误加的问题",
            label_en="Added by mistake", required=False, is_active=True)
    login(client, wa.manager)
    with mock.patch("feedback.services.survey_question_delete",
                    wraps=feedback_services.survey_question_delete) as delete:
        response = client.post(reverse("admin:feedback_surveyquestion_delete",
                                       args=[unanswered.pk]), {"post": "yes"})
    assert response.status_code == 302 and delete.called
    with scopes_disabled():
        assert not SurveyQuestion.objects.filter(pk=unanswered.pk).exists()
        assert Event.objects.filter(firm=wa.firm, verb="survey_question.deleted").exists()
        with pytest.raises(ValidationError) as refused:
            feedback_services.survey_question_delete(question=answered, by=wa.manager)
        assert zh("An answered question is not deleted: make it inactive instead.") in str(
            refused.value)
    client.post(reverse("admin:feedback_surveyquestion_delete", args=[answered.pk]),
                {"post": "yes"})
    with scopes_disabled():
        assert SurveyQuestion.objects.filter(pk=answered.pk).exists()
