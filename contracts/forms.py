from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from consultancy.tenancy.selectors import firm_staff
from consultancy.tenancy.versioning import VersionedFormMixin
from engagements.forms import DATE

from .clauses import CLAUSES, PLACEHOLDERS, clause_field
from .models import Contract, ContractTemplate, Deliverable, PaymentInstallment

CLAUSE_FIELDS = [clause_field(k) for k, _n in CLAUSES]


class ContractForm(VersionedFormMixin, forms.ModelForm):
    """The draft's clauses and terms. Clauses may be saved empty (a draft); issuing names
    the empty ones."""

    class Meta:
        model = Contract
        fields = [*CLAUSE_FIELDS, "fee", "start_date", "end_date", "personnel",
                  "guidance_period_days", "guidance_sessions", "follow_up_visits"]
        widgets = {**{f: forms.Textarea(attrs={"rows": 4}) for f in CLAUSE_FIELDS},
                   "start_date": DATE, "end_date": DATE,
                   "personnel": forms.CheckboxSelectMultiple}

    def __init__(self, *args, firm, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["personnel"].queryset = firm_staff(firm=firm)
        for number, (key, _name) in enumerate(CLAUSES, start=1):
            field = self.fields[clause_field(key)]
            field.label = _("Article %(n)d. %(name)s") % {"n": number, "name": field.label}

    def clean(self):
        data = super().clean()
        start, end = data.get("start_date"), data.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", _("The end date is before the start date."))
        return data


class DeliverableRowForm(forms.ModelForm):
    class Meta:
        model = Deliverable
        fields = ["category", "title", "description", "due_date"]
        widgets = {"due_date": DATE}


class InstallmentRowForm(forms.ModelForm):
    class Meta:
        model = PaymentInstallment
        fields = ["description", "amount", "due_date"]
        widgets = {"due_date": DATE}


DeliverableFormSet = forms.formset_factory(DeliverableRowForm, extra=1, can_delete=True)
InstallmentFormSet = forms.formset_factory(InstallmentRowForm, extra=1, can_delete=True)


def formset_rows(formset):
    return [
        {k: v for k, v in form.cleaned_data.items() if k != "DELETE"}
        for form in formset.forms
        if form.cleaned_data and not form.cleaned_data.get("DELETE")
    ]


class SignForm(VersionedFormMixin, forms.Form):
    """Clause 7: both sides' signatures and the signed copy, on the version of the
    contract the page showed (``versioned=``): a contract changed meanwhile is not signed."""

    firm_signatory = forms.ModelChoiceField(label=_("Signed for us by"), queryset=None)
    firm_signed_on = forms.DateField(label=_("We signed on"), widget=DATE)
    client_signatory = forms.CharField(label=_("Signed for the client by"), max_length=100)
    client_signed_on = forms.DateField(label=_("The client signed on"), widget=DATE)
    signed_copy = forms.FileField(
        label=_("Signed copy"),
        help_text=Contract._meta.get_field("signed_copy").help_text,
        validators=Contract._meta.get_field("signed_copy").validators,
    )

    def __init__(self, *args, firm, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["firm_signatory"].queryset = firm_staff(firm=firm)
        self.initial.setdefault("firm_signed_on", timezone.localdate())
        self.initial.setdefault("client_signed_on", timezone.localdate())


class ContractTemplateForm(VersionedFormMixin, forms.ModelForm):
    class Meta:
        model = ContractTemplate
        fields = [f for k, _n in CLAUSES for f in (clause_field(k), clause_field(k) + "_en")]
        widgets = {f: forms.Textarea(attrs={"rows": 4}) for k, _n in CLAUSES
                   for f in (clause_field(k), clause_field(k) + "_en")}

    placeholders = PLACEHOLDERS
