from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django.views.generic import DetailView, ListView

from consultancy.activity.selectors import described
from consultancy.refusals import Refusal, answer_refusal
from consultancy.tenancy.mixins import (
    FirmScopedQuerysetMixin,
    FirmStaffRequiredMixin,
    apply_validation_error,
    firm_staff_required,
)

from . import sections, selectors, services
from .forms import ClientContactForm, ClientForm
from .models import Client, ClientContact


class ClientListView(FirmStaffRequiredMixin, ListView):
    template_name = "clients/client_list.html"
    paginate_by = 20
    context_object_name = "clients"

    def get_queryset(self):
        return selectors.client_list(
            firm=self.request.user.firm,
            search=self.request.GET.get("q", "").strip(),
            industry=self.request.GET.get("industry", ""),
            sort=self.request.GET.get("sort", "name"),
        )

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["clients"] = selectors.with_last_activity(ctx["page_obj"].object_list)
        ctx["industries"] = Client.Industry.choices
        ctx["q"] = self.request.GET.get("q", "")
        ctx["industry"] = self.request.GET.get("industry", "")
        ctx["sort"] = self.request.GET.get("sort", "name")
        ctx["sorts"] = [("name", _("Name (pinyin)")), ("-created", _("Newest first"))]
        return ctx


class ClientDetailView(FirmStaffRequiredMixin, FirmScopedQuerysetMixin, DetailView):
    model = Client
    template_name = "clients/client_detail.html"
    context_object_name = "client"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["contacts"] = Paginator(selectors.client_contacts(client=self.object),
                                    CONTACTS_PER_PAGE).get_page(
                                        self.request.GET.get("contacts_page"))
        ctx["sections"] = sections.render_context(self.object, self.request)
        return ctx


CONTACTS_PER_PAGE = 20
INVITATIONS_SHOWN = 10


def _contact(request, pk):
    return get_object_or_404(ClientContact.objects.select_related("client", "user"), pk=pk,
                             firm=request.user.firm)


@firm_staff_required
def contact_detail(request, pk):
    """A contact: their details, whether they have a portal login (and have set its
    password), and the links to set one that were sent, by whom and when."""
    contact = _contact(request, pk)
    events = described(selectors.contact_events(contact=contact)[:INVITATIONS_SHOWN])
    return render(request, "clients/contact_detail.html", {
        "contact": contact,
        "client": contact.client,
        "events": events,
        "invitations": [e for e in events if e.verb == "contact.invited"],
        "console_mail": settings.EMAIL_BACKEND.endswith("console.EmailBackend"),
    })


@firm_staff_required
@require_POST
def contact_invite(request, pk):
    contact = _contact(request, pk)
    try:
        services.client_contact_invite(contact=contact, by=request.user, request=request)
    except Refusal as exc:
        return answer_refusal(request, exc, redirect_to=contact)
    messages.success(request, _("The link to set a portal password was sent to %(email)s.")
                     % {"email": contact.user.email})
    return redirect(contact)


@firm_staff_required
def client_create(request):
    form = ClientForm(request.POST or None, firm=request.user.firm)
    if request.method == "POST" and form.is_valid():
        try:
            client = services.client_create(
                firm=request.user.firm, by=request.user, **form.cleaned_data
            )
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, _("Client %(name)s added.") % {"name": client.name})
            return redirect(client)
    return render(request, "clients/client_form.html", {"form": form})


@firm_staff_required
def client_update(request, pk):
    client = get_object_or_404(Client, pk=pk, firm=request.user.firm)
    form = ClientForm(request.POST or None, instance=client, firm=request.user.firm)
    if request.method == "POST" and form.is_valid():
        try:
            with form.version_guard():
                services.client_update(client=client, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, _("Client saved."))
            return redirect(client)
    return render(request, "clients/client_form.html", {"form": form, "client": client})


@firm_staff_required
def contact_create(request, pk):
    client = get_object_or_404(Client, pk=pk, firm=request.user.firm)
    form = ClientContactForm(request.POST or None, firm=request.user.firm)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        portal_email = data.pop("portal_email", "")
        try:
            services.client_contact_create(
                firm=request.user.firm,
                client=client,
                by=request.user,
                portal_email=portal_email,
                request=request,
                **data,
            )
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, _("Contact added."))
            return redirect(client)
    return render(request, "clients/contact_form.html", {"form": form, "client": client})


@firm_staff_required
def contact_update(request, pk):
    contact = get_object_or_404(
        ClientContact.objects.select_related("client", "user"), pk=pk, firm=request.user.firm
    )
    form = ClientContactForm(request.POST or None, instance=contact, firm=request.user.firm)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        portal_email = data.pop("portal_email", "")
        try:
            with form.version_guard():
                services.client_contact_update(
                    contact=contact,
                    by=request.user,
                    portal_email=portal_email,
                    request=request,
                    **data,
                )
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, _("Contact saved."))
            return redirect(contact)
    return render(
        request,
        "clients/contact_form.html",
        {"form": form, "client": contact.client, "contact": contact},
    )
