"""8.1 project research: site research (8.1.1, with photos taken on site) and resource
research (8.1.2)."""

import os

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from consultancy.documents.serving import private_file_response
from consultancy.tenancy.mixins import firm_staff_required
from consultancy.tenancy.models import User
from engagements.models import FrozenRecord
from engagements.services import record_save
from engagements.stages import Stage

from .. import services
from ..forms import AttachmentForm, ResourceResearchForm, SiteResearchForm
from ..models import ResearchAttachment, ResourceResearch, SiteResearch, SiteUnit
from .common import apply_validation_error, frozen_response, get_engagement


def _closed(engagement):
    """No new clause 8 record once the service stage is passed (or the engagement ended)."""
    return engagement.is_ended or engagement.has_passed(Stage.DELIVERY)


def _disable(form):
    for field in form.fields.values():
        field.disabled = True


def _list_url(engagement, anchor=""):
    return reverse("delivery:research", args=[engagement.pk]) + anchor


def _render_list(request, engagement, *, failed_rid=None, failed_form=None):
    sites = list(
        SiteResearch.objects.filter(engagement=engagement)
        .prefetch_related(Prefetch("researchers", queryset=User.objects.order_by("full_name")),
                          Prefetch("attachments",
                                   queryset=ResearchAttachment.objects.order_by("pk")))
    )
    closed = _closed(engagement)
    for record in sites:
        record.engagement = engagement
        for att in record.attachments.all():
            att.display_name = os.path.basename(att.file.name)
        record.upload_form = (failed_form if record.pk == failed_rid
                              else AttachmentForm(auto_id=f"id_att{record.pk}_%s"))
    return render(request, "delivery/research_list.html", {
        "engagement": engagement,
        "sites": sites,
        "resources": ResourceResearch.objects.filter(engagement=engagement),
        "units": SiteUnit.objects.filter(engagement=engagement).order_by("pk"),
        "closed": closed,
    })


@firm_staff_required
def research_list(request, pk):
    engagement = get_engagement(request, pk)
    return _render_list(request, engagement)


@firm_staff_required
def site_research_edit(request, pk, record_pk=None):
    engagement = get_engagement(request, pk)
    if record_pk is None:
        if _closed(engagement):
            return frozen_response(request, engagement)
        record = SiteResearch(engagement=engagement)
    else:
        record = get_object_or_404(SiteResearch, pk=record_pk, engagement=engagement)
        record.engagement = engagement
    creating = record.pk is None
    frozen = not creating and record.is_frozen
    if frozen and request.method == "POST":
        return frozen_response(request, engagement, record)
    form = SiteResearchForm(request.POST or None, request.FILES or None, instance=record,
                            firm=request.user.firm, with_photo=creating,
                            initial={"researchers": [request.user]} if creating else None)
    if request.method == "POST" and form.is_valid():
        record = form.save(commit=False)
        data = form.cleaned_data
        try:
            with form.version_guard():
                services.site_research_save(record=record, by=request.user,
                                            researchers=list(data["researchers"]))
                if creating and data.get("photo"):
                    services.research_attachment_add(research=record, file=data["photo"],
                                                     caption=data.get("caption", ""),
                                                     by=request.user)
        except ValidationError as exc:
            if creating:
                record.pk = None  # rolled back: the form stays a new record
            apply_validation_error(form, exc)
        except FrozenRecord as exc:
            return frozen_response(request, engagement, record, exc)
        else:
            messages.success(request, _("Site research record saved (clause 8.1.1)."))
            return redirect(_list_url(engagement, f"#site-{record.pk}"))
    if frozen:
        _disable(form)
    return render(request, "delivery/research_site_form.html", {
        "engagement": engagement, "form": form, "record": record, "frozen": frozen,
        "creating": creating,
        "attachments": [] if creating else list(record.attachments.all()),
    })


@firm_staff_required
@require_POST
def attachment_add(request, pk, record_pk):
    engagement = get_engagement(request, pk)
    record = get_object_or_404(SiteResearch, pk=record_pk, engagement=engagement)
    record.engagement = engagement
    if record.is_frozen:
        return frozen_response(request, engagement, record)
    form = AttachmentForm(request.POST, request.FILES, auto_id=f"id_att{record.pk}_%s")
    if form.is_valid():
        try:
            services.research_attachment_add(research=record, file=form.cleaned_data["file"],
                                             caption=form.cleaned_data["caption"],
                                             by=request.user)
        except FrozenRecord as exc:
            return frozen_response(request, engagement, record, exc)
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, _("Attachment added to the site research record."))
            return redirect(_list_url(engagement, f"#site-{record.pk}"))
    messages.error(request, _("The attachment was not added: see the message under the "
                              "record."))
    return _render_list(request, engagement, failed_rid=record.pk, failed_form=form)


@firm_staff_required
def attachment_file(request, pk, attachment_pk):
    engagement = get_engagement(request, pk)
    attachment = get_object_or_404(ResearchAttachment, pk=attachment_pk, research__engagement=engagement)
    return private_file_response(attachment.file, as_attachment=False)


@firm_staff_required
def resource_research_edit(request, pk, record_pk=None):
    engagement = get_engagement(request, pk)
    if record_pk is None:
        if _closed(engagement):
            return frozen_response(request, engagement)
        record = ResourceResearch(engagement=engagement)
    else:
        record = get_object_or_404(ResourceResearch, pk=record_pk, engagement=engagement)
        record.engagement = engagement
    frozen = record.pk is not None and record.is_frozen
    if frozen and request.method == "POST":
        return frozen_response(request, engagement, record)
    form = ResourceResearchForm(request.POST or None, instance=record, firm=request.user.firm)
    if request.method == "POST" and form.is_valid():
        record = form.save(commit=False)
        try:
            with form.version_guard():
                record_save(record=record, by=request.user)
        except ValidationError as exc:
            apply_validation_error(form, exc)
        except FrozenRecord as exc:
            return frozen_response(request, engagement, record, exc)
        else:
            messages.success(request, _("Resource research record saved (clause 8.1.2)."))
            return redirect(_list_url(engagement, "#resources"))
    if frozen:
        _disable(form)
    return render(request, "delivery/record_form.html", {
        "engagement": engagement, "form": form, "record": record, "frozen": frozen,
        "clause": "8.1.2", "verbose_name": ResourceResearch._meta.verbose_name,
        "back_url": _list_url(engagement),
    })
