"""Forms of the consulting plan (8.3) and of the document library (8.5). Thin: the
services decide; these forms say what is wrong with the input before it gets there."""

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Div, Layout
from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from consultancy.clients.models import ClientContact
from consultancy.tenancy.models import User
from consultancy.tenancy.validators import not_in_the_future
from consultancy.tenancy.versioning import VersionedFormMixin
from contracts.models import Deliverable
from engagements.forms import DATE

from .models import ConsultingPlan, DocumentVersion, PlanMilestone, ProjectDocument

TEXT3 = forms.Textarea(attrs={"rows": 3})


def _helper():
    helper = FormHelper()
    helper.form_tag = False
    helper.disable_csrf = True
    return helper


# -- 8.3 the consulting plan -----------------------------------------------------------

PLAN_FIELDS = ["division_of_work", "schedule", "client_cooperation", "anomaly_channel",
               "emergency_handling", "training_plan", "training_not_applicable",
               "training_na_reason", "other", "change_reason"]


SINGLE_FIELD_SECTIONS = ["change_reason", "division_of_work", "schedule", "client_cooperation",
                         "other"]


class PlanForm(VersionedFormMixin, forms.ModelForm):
    """The sections of 8.3.2. Any may be saved empty (a draft); approval names the gaps.
    ``new_version``: the current version is approved, so saving makes a new version and
    the reason for the change is required."""

    class Meta:
        model = ConsultingPlan
        fields = PLAN_FIELDS
        widgets = {f: TEXT3 for f in ("division_of_work", "schedule", "client_cooperation",
                                      "anomaly_channel", "emergency_handling",
                                      "training_plan", "other", "change_reason")}

    def __init__(self, *args, new_version=False, show_change_reason=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.new_version = new_version
        reason = self.fields["change_reason"]
        if new_version:
            reason.required = True
            reason.help_text = _("Required: the approved version is kept as it is, and this "
                                 "change becomes a new version that the team approves and the "
                                 "client confirms again. Say what changed and why (e.g. the "
                                 "site changed, 9.3).")
        self.fields["training_na_reason"].help_text = _(
            "Only when training is not applicable: say why.")
        if not (new_version or show_change_reason):
            del self.fields["change_reason"]
        # The page sets these under a heading of the same name: the heading is the label
        # seen, the field keeps it for screen readers.
        for name in SINGLE_FIELD_SECTIONS:
            if name in self.fields:
                field = self.fields[name]
                field.widget.attrs["aria-label"] = str(field.label)
                field.label = ""

    def clean(self):
        data = super().clean()
        if data.get("training_not_applicable") and not (data.get("training_na_reason")
                                                         or "").strip():
            self.add_error("training_na_reason", _("Say why training is not applicable."))
        return data


class MilestoneForm(forms.ModelForm):
    class Meta:
        model = PlanMilestone
        fields = ["title", "due_date"]
        widgets = {"due_date": DATE}


class MilestoneBaseFormSet(forms.BaseFormSet):
    """Every row may be left empty (an emptied row is dropped, like a deleted one); a
    bound formset is read against nothing, so each filled row counts, whatever the
    management form says."""

    def _construct_form(self, i, **kwargs):
        kwargs.setdefault("empty_permitted", True)
        return super()._construct_form(i, **kwargs)


def milestone_formset(data=None, *, initial=None, prefix="milestones"):
    extra = 1 if initial else 3
    formset_class = forms.formset_factory(MilestoneForm, formset=MilestoneBaseFormSet,
                                          extra=extra, can_delete=True)
    return formset_class(data, initial=None if data is not None else initial, prefix=prefix)


def milestone_rows(formset):
    """The milestones the formset keeps (filled rows not marked for deletion)."""
    return [
        {"title": form.cleaned_data["title"], "due_date": form.cleaned_data["due_date"]}
        for form in formset.forms
        if form.cleaned_data.get("title") and not form.cleaned_data.get("DELETE")
    ]


class MemberField(forms.ModelMultipleChoiceField):
    """Members of our side of the working group, the lead consultant and the holders of a
    valid registered safety engineer certificate marked."""

    def __init__(self, *args, lead_id=None, rse_ids=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.lead_id, self.rse_ids = lead_id, set(rse_ids)

    def label_from_instance(self, user):
        marks = []
        if user.pk == self.lead_id:
            marks.append(str(_("lead consultant")))
        if user.pk in self.rse_ids:
            marks.append(str(_("registered safety engineer")))
        return f"{user.full_name}（{'、'.join(marks)}）" if marks else user.full_name


class PlanApproveForm(forms.Form):
    """8.3.1 "经项目小组讨论通过": the working group's discussion that passed this version:
    its date, the members of our side who took part, its conclusion, and who approves
    for the group."""

    approved_on = forms.DateField(label=_("Discussed by the working group on"),
                                  widget=DATE, validators=[not_in_the_future])
    participants = MemberField(
        label=_("Members who took part"), queryset=None, widget=forms.CheckboxSelectMultiple,
        help_text=_("Our side of the working group (8.2): at least the lead consultant and a "
                    "member holding a valid registered safety engineer certificate."))
    notes = forms.CharField(label=_("Conclusion of the discussion"),
                            widget=forms.Textarea(attrs={"rows": 3}))
    approved_by = forms.ModelChoiceField(label=_("Approved for the working group by"),
                                         queryset=None)

    def __init__(self, *args, engagement, members=None, rse_ids=(), **kwargs):
        super().__init__(*args, **kwargs)
        ids = [m.user_id for m in members] if members is not None else []
        staff = User.objects.filter(pk__in=ids).order_by("full_name")
        self.fields["participants"].queryset = staff
        self.fields["participants"].lead_id = engagement.lead_consultant_id
        self.fields["participants"].rse_ids = set(rse_ids)
        self.fields["approved_by"].queryset = staff
        self.initial.setdefault("approved_on", timezone.localdate())
        self.helper = _helper()


class ClientDateForm(forms.Form):
    """A contact of this engagement's client, and a day (not in the future)."""

    contact = forms.ModelChoiceField(label=_("Client contact"), queryset=None)
    date_field: str  # the name of the subclass's date field

    def __init__(self, *args, engagement, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["contact"].queryset = ClientContact.objects.filter(
            firm_id=engagement.firm_id, client_id=engagement.client_id, is_active=True
        ).order_by("name")
        self.initial.setdefault(self.date_field, timezone.localdate())
        self.helper = _helper()


class PlanConfirmForm(ClientDateForm):
    """8.3.1: the client's confirmation of the issued version."""

    confirmed_on = forms.DateField(label=_("Confirmed on"), widget=DATE,
                                   validators=[not_in_the_future])
    date_field = "confirmed_on"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["contact"].label = _("Confirmed by (client contact)")


class AcknowledgeForm(ClientDateForm):
    """8.5.2: the client's acknowledgement of a delivered document (recorded from paper)."""

    acknowledged_on = forms.DateField(label=_("Acknowledged on"), widget=DATE,
                                      validators=[not_in_the_future])
    date_field = "acknowledged_on"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["contact"].label = _("Acknowledged by (client contact)")


# -- 8.5 documents -----------------------------------------------------------------------

_FILE_FIELD = DocumentVersion._meta.get_field("file")


def _file_field(label):
    return forms.FileField(label=label, help_text=_FILE_FIELD.help_text,
                           validators=_FILE_FIELD.validators)


class DocumentForm(forms.ModelForm):
    """A new document of the library with its first version."""

    file = _file_field(_("File"))
    note = forms.CharField(label=_("Note"), max_length=300, required=False)

    class Meta:
        model = ProjectDocument
        fields = ["category", "title", "deliverable"]

    def __init__(self, *args, deliverables, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["deliverable"]
        field.queryset = deliverables
        field.required = False
        field.empty_label = _("— none —")
        field.help_text = _("The deliverable of the signed contract that this document "
                            "fulfils (8.5.2), if any.")
        field.label_from_instance = lambda d: f"{d.title} ({d.get_category_display()})"
        self.helper = _helper()
        self.helper.layout = Layout(
            Div(Div("category", css_class="col-md-5"), Div("title", css_class="col-md-7"),
                css_class="row"),
            "deliverable", "file", "note",
        )

    def clean(self):
        data = super().clean()
        deliverable = data.get("deliverable")
        if deliverable and data.get("category") and data["category"] != deliverable.category:
            self.add_error("category", _(
                "The deliverable “%(title)s” is in the category “%(category)s”.") % {
                    "title": deliverable.title, "category": deliverable.get_category_display()})
        return data


class VersionForm(forms.Form):
    """A new version of a document."""

    file = _file_field(_("New version"))
    note = forms.CharField(label=_("What changed"), max_length=300, required=False)
    # The latest version number on the page (0: none yet): a version added meanwhile is
    # seen before another is stored over it.
    seen_latest = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=0)

    def __init__(self, *args, latest=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["seen_latest"].initial = latest.version if latest else 0
        self.helper = _helper()


class DeliverForm(forms.Form):
    """8.5.2: which document versions are handed to the client, and when."""

    versions = forms.ModelMultipleChoiceField(
        label=_("Documents (their latest versions)"), queryset=DocumentVersion.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose the documents to deliver.")})
    delivered_on = forms.DateField(label=_("Delivered on"), widget=DATE,
                                   validators=[not_in_the_future])

    def __init__(self, *args, versions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["versions"].queryset = versions
        self.initial.setdefault("delivered_on", timezone.localdate())


def deliverable_choices(contract):
    """The deliverables a document may fulfil: those of the current signed contract."""
    if contract is None:
        return Deliverable.objects.none()
    return Deliverable.objects.filter(contract=contract).order_by("due_date", "pk")
