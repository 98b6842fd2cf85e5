"""8.5: the engagement's document library (the categories of 8.5.1, versions with their
SHA-256), the delivery of documents to the client with the hand-over list (8.5.2), and
the client's acknowledgements."""

import os
from collections import defaultdict

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Exists, OuterRef
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from consultancy.clients.models import ClientContact
from consultancy.documents.selectors import latest_document
from consultancy.documents.serving import private_file_response
from consultancy.tenancy.files import safe_filename
from consultancy.tenancy.mixins import firm_staff_required
from consultancy.tenancy.versioning import StaleEdit
from contracts.models import Contract, Deliverable
from engagements.models import FrozenRecord
from engagements.stages import Stage

from .. import services
from ..forms_plan import (
    AcknowledgeForm,
    DeliverForm,
    DocumentForm,
    VersionForm,
    deliverable_choices,
)
from ..models import DocumentDelivery, DocumentVersion, ProjectDocument
from .common import apply_validation_error, frozen_response, get_engagement


def _current_contract(engagement):
    """The latest signed version of the engagement's contract (its deliverables are the
    ones 8.5.2 asks to deliver)."""
    return Contract.objects.filter(status=Contract.Status.SIGNED).current_for(engagement)


def _latest_versions(engagement):
    return DocumentVersion.objects.filter(document__engagement=engagement).newest()


def _back(engagement):
    return redirect("delivery:documents", engagement.pk)


def _contacts(engagement):
    return list(ClientContact.objects.filter(firm_id=engagement.firm_id,
                                             client_id=engagement.client_id, is_active=True)
                .order_by("name"))


@firm_staff_required
@require_safe
def library(request, pk):
    engagement = get_engagement(request, pk)
    contract = _current_contract(engagement)
    deliverables = list(deliverable_choices(contract))
    documents = list(ProjectDocument.objects.filter(engagement=engagement)
                     .select_related("deliverable").annotate(version_count=Count("versions"))
                     .order_by("title", "pk"))
    latest = {v.document_id: v for v in _latest_versions(engagement).select_related("uploaded_by")}
    deliveries_of = defaultdict(list)
    for d in (DocumentDelivery.objects.filter(engagement=engagement)
              .select_related("version", "acknowledged_by", "delivered_by")
              .order_by("-delivered_on", "-pk")):
        deliveries_of[d.version.document_id].append(d)
    for doc in documents:
        doc.latest = latest.get(doc.pk)
        doc.delivery_list = deliveries_of.get(doc.pk, [])
        doc.is_delivered = bool(doc.delivery_list)
        doc.is_acknowledged = any(d.is_acknowledged for d in doc.delivery_list)
        doc.latest_delivered = any(d.version_id == getattr(doc.latest, "pk", None)
                                   for d in doc.delivery_list)
    groups = [
        {"category": value, "label": label,
         "documents": [doc for doc in documents if doc.category == value]}
        for value, label in Deliverable.Category.choices
    ]
    for deliverable in deliverables:
        deliverable.document_list = [doc for doc in documents
                                     if doc.deliverable_id == deliverable.pk]
        deliverable.is_delivered = any(doc.is_delivered for doc in deliverable.document_list)
        deliverable.is_acknowledged = any(doc.is_acknowledged
                                          for doc in deliverable.document_list)
    requirement = next((r for r in engagement.requirements(Stage.DELIVERY)
                        if r.code == "8.5.deliverables"), None)
    return render(request, "delivery/library.html", {
        "engagement": engagement,
        "contract": contract,
        "deliverables": deliverables,
        "groups": groups,
        "document_count": len(documents),
        "handover": latest_document(engagement, "handover"),
        "contacts": _contacts(engagement),
        "requirement": requirement,
        "passed": engagement.has_passed(Stage.DELIVERY),
    })


@firm_staff_required
def document_create(request, pk):
    engagement = get_engagement(request, pk)
    if engagement.has_passed(Stage.DELIVERY):
        return frozen_response(request, engagement)
    deliverables = deliverable_choices(_current_contract(engagement))
    initial = {}
    chosen = request.GET.get("deliverable", "")
    if chosen.isdigit():
        deliverable = deliverables.filter(pk=chosen).first()
        if deliverable:
            initial = {"deliverable": deliverable, "category": deliverable.category,
                       "title": deliverable.title}
    form = DocumentForm(request.POST or None, request.FILES or None, initial=initial,
                        deliverables=deliverables)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            document = services.document_create(
                engagement=engagement, by=request.user, category=data["category"],
                title=data["title"], file=data["file"], deliverable=data["deliverable"],
                note=data["note"])
        except ValidationError as exc:
            apply_validation_error(form, exc)
        except FrozenRecord as exc:
            return frozen_response(request, engagement, None, exc)
        else:
            messages.success(request, _("“%(title)s” is in the library as version 1.")
                             % {"title": document.title})
            return redirect("delivery:document_detail", engagement.pk, document.pk)
    return render(request, "delivery/document_form.html",
                  {"engagement": engagement, "form": form})


@firm_staff_required
def document_detail(request, pk, document_pk):
    engagement = get_engagement(request, pk)
    document = get_object_or_404(ProjectDocument.objects.select_related("deliverable"),
                                 pk=document_pk, engagement=engagement)
    passed = engagement.has_passed(Stage.DELIVERY)
    versions = list(DocumentVersion.objects.filter(document=document)
                    .select_related("uploaded_by").order_by("-version"))
    form = VersionForm(request.POST or None, request.FILES or None,
                       latest=versions[0] if versions else None)
    if request.method == "POST":
        if passed:
            return frozen_response(request, engagement, document)
        if form.is_valid():
            try:
                version = services.document_version_add(
                    document=document, file=form.cleaned_data["file"], by=request.user,
                    note=form.cleaned_data["note"], seen_latest=form.cleaned_data["seen_latest"])
            except StaleEdit as exc:
                form.add_error(None, exc)  # with its code: the version moved
            except ValidationError as exc:
                apply_validation_error(form, exc)
            except FrozenRecord as exc:
                return frozen_response(request, engagement, document, exc)
            else:
                messages.success(request, _("Version %(v)s of “%(title)s” is stored.")
                                 % {"v": version.version, "title": document.title})
                return redirect("delivery:document_detail", engagement.pk, document.pk)
    deliveries_of = defaultdict(list)
    for d in (DocumentDelivery.objects.filter(engagement=engagement, version__document=document)
              .select_related("acknowledged_by", "delivered_by").order_by("-delivered_on", "-pk")):
        deliveries_of[d.version_id].append(d)
    for v in versions:
        v.delivery_list = deliveries_of.get(v.pk, [])
    return render(request, "delivery/document_detail.html", {
        "engagement": engagement, "document": document, "versions": versions,
        "latest": versions[0] if versions else None, "form": form, "passed": passed,
        "contacts": _contacts(engagement),
    })


@firm_staff_required
@require_safe
def version_file(request, pk, document_pk, version_pk):
    engagement = get_engagement(request, pk)
    version = get_object_or_404(DocumentVersion.objects.select_related("document"), pk=version_pk,
                                document_id=document_pk, document__engagement=engagement)
    ext = os.path.splitext(version.file.name)[1]
    name = safe_filename(f"{version.document.title}-V{version.version}{ext}")
    return private_file_response(version.file, filename=name)


@firm_staff_required
def deliver(request, pk):
    engagement = get_engagement(request, pk)
    if engagement.has_passed(Stage.DELIVERY):
        return frozen_response(request, engagement)
    delivered = DocumentDelivery.objects.filter(version_id=OuterRef("pk"))
    versions = (_latest_versions(engagement).select_related("document")
                .annotate(already_delivered=Exists(delivered))
                .order_by("document__category", "document__title", "pk"))
    preselected = [v for v in request.GET.getlist("version") if v.isdigit()]
    form = DeliverForm(request.POST or None, versions=versions,
                       initial={"versions": preselected})
    if request.method == "POST" and form.is_valid():
        chosen = list(form.cleaned_data["versions"])
        try:
            services.documents_deliver(engagement=engagement, versions=chosen,
                                       delivered_on=form.cleaned_data["delivered_on"],
                                       by=request.user)
        except ValidationError as exc:
            apply_validation_error(form, exc)
        except FrozenRecord as exc:
            return frozen_response(request, engagement, None, exc)
        else:
            messages.success(request, _(
                "%(n)s document(s) delivered. The hand-over list PDF is being made: have the "
                "client sign it, then record each acknowledgement.") % {"n": len(chosen)})
            return _back(engagement)
    selected = {str(v) for v in (form["versions"].value() or [])}
    rows = list(versions)
    for v in rows:
        v.selected = str(v.pk) in selected
    return render(request, "delivery/deliver.html",
                  {"engagement": engagement, "form": form, "rows": rows})


@firm_staff_required
@require_POST
def acknowledge(request, pk, delivery_pk):
    """A paper acknowledgement (8.5.2), recorded by the consultant; client contacts with a
    portal login acknowledge there themselves."""
    engagement = get_engagement(request, pk)
    delivery = get_object_or_404(DocumentDelivery.objects.select_related("version"),
                                 pk=delivery_pk, engagement=engagement)
    form = AcknowledgeForm(request.POST, engagement=engagement)
    if form.is_valid():
        try:
            services.delivery_acknowledge(delivery=delivery, by=request.user,
                                          contact=form.cleaned_data["contact"],
                                          acknowledged_on=form.cleaned_data["acknowledged_on"])
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("The client's acknowledgement is recorded (8.5.2)."))
    else:
        messages.error(request, " ".join(e for errs in form.errors.values() for e in errs))
    if request.POST.get("back") == "document":
        target = reverse("delivery:document_detail",
                         args=[engagement.pk, delivery.version.document_id])
    else:
        target = reverse("delivery:documents", args=[engagement.pk])
    return redirect(f"{target}#delivery-{delivery.pk}")
