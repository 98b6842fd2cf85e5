import datetime

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Min, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import services
from .forms import QualificationForm, StaffCreateForm, StaffUpdateForm
from .mixins import apply_validation_error, manager_required
from .models import Qualification, QualificationKind, User

EXPIRING_WITHIN_DAYS = 60


# -- staff ----------------------------------------------------------------------------------


def _staff(request):
    return User.objects.filter(firm=request.user.firm, role__in=services.STAFF_ROLES)


def _member(request, pk):
    return get_object_or_404(_staff(request), pk=pk)


@manager_required
def staff_list(request):
    """The firm's managers and consultants, with their qualifications (8.1.1, 8.2.2)."""
    today = timezone.localdate()
    q = request.GET.get("q", "").strip()
    role = request.GET.get("role", "")
    active = request.GET.get("active", "1")
    staff = _staff(request).annotate(
        n_valid=Count("qualifications", filter=Q(qualifications__valid_until__gte=today,
                                                 qualifications__valid_from__lte=today)),
        n_rse=Count("qualifications", filter=Q(qualifications__valid_until__gte=today,
                                               qualifications__valid_from__lte=today,
                                               qualifications__kind=Qualification.Kind.RSE)),
        next_expiry=Min("qualifications__valid_until",
                        filter=Q(qualifications__valid_until__gte=today)),
    ).order_by("full_name")
    if q:
        staff = staff.filter(Q(full_name__icontains=q) | Q(email__icontains=q)
                             | Q(phone__icontains=q))
    if role in services.STAFF_ROLES:
        staff = staff.filter(role=role)
    if active in ("0", "1"):
        staff = staff.filter(is_active=active == "1")
    page = Paginator(staff, 25).get_page(request.GET.get("page"))
    return render(request, "tenancy/staff_list.html", {
        "page_obj": page, "staff": page.object_list, "q": q, "role": role, "active": active,
        "roles": [(r.value, r.label) for r in services.STAFF_ROLES],
        "soon": today + datetime.timedelta(days=EXPIRING_WITHIN_DAYS),
    })


@manager_required
def staff_create(request):
    form = StaffCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.staff_create(firm=request.user.firm, by=request.user,
                                         **form.cleaned_data)
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, _("%(name)s added to the staff.") % {"name": user})
            return redirect("staff:detail", pk=user.pk)
    return render(request, "tenancy/staff_form.html", {"form": form})


@manager_required
def staff_detail(request, pk):
    member = _member(request, pk)
    today = timezone.localdate()
    return render(request, "tenancy/staff_detail.html", {
        "member": member,
        "qualifications": member.qualifications.select_related("qualification_kind")
        .order_by("-valid_until"),
        "today": today, "soon": today + datetime.timedelta(days=EXPIRING_WITHIN_DAYS),
        "records": services.appears_in_records(member),
    })


@manager_required
def staff_update(request, pk):
    member = _member(request, pk)
    form = StaffUpdateForm(request.POST or None, instance=member)
    if request.method == "POST" and form.is_valid():
        try:
            with form.version_guard():
                services.staff_update(user=_member(request, pk), by=request.user,
                                      **{n: form.cleaned_data[n] for n in form.Meta.fields})
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("staff:detail", pk=member.pk)
    return render(request, "tenancy/staff_form.html", {"form": form, "member": member})


def _act(request, pk, service, done):
    member = _member(request, pk)
    try:
        service(user=member, by=request.user)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect("staff:detail", pk=member.pk)
    messages.success(request, done % {"name": member})
    return None


@manager_required
@require_POST
def staff_deactivate(request, pk):
    return _act(request, pk, services.staff_deactivate,
                _("%(name)s is deactivated and can no longer log in.")) or redirect(
        "staff:detail", pk=pk)


@manager_required
@require_POST
def staff_reactivate(request, pk):
    return _act(request, pk, services.staff_reactivate, _("%(name)s is active again.")) or (
        redirect("staff:detail", pk=pk))


@manager_required
@require_POST
def staff_delete(request, pk):
    return _act(request, pk, services.staff_delete, _("%(name)s is deleted.")) or redirect(
        "staff:list")


# -- qualifications -------------------------------------------------------------------------


@manager_required
def qualification_edit(request, pk, qualification_pk=None):
    member = _member(request, pk)
    qualification = None
    if qualification_pk is not None:
        qualification = get_object_or_404(Qualification, pk=qualification_pk, holder=member,
                                          firm=request.user.firm)
    form = QualificationForm(request.POST or None, request.FILES or None, instance=qualification,
                             firm=request.user.firm)
    if request.method == "POST" and form.is_valid():
        try:
            with form.version_guard():
                services.qualification_save(
                    firm=request.user.firm, by=request.user, holder=member,
                    qualification=qualification,
                    **{n: form.cleaned_data[n] for n in QualificationForm.Meta.fields})
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, _("Qualification saved."))
            return redirect("staff:detail", pk=member.pk)
    return render(request, "tenancy/qualification_form.html", {
        "form": form, "member": member, "qualification": qualification})


@manager_required
def qualification_kinds(request):
    """8.1.1: the firm's list of kinds of qualification, each safety-related or not, with
    the kinds named with an "other" certificate awaiting a manager's decision first."""
    kinds = services.qualification_kinds_for(request.user.firm)
    counts = dict(Qualification.objects.filter(firm=request.user.firm)
                  .values_list("qualification_kind").annotate(n=Count("pk")))
    for kind in kinds:
        kind.n_certificates = counts.get(kind.pk, 0)
    kinds.sort(key=lambda k: (not k.awaiting_decision, k.order, k.pk))
    return render(request, "tenancy/qualification_kinds.html", {
        "kinds": kinds, "awaiting": sum(1 for k in kinds if k.awaiting_decision)})


@manager_required
@require_POST
def qualification_kind_decide(request, kind_pk):
    kind = get_object_or_404(QualificationKind, pk=kind_pk, firm=request.user.firm)
    safety = request.POST.get("safety_related") == "1"
    try:
        services.qualification_kind_decide(firm=request.user.firm, by=request.user, kind=kind,
                                           safety_related=safety)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, (
            _("“%(kind)s” is safety-related: its certificates count for clause 8.1.1.")
            if safety else
            _("“%(kind)s” is not safety-related: its certificates do not count for clause "
              "8.1.1.")) % {"kind": kind.label})
    return redirect("staff:qualification_kinds")


@manager_required
def qualification_list(request):
    """Certificates expired, and expiring within 60 days, of active staff (8.1.1, 8.2.2)."""
    today = timezone.localdate()
    soon = today + datetime.timedelta(days=EXPIRING_WITHIN_DAYS)
    state = request.GET.get("state", "expiring")
    qs = Qualification.objects.filter(firm=request.user.firm, holder__is_active=True
                                      ).select_related("holder", "qualification_kind")
    if state == "expired":
        qs = qs.filter(valid_until__lt=today).order_by("-valid_until", "pk")
    elif state == "all":
        qs = qs.order_by("valid_until", "pk")
    else:
        state = "expiring"
        qs = qs.filter(valid_until__gte=today, valid_until__lte=soon).order_by("valid_until",
                                                                               "pk")
    kind = request.GET.get("kind", "")
    if kind in Qualification.Kind.values:
        qs = qs.filter(kind=kind)
    page = Paginator(qs, 25).get_page(request.GET.get("page"))
    return render(request, "tenancy/qualification_list.html", {
        "page_obj": page, "qualifications": page.object_list, "state": state, "kind": kind,
        "kinds": Qualification.Kind.choices, "today": today, "soon": soon,
        "days": EXPIRING_WITHIN_DAYS,
    })
