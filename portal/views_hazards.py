"""Hidden dangers in the portal: the client's contact reads those notified to their
company, acknowledges one and submits its rectification with photos: client acts bound
to the content they saw (its fingerprint), through the same services the staff use.
Another company's or another firm's hidden danger, or one not yet notified, is a 404."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from consultancy.documents.serving import private_file_response
from consultancy.refusals import Refusal
from consultancy.tenancy.mixins import apply_validation_error
from consultancy.tenancy.versioning import FINGERPRINT_FIELD
from hazards import services as hazard_services
from hazards.forms import RectificationForm
from hazards.models import CLIENT_VISIBLE, HiddenDanger, HiddenDangerPhoto, State

from . import selectors
from .views import portal_view


def _danger_of(contact, pk, danger_pk):
    engagement = selectors.engagement_for(contact, pk)
    danger = get_object_or_404(
        HiddenDanger.objects.select_related("criterion", "unit"), pk=danger_pk,
        engagement=engagement, firm_id=contact.firm_id, state__in=CLIENT_VISIBLE)
    danger.engagement = engagement
    return engagement, danger


def _page(request, contact, engagement, danger, form=None, status=200):
    photos = list(HiddenDangerPhoto.objects.filter(danger=danger).order_by("pk"))
    return render(request, "portal/hazard.html", {
        "contact": contact, "engagement": engagement, "danger": danger,
        "found_photos": [p for p in photos if p.stage == HiddenDangerPhoto.Stage.FOUND],
        "rectified_photos": [p for p in photos if p.stage == HiddenDangerPhoto.Stage.RECTIFIED],
        "fingerprint": hazard_services.client_fingerprint(danger),
        "form": form or (RectificationForm(initial={"rectified_on": timezone.localdate()})
                         if danger.state == State.ACKNOWLEDGED else None),
        "today": timezone.localdate(),
    }, status=status)


@require_safe
@portal_view
def hazard(request, contact, pk, danger_pk):
    engagement, danger = _danger_of(contact, pk, danger_pk)
    return _page(request, contact, engagement, danger)


@require_POST
@portal_view
def hazard_acknowledge(request, contact, pk, danger_pk):
    engagement, danger = _danger_of(contact, pk, danger_pk)
    try:
        hazard_services.danger_acknowledge(danger=danger, contact=contact, by=request.user,
                                           fingerprint=request.POST.get(FINGERPRINT_FIELD))
    except (ValidationError, Refusal) as exc:
        messages.error(request, _("Not acknowledged: %(why)s") % {
            "why": " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)})
        return redirect("portal:hazard", engagement.pk, danger.pk)
    messages.success(request, _("You acknowledged hidden danger %(number)s. Please rectify it "
                                "by the deadline and submit the rectification here.")
                     % {"number": danger.number})
    return redirect("portal:hazard", engagement.pk, danger.pk)


@require_POST
@portal_view
def hazard_submit(request, contact, pk, danger_pk):
    engagement, danger = _danger_of(contact, pk, danger_pk)
    form = RectificationForm(request.POST, request.FILES)
    if form.is_valid():
        data = form.cleaned_data
        try:
            hazard_services.danger_submit(
                danger=danger, contact=contact, by=request.user,
                fingerprint=request.POST.get(FINGERPRINT_FIELD), measures=data["measures"],
                rectified_on=data["rectified_on"], photos=data["photos"])
        except Refusal as exc:
            if not isinstance(exc, ValidationError):
                messages.error(request, str(exc))
                return redirect("portal:hazard", engagement.pk, danger.pk)
            apply_validation_error(form, exc)
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, _("Rectification submitted; the firm will verify it on "
                                        "site."))
            return redirect("portal:hazard", engagement.pk, danger.pk)
    return _page(request, contact, engagement, danger, form=form, status=400)


@require_safe
@portal_view
def hazard_photo(request, contact, pk, photo_pk):
    engagement = selectors.engagement_for(contact, pk)
    photo = get_object_or_404(HiddenDangerPhoto, pk=photo_pk, danger__engagement=engagement,
                              firm_id=contact.firm_id, danger__state__in=CLIENT_VISIBLE)
    return private_file_response(photo.file, as_attachment=False)
