"""8.2 the working group: a joint project team of both sides (8.2.1), our side staffed
with registered safety engineers (8.2.2), each member's responsibilities made clear."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from consultancy.tenancy.mixins import firm_staff_required
from engagements.models import FrozenRecord
from engagements.stages import Stage

from .. import selectors, services
from ..forms import RseJustificationForm, TeamMemberForm
from ..models import RseJustification, TeamMember
from .common import apply_validation_error, frozen_response, get_engagement

RSE_WARNING_DAYS = 60


def _closed(engagement):
    return engagement.is_ended or engagement.has_passed(Stage.DELIVERY)


@firm_staff_required
def team_page(request, pk):
    engagement = get_engagement(request, pk)
    closed = _closed(engagement)
    if closed and request.method == "POST":
        return frozen_response(request, engagement)
    form = TeamMemberForm(request.POST or None, engagement=engagement,
                          initial={"side": TeamMember.Side.PROVIDER})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            member = services.team_member_add(
                engagement=engagement, by=request.user, side=data["side"],
                user=data["user"], contact=data["contact"], role=data["role"],
                responsibilities=data["responsibilities"])
        except FrozenRecord as exc:
            return frozen_response(request, engagement, None, exc)
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, _("%(person)s joined the working group (clause 8.2).")
                             % {"person": member.person})
            return redirect(reverse("delivery:team", args=[engagement.pk]) + f"#m{member.pk}")

    return _team_page(request, engagement, form=form, closed=closed)


def _team_page(request, engagement, *, form=None, justify_form=None, closed=False):
    members = selectors.team_with_certificates(engagement)
    provider = [m for m in members if m.side == TeamMember.Side.PROVIDER]
    client_side = [m for m in members if m.side == TeamMember.Side.CLIENT]
    fit = services.rse_fit(engagement, provider)
    justifications = list(RseJustification.objects.filter(engagement=engagement)
                          .select_related("holder", "created_by"))
    justified = {j.holder_id for j in justifications}
    for m in provider:
        m.rse_warning = m.valid_rse is not None and m.rse_expires_in <= RSE_WARNING_DAYS
        m.rse_expired = m.valid_rse is None and bool(m.rse_certificates)
        m.rse_fits = fit.get(m.user_id)
        m.rse_justified = m.user_id in justified
    fitting = any(fit.values()) or any(uid in justified for uid in fit)
    problems = []
    if not client_side:
        problems.append(("8.2.1", _("The working group has no member from the client's side.")))
    if not provider:
        problems.append(("8.2.1", _("The working group has no member from our side.")))
    if not any(m.valid_rse for m in provider):
        problems.append(("8.2.2", _("No member of our side holds a registered safety engineer "
                                    "certificate valid today.")))
    elif not fitting:
        problems.append(("8.2.2", _(
            "No registered safety engineer of our side has a specialty that fits the client's "
            "industry (%(industry)s): a manager records the experience that qualifies one of "
            "them, or one whose specialty fits joins the group.") % {
                "industry": engagement.client.get_industry_display()}))
    holders = [m.user for m in provider if m.user_id in fit]
    if (justify_form is None and not closed and holders and not fitting
            and request.user.is_manager):
        justify_form = RseJustificationForm(holders=holders)
    return render(request, "delivery/team.html", {
        "engagement": engagement, "provider": provider, "client_side": client_side,
        "problems": problems, "form": form, "closed": closed,
        "warning_days": RSE_WARNING_DAYS, "justifications": justifications,
        "justify_form": justify_form if not closed else None, "fitting": fitting,
    }, status=200)


@firm_staff_required
@require_POST
def rse_justify(request, pk):
    """8.2.2: a manager records why an engineer of our side fits the client."""
    engagement = get_engagement(request, pk)
    if _closed(engagement):
        return frozen_response(request, engagement)
    provider = [m for m in selectors.team_with_certificates(engagement)
                if m.side == TeamMember.Side.PROVIDER]
    fit = services.rse_fit(engagement, provider)
    form = RseJustificationForm(request.POST, holders=[m.user for m in provider
                                                       if m.user_id in fit])
    if form.is_valid():
        try:
            services.rse_justification_save(engagement=engagement, by=request.user,
                                            holder=form.cleaned_data["holder"],
                                            experience=form.cleaned_data["experience"])
        except FrozenRecord as exc:
            return frozen_response(request, engagement, None, exc)
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, _("The justification is recorded (clause 8.2.2); the "
                                        "dossier shows it."))
            return redirect(reverse("delivery:team", args=[engagement.pk]) + "#rse-fit")
    return _team_page(request, engagement, form=TeamMemberForm(
        engagement=engagement, initial={"side": TeamMember.Side.PROVIDER}),
        justify_form=form)


@firm_staff_required
@require_POST
def member_remove(request, pk, member_pk):
    engagement = get_engagement(request, pk)
    member = get_object_or_404(TeamMember.objects.select_related("user", "contact"), pk=member_pk,
                               engagement=engagement)
    member.engagement = engagement
    try:
        services.team_member_remove(member=member, by=request.user)
    except FrozenRecord as exc:
        return frozen_response(request, engagement, member, exc)
    messages.success(request, _("%(person)s left the working group.") % {"person": member.person})
    return redirect("delivery:team", engagement.pk)
