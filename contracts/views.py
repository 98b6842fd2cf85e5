"""Clause 7 pages: thin; every change goes through ``contracts.services``."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from consultancy.documents.serving import private_file_response
from consultancy.formrows import next_row_response
from consultancy.refusals import add_refusal_to_form, answer_refusal, refusal_response
from consultancy.tenancy.mixins import firm_staff_required, manager_required
from consultancy.tenancy.versioning import StaleEdit
from engagements.models import FrozenRecord
from engagements.pages import frozen_response, get_engagement

from . import services
from .clauses import CLAUSES, PLACEHOLDERS, filled_clauses
from .forms import (
    ContractForm,
    ContractTemplateForm,
    DeliverableFormSet,
    InstallmentFormSet,
    SignForm,
    formset_rows,
)
from .models import Contract, Deliverable, PaymentInstallment
from .personnel import personnel_on_start


def _contract(engagement, contract_pk):
    return get_object_or_404(
        Contract.objects.select_related("issued_pdf", "firm_signatory", "amends"),
        pk=contract_pk, engagement=engagement)


def _back(engagement):
    return redirect("contracts:contract", engagement.pk)


@firm_staff_required
def contract_page(request, pk):
    engagement = get_engagement(request, pk)
    versions = list(
        Contract.objects.filter(engagement=engagement)
        .select_related("issued_pdf", "firm_signatory", "amends", "signed_recorded_by")
        .prefetch_related("personnel")
    )
    current = versions[0] if versions else None
    deliverables = installments = []
    if current:
        deliverables = list(Deliverable.objects.filter(contract=current))
        installments = list(PaymentInstallment.objects.filter(contract=current))
    # The clauses as they read with the contract's current terms (the preview).
    filled = filled_clauses(current) if current else {}
    clauses = [
        {"n": n, "name": name, "text": filled.get(key, "")}
        for n, (key, name) in enumerate(CLAUSES, start=1)
    ]
    return render(request, "contracts/contract.html", {
        "engagement": engagement, "contract": current, "versions": versions,
        "clauses": clauses, "deliverables": deliverables, "installments": installments,
        "personnel": personnel_on_start(current) if current else [],
        "issue_problems": services.issue_problems(current) if current and current.is_editable
        else [],
        "requirements": engagement.requirements("contracting"),
    })


@firm_staff_required
@require_POST
def contract_draft(request, pk):
    engagement = get_engagement(request, pk)
    try:
        services.contract_draft(engagement=engagement, by=request.user)
    except services.ContractRefused as exc:
        return answer_refusal(request, exc,
                              redirect_to=reverse("contracts:contract", args=[engagement.pk]))
    messages.success(request, _("The contract is drafted from your firm's template and the "
                                "confirmed project framework. Review every clause."))
    return _back(engagement)


@firm_staff_required
def contract_edit(request, pk, contract_pk):
    engagement = get_engagement(request, pk)
    contract = _contract(engagement, contract_pk)
    if not contract.is_editable:
        if request.method == "POST":
            return frozen_response(request, engagement, contract)
        return _back(engagement)
    data = request.POST or None
    form = ContractForm(data, instance=contract, firm=request.user.firm)
    deliverables = DeliverableFormSet(data, prefix="deliverables", initial=[
        {f: getattr(d, f) for f in ("category", "title", "description", "due_date")}
        for d in Deliverable.objects.filter(contract=contract)])
    installments = InstallmentFormSet(data, prefix="installments", initial=[
        {f: getattr(i, f) for f in ("description", "amount", "due_date")}
        for i in PaymentInstallment.objects.filter(contract=contract)])
    if request.method == "POST" and all(
            [form.is_valid(), deliverables.is_valid(), installments.is_valid()]):
        fields = {k: v for k, v in form.cleaned_data.items() if k != "personnel"}
        try:
            with form.version_guard():
                services.contract_update(
                    contract=contract, by=request.user,
                    personnel=list(form.cleaned_data["personnel"]),
                    deliverables=formset_rows(deliverables),
                    installments=formset_rows(installments), **fields)
        except ValidationError as exc:
            form.add_error(None, exc)
        except FrozenRecord as exc:
            return frozen_response(request, engagement, contract, exc)
        else:
            messages.success(request, _("Contract draft saved."))
            return _back(engagement)
    return render(request, "contracts/contract_form.html", {
        "engagement": engagement, "contract": contract, "form": form,
        "deliverables": deliverables, "installments": installments,
        "placeholders": PLACEHOLDERS,
    })


ROW_FORMSETS = {"deliverables": DeliverableFormSet, "installments": InstallmentFormSet}


@firm_staff_required
@require_safe
def contract_row(request, pk, contract_pk, kind):
    """htmx: the next empty deliverable or installment row of a draft's edit form
    (consultancy/formrows.py); another firm's contract is a 404."""
    engagement = get_engagement(request, pk)
    contract = _contract(engagement, contract_pk)
    if kind not in ROW_FORMSETS or not contract.is_editable:
        raise Http404
    return next_row_response(request, ROW_FORMSETS[kind], prefix=kind,
                             template="contracts/_row.html")


def _step(request, pk, contract_pk, action, success):
    engagement = get_engagement(request, pk)
    contract = _contract(engagement, contract_pk)
    try:
        action(contract=contract, by=request.user)
    except (services.ContractRefused, FrozenRecord) as exc:
        messages.error(request, str(exc))
        return refusal_response(request, exc, template="contracts/refused.html",
                                context={"engagement": engagement, "error": exc})
    messages.success(request, success)
    return _back(engagement)


@firm_staff_required
@require_POST
def contract_issue(request, pk, contract_pk):
    return _step(request, pk, contract_pk, services.contract_issue,
                 _("The contract is issued for signature; its PDF is being made."))


@firm_staff_required
@require_POST
def contract_withdraw(request, pk, contract_pk):
    return _step(request, pk, contract_pk, services.contract_withdraw,
                 _("The contract is back in draft."))


@firm_staff_required
@require_POST
def contract_amend(request, pk, contract_pk):
    return _step(request, pk, contract_pk, services.contract_amend,
                 _("An amendment is drafted as a new version; the signed contract stays as it "
                   "was."))


@firm_staff_required
@require_POST
def contract_delete(request, pk, contract_pk):
    return _step(request, pk, contract_pk, services.contract_delete_draft, _("The draft is deleted."))


@firm_staff_required
def contract_sign(request, pk, contract_pk):
    engagement = get_engagement(request, pk)
    contract = _contract(engagement, contract_pk)
    if contract.status != Contract.Status.ISSUED:
        if request.method == "POST":
            return render(request, "contracts/refused.html", {
                "engagement": engagement,
                "error": _("Only an issued contract can be signed.")}, status=409)
        return _back(engagement)
    form = SignForm(request.POST or None, request.FILES or None, firm=request.user.firm,
                    initial={"client_signatory": ""}, versioned=contract)
    if request.method == "POST" and form.is_valid():
        try:
            with form.version_guard():
                services.contract_sign(contract=contract, by=request.user, **form.cleaned_data)
        except StaleEdit as exc:
            form.add_error(None, exc)
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        except services.ContractRefused as exc:
            add_refusal_to_form(form, exc)
        else:
            messages.success(request, _("The signature is recorded and the contract is frozen. "
                                        "With clause 7 met, the engagement can move to the "
                                        "service."))
            return _back(engagement)
    return render(request, "contracts/sign.html",
                  {"engagement": engagement, "contract": contract, "form": form})


@firm_staff_required
def signed_copy(request, pk, contract_pk):
    engagement = get_engagement(request, pk)
    contract = _contract(engagement, contract_pk)
    if not contract.signed_copy:
        raise Http404
    return private_file_response(contract.signed_copy)


@manager_required
def template_edit(request):
    template = services.contract_template_for(request.user.firm)
    form = ContractTemplateForm(request.POST or None, instance=template)
    if request.method == "POST" and form.is_valid():
        try:
            with form.version_guard():
                services.contract_template_update(firm=request.user.firm, by=request.user,
                                                  **form.cleaned_data)
        except StaleEdit as exc:
            add_refusal_to_form(form, exc)
        else:
            messages.success(request, _("Contract template saved. New drafts use it."))
            return redirect("contracts:template")
    return render(request, "contracts/template_form.html",
                  {"form": form, "placeholders": PLACEHOLDERS})
