from crispy_forms.helper import FormHelper
from crispy_forms.layout import Div, Fieldset, Layout
from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from consultancy.clients.models import Client, ClientContact
from consultancy.tenancy.selectors import firm_staff
from consultancy.tenancy.validators import not_in_the_future
from consultancy.tenancy.versioning import VersionedFormMixin

from .models import (
    CommunicationRecord,
    Engagement,
    ExchangeRecord,
    NeedsAssessment,
    ProjectFramework,
    ServiceType,
    SiteVisit,
)

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TEXT3 = forms.Textarea(attrs={"rows": 3})


class FirmForm(VersionedFormMixin, forms.ModelForm):
    """A ModelForm whose choices are limited to the firm (``firm`` kwarg); an edit carries
    the version it was opened on."""

    def __init__(self, *args, firm, **kwargs):
        super().__init__(*args, **kwargs)
        self.firm = firm
        self.helper = FormHelper()
        self.helper.form_tag = False
        # a layout names only the visible fields: the version the form carries is hidden
        self.helper.render_hidden_fields = True


def service_type_field(firm, current=None, **kwargs) -> forms.ModelChoiceField:
    """A choice of the firm's service types that it offers (and ``current``); the posted
    value is the type's code."""
    from django.db.models import Q

    offered = Q(is_active=True) | Q(pk=current) if current else Q(is_active=True)
    kwargs.setdefault("label", _("Service type"))
    return forms.ModelChoiceField(
        queryset=ServiceType.objects.filter(offered, firm=firm).order_by("position", "pk"),
        to_field_name="code", **kwargs)


class EngagementForm(FirmForm):
    # 6.1: a change of origin (during the needs analysis only) says why; it is logged.
    origin_change_reason = forms.CharField(
        label=_("Why the origin changes"), required=False, widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Only when you change the origin: a proactive engagement needs a site "
                    "visit (6.1), one the client asked for does not."))

    class Meta:
        model = Engagement
        fields = ["client", "title", "service_type", "origin", "lead_consultant", "consultants",
                  "description"]
        widgets = {"consultants": forms.CheckboxSelectMultiple, "description": TEXT3}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["client"].queryset = Client.objects.filter(firm=self.firm).order_by("name")
        # the firm's list: the types it offers, and the one the engagement already names
        self.fields["service_type"] = service_type_field(
            self.firm, current=self.instance.service_type_id if self.instance.pk else None)
        if self.instance.pk:
            self.initial["service_type"] = self.instance.service_type.code
        staff = firm_staff(firm=self.firm)
        self.fields["lead_consultant"].queryset = staff
        self.fields["consultants"].queryset = staff
        if not self.instance.pk:
            del self.fields["origin_change_reason"]
        elif self.instance.stage != "needs_analysis":
            self.fields["client"].disabled = True
            self.fields["origin"].disabled = True
            self.fields["origin"].help_text = _(
                "Fixed once the needs analysis is passed (clause 6.1).")
            del self.fields["origin_change_reason"]
        else:
            # the field follows the origin in the form
            order = list(self.fields)
            order.remove("origin_change_reason")
            order.insert(order.index("origin") + 1, "origin_change_reason")
            self.order_fields(order)


class NeedsAssessmentForm(FirmForm):
    """Clause 5. Every field may be left empty: an incomplete assessment is a draft."""

    class Meta:
        model = NeedsAssessment
        fields = [
            f"{dim}_{part}" for dim, _label in NeedsAssessment.DIMENSIONS
            for part in ("finding", "verdict")
        ] + ["budget_min", "budget_max", "other_finding", "other_verdict", "measures",
             "assessor", "assessed_on", "decision", "decision_reasons"]
        widgets = {
            **{f"{dim}_finding": forms.Textarea(attrs={"rows": 2})
               for dim, _label in NeedsAssessment.DIMENSIONS + [("other", "")]},
            "measures": TEXT3, "decision_reasons": TEXT3, "assessed_on": DATE,
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assessor"].queryset = firm_staff(firm=self.firm)
        for name, field in self.fields.items():
            if name.endswith("_finding"):
                field.label = _("Finding")
            elif name.endswith("_verdict"):
                field.label = _("Verdict")
        dims = [
            Fieldset(
                label,
                Div(Div(f"{dim}_finding", css_class="col-md-9"),
                    Div(f"{dim}_verdict", css_class="col-md-3"), css_class="row"),
                *([Div(Div("budget_min", css_class="col-6"), Div("budget_max", css_class="col-6"),
                       css_class="row")] if dim == "budget" else []),
            )
            for dim, label in NeedsAssessment.DIMENSIONS
        ]
        self.helper.layout = Layout(
            *dims,
            Fieldset(_("Other (optional)"),
                     Div(Div("other_finding", css_class="col-md-9"),
                         Div("other_verdict", css_class="col-md-3"), css_class="row")),
            Fieldset(_("Measures and decision"), "measures",
                     Div(Div("assessor", css_class="col-md-6"),
                         Div("assessed_on", css_class="col-md-6"), css_class="row"),
                     "decision", "decision_reasons"),
        )


class DatedRecordForm(FirmForm):
    """A record of something that happened on a day: the day defaults to today."""

    date_field = "held_on"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.instance.pk and not self.initial.get(self.date_field):
            self.initial[self.date_field] = timezone.localdate()


class SiteVisitForm(DatedRecordForm):
    date_field = "visited_on"

    class Meta:
        model = SiteVisit
        fields = ["visited_on", "visitors", "client_people", "findings", "need_exists", "notes"]
        widgets = {"visited_on": DATE, "visitors": forms.CheckboxSelectMultiple,
                   "findings": TEXT3, "notes": TEXT3}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["visitors"].queryset = firm_staff(firm=self.firm)


class CommunicationRecordForm(DatedRecordForm):
    class Meta:
        model = CommunicationRecord
        fields = ["held_on", "channel", "participants", "basic_situation", "explicit_needs",
                  "latent_needs"]
        widgets = {"held_on": DATE, "basic_situation": TEXT3, "explicit_needs": TEXT3,
                   "latent_needs": TEXT3}


class ExchangeRecordForm(DatedRecordForm):
    class Meta:
        model = ExchangeRecord
        fields = ["held_on", "participants", "objectives", "main_content",
                  "implementation_approach", "rights_and_obligations"]
        widgets = {"held_on": DATE, "objectives": TEXT3, "main_content": TEXT3,
                   "implementation_approach": TEXT3, "rights_and_obligations": TEXT3}


class ProjectFrameworkForm(FirmForm):
    class Meta:
        model = ProjectFramework
        fields = ["objectives", "scope", "approach", "timetable", "budget"]
        widgets = {"objectives": TEXT3, "scope": TEXT3, "approach": TEXT3, "timetable": TEXT3}


class FrameworkConfirmForm(forms.Form):
    contact = forms.ModelChoiceField(label=_("Client contact who confirmed"), queryset=None)
    confirmed_on = forms.DateField(label=_("Confirmed on"), widget=DATE,
                                   validators=[not_in_the_future])

    def __init__(self, *args, engagement, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["contact"].queryset = ClientContact.objects.filter(
            firm_id=engagement.firm_id, client_id=engagement.client_id, is_active=True
        )
        self.initial.setdefault("confirmed_on", timezone.localdate())

class EngagementFilterForm(forms.Form):
    """The list's filters. The client and consultant menus are plain choices read in one
    query each (ids and names only), not model choice fields, whose menus cost a count and
    a query of whole rows each, every time the list is shown (docs/performance.md)."""

    q = forms.CharField(label=_("Search"), required=False)
    stage = forms.ChoiceField(label=_("Stage"), required=False)
    client = forms.ChoiceField(label=_("Client"), required=False)
    consultant = forms.ChoiceField(label=_("Consultant"), required=False)
    service_type = forms.ChoiceField(label=_("Service type"), required=False)

    def __init__(self, *args, firm, **kwargs):
        super().__init__(*args, **kwargs)
        from .stages import Stage

        self.fields["stage"].choices = [("", _("All stages")), *Stage.choices]
        # callables: each menu is read when it is shown or a value is checked, not when the
        # form is built (the dashboard shows the stage and the service type only)
        self.fields["service_type"].choices = lambda: [
            ("", _("All service types")),
            *((t.code, t.label) for t in
              ServiceType.objects.filter(firm=firm).order_by("position", "pk"))]
        self.fields["client"].choices = lambda: [
            ("", _("All clients")),
            *Client.objects.filter(firm=firm).order_by("name").values_list("pk", "name")]
        self.fields["consultant"].choices = lambda: [
            ("", _("All consultants")),
            *((pk, name or email) for pk, name, email in
              firm_staff(firm=firm).values_list("pk", "full_name", "email"))]

    def filter(self, qs):
        from django.db.models import Exists, OuterRef, Q

        if not self.is_valid():
            return qs
        data = self.cleaned_data
        if data["q"]:
            q = data["q"].strip()
            qs = qs.filter(Q(number__icontains=q) | Q(title__icontains=q)
                           | Q(client__name__icontains=q))
        if data["stage"]:
            qs = qs.filter(stage=data["stage"])
        if data["client"]:
            qs = qs.filter(client_id=data["client"])
        if data["consultant"]:
            user_id = data["consultant"]
            assigned = Engagement.consultants.through.objects.filter(
                engagement_id=OuterRef("pk"), user_id=user_id)
            qs = qs.filter(Q(lead_consultant_id=user_id) | Q(Exists(assigned)))
        if data["service_type"]:
            qs = qs.filter(service_type__code=data["service_type"])
        return qs


class TransitionForm(forms.Form):
    expected_stage = forms.CharField(widget=forms.HiddenInput)
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    reason = forms.CharField(label=_("Reason"), required=False,
                             widget=forms.Textarea(attrs={"rows": 2}))


class OpenedOnForm(VersionedFormMixin, forms.Form):
    """A manager sets the engagement's opening date earlier, for imported history."""

    opened_on = forms.DateField(label=_("Opened on"), widget=DATE,
                                validators=[not_in_the_future])
    reason = forms.CharField(
        label=_("Why it opened earlier"), widget=TEXT3,
        help_text=_("E.g. the project was run before it was entered here, and its files start "
                    "on that day. The change and the reason are logged."))

    def __init__(self, *args, engagement, **kwargs):
        super().__init__(*args, versioned=engagement, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.render_hidden_fields = True
        self.initial.setdefault("opened_on", engagement.opened_on)


class BlockerApprovalForm(VersionedFormMixin, forms.Form):
    """Clause 5: a manager approves proceeding despite a "blocker" verdict. Bound to the
    version of the assessment the manager read."""

    reason = forms.CharField(
        label=_("Why the engagement may proceed"), widget=TEXT3,
        help_text=_("Your decision is recorded with your name and the time, and shown in "
                    "the engagement's dossier."))

    def __init__(self, *args, assessment, **kwargs):
        super().__init__(*args, versioned=assessment, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.render_hidden_fields = True
