"""Clause 8 forms (research, the working group, implementation). Thin: the services do the
saving and the checks that need the database (qualifications, scores, firms)."""

import datetime
from decimal import Decimal

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Div, Field, Fieldset, Layout
from django import forms
from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from consultancy.clients.models import ClientContact
from consultancy.formats import show_date
from consultancy.tenancy.files import ATTACHMENT_TYPES, UploadValidator
from consultancy.tenancy.models import Qualification
from consultancy.tenancy.selectors import firm_staff
from consultancy.tenancy.validators import not_in_the_future
from engagements.forms import DATE, TEXT3, DatedRecordForm, FirmForm

from . import risk
from .models import (
    GuidanceLog,
    ProgressReport,
    ResourceResearch,
    RiskItem,
    SiteResearch,
    SiteUnit,
    TeamMember,
)

_ATTACHMENT_TYPES = UploadValidator(ATTACHMENT_TYPES, max_mb=15)


def validate_attachment(uploaded):
    """The model's checks (by content, not by name), with a message a site visitor
    understands."""
    try:
        _ATTACHMENT_TYPES(uploaded)
    except forms.ValidationError as exc:
        if exc.code == "file_type":
            raise forms.ValidationError(
                _("This file is neither a photo (JPEG, PNG, WebP) nor a document (PDF, Word, "
                  "Excel), whatever its name says."), code="file_type") from exc
        raise


ATTACHMENT_HELP = _("A photo (JPEG, PNG, WebP) or a document (PDF, Word, Excel); at most 15 MB.")
# On a phone, ``capture`` opens the camera directly.
PHOTO_INPUT = forms.ClearableFileInput(attrs={"accept": "image/*", "capture": "environment"})
FILE_INPUT = forms.ClearableFileInput(
    attrs={"accept": "image/*,application/pdf,.pdf,.doc,.docx,.xls,.xlsx"})


class StaffWithQualificationField(forms.ModelMultipleChoiceField):
    """The firm's staff, each labelled with the safety qualification they hold (8.1.1): a
    certificate of a kind the firm's list marks safety-related."""

    def label_from_instance(self, user):
        quals = [q for q in user.qualifications.all() if q.is_safety_related]
        if not quals:
            return _("%(name)s — no safety qualification on file") % {"name": user}
        latest = quals[0]
        return _("%(name)s — %(kind)s valid until %(until)s") % {
            "name": user, "kind": latest.kind_label,
            "until": show_date(latest.valid_until)}


def staff_with_qualifications(firm):
    return firm_staff(firm=firm).prefetch_related(
        Prefetch("qualifications", queryset=Qualification.objects.select_related(
            "qualification_kind").order_by("-valid_until")))


# -- 8.1 ------------------------------------------------------------------------------


class SiteResearchForm(DatedRecordForm):
    """8.1.1. On a new record, a first photo may be taken with the same form."""

    date_field = "researched_on"

    researchers = StaffWithQualificationField(
        label=_("Staff on site"), queryset=None, widget=forms.CheckboxSelectMultiple,
        help_text=_("Each must hold a safety qualification valid on the date on site (8.1.1)."))
    photo = forms.FileField(label=_("Photo"), required=False, widget=PHOTO_INPUT,
                            validators=[validate_attachment], help_text=ATTACHMENT_HELP)
    caption = forms.CharField(label=_("Caption of the photo"), max_length=200, required=False)

    class Meta:
        model = SiteResearch
        fields = ["researched_on", "researchers", "location", "collected", "notes"]
        widgets = {"researched_on": DATE, "collected": forms.Textarea(attrs={"rows": 4}),
                   "notes": TEXT3}

    def __init__(self, *args, with_photo=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["researchers"].queryset = staff_with_qualifications(self.firm)
        if not with_photo:
            del self.fields["photo"]
            del self.fields["caption"]

    def clean_researched_on(self):
        value = self.cleaned_data["researched_on"]
        not_in_the_future(value)
        return value


class AttachmentForm(forms.Form):
    file = forms.FileField(label=_("Photo or file"), widget=FILE_INPUT,
                           validators=[validate_attachment], help_text=ATTACHMENT_HELP)
    caption = forms.CharField(label=_("Caption"), max_length=200, required=False)


class ResourceResearchForm(DatedRecordForm):
    date_field = "researched_on"

    class Meta:
        model = ResourceResearch
        fields = ["researched_on", "resources_needed", "findings", "gaps"]
        widgets = {"researched_on": DATE, "resources_needed": TEXT3, "findings": TEXT3,
                   "gaps": TEXT3}


# -- 8.2 ------------------------------------------------------------------------------


class TeamMemberForm(forms.Form):
    """8.2: one member of the joint project team, from either side."""

    side = forms.ChoiceField(label=_("Side"), choices=TeamMember.Side.choices)
    user = forms.ModelChoiceField(label=_("Staff member (our side)"), queryset=None,
                                  required=False)
    contact = forms.ModelChoiceField(label=_("Client contact (client side)"), queryset=None,
                                     required=False)
    role = forms.CharField(label=_("Role in the team"), max_length=50,
                           help_text=_("e.g. 项目组长, 技术负责人, 客户联络人"))
    responsibilities = forms.CharField(label=_("Responsibilities and tasks"), widget=TEXT3)

    def __init__(self, *args, engagement, **kwargs):
        super().__init__(*args, **kwargs)
        # those already in the group are not offered again
        self.fields["user"].queryset = firm_staff(firm=engagement.firm_id).exclude(
            team_memberships__engagement=engagement)
        self.fields["contact"].queryset = ClientContact.objects.filter(
            firm_id=engagement.firm_id, client_id=engagement.client_id, is_active=True,
        ).exclude(team_memberships__engagement=engagement)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            "side",
            Div(Div(Field("user", wrapper_class="member-provider"), css_class="col-md-6"),
                Div(Field("contact", wrapper_class="member-client"), css_class="col-md-6"),
                css_class="row"),
            "role", "responsibilities",
        )

    def clean(self):
        data = super().clean()
        side = data.get("side")
        if side == TeamMember.Side.PROVIDER and not data.get("user"):
            self.add_error("user", _("Choose the staff member for our side."))
        if side == TeamMember.Side.CLIENT and not data.get("contact"):
            self.add_error("contact", _("Choose the client contact for the client side."))
        return data


class RseJustificationForm(forms.Form):
    """8.2.2: why an engineer whose specialty does not fit the client's industry is
    nonetheless the right one (a manager's record)."""

    holder = forms.ModelChoiceField(label=_("Registered safety engineer"), queryset=None)
    experience = forms.CharField(
        label=_("The experience that qualifies them"), widget=TEXT3,
        help_text=_("The projects and years of work in the client's industry, e.g. "
                    "“8 年建筑施工企业安全管理经验，主持 12 个危大工程项目的风险辨识”."))

    def __init__(self, *args, holders, **kwargs):
        super().__init__(*args, **kwargs)
        from consultancy.tenancy.models import User

        self.fields["holder"].queryset = User.objects.filter(pk__in=[u.pk for u in holders])
        self.helper = FormHelper()
        self.helper.form_tag = False


# -- 8.4 ------------------------------------------------------------------------------


class SiteUnitForm(FirmForm):
    """8.4: a unit or area of the client's site, listed on the register."""

    class Meta:
        model = SiteUnit
        fields = ["name", "description"]


class GuidanceLogForm(DatedRecordForm):
    date_field = "given_on"

    class Meta:
        model = GuidanceLog
        fields = ["given_on", "given_by", "topic", "advice"]
        widgets = {"given_on": DATE, "advice": forms.Textarea(attrs={"rows": 5})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["given_by"].queryset = firm_staff(firm=self.firm)


def _choice(value):
    """A stored factor (``Decimal('0.50')``) as the value of its scale (``'0.5'``)."""
    if value is None:
        return None
    text = format(Decimal(value).normalize(), "f")
    return text


class RiskItemForm(DatedRecordForm):
    """8.4: one risk, assessed by LEC (D = L × E × C) or LS (R = L × S). The factors are
    chosen from the method's scale; the score and the level are computed on saving."""

    date_field = "identified_on"

    lec_likelihood = forms.ChoiceField(label=_("L — likelihood"), required=False,
                                       choices=[("", "—"), *risk.LEC_L])
    exposure = forms.ChoiceField(label=_("E — exposure"), required=False,
                                 choices=[("", "—"), *risk.LEC_E])
    consequence = forms.ChoiceField(label=_("C — consequence"), required=False,
                                    choices=[("", "—"), *risk.LEC_C])
    ls_likelihood = forms.ChoiceField(label=_("L — likelihood"), required=False,
                                      choices=[("", "—"), *risk.LS_L])
    severity = forms.ChoiceField(label=_("S — severity"), required=False,
                                 choices=[("", "—"), *risk.LS_S])

    class Meta:
        model = RiskItem
        fields = ["identified_on", "unit", "activity", "hazard", "accident_type",
                  "existing_controls", "method", "control_level", "responsible_person",
                  "controls", "measures_responsible", "measures_due_on"]
        widgets = {"identified_on": DATE, "hazard": TEXT3, "existing_controls": TEXT3,
                   "controls": TEXT3, "method": forms.RadioSelect, "measures_due_on": DATE}
        help_texts = {
            "controls": _("Required for a major or significant risk (重大风险, 较大风险): the "
                          "measures to add or improve."),
            "measures_responsible": _("Required for a major or significant risk."),
            "measures_due_on": _("Required for a major or significant risk."),
        }

    def __init__(self, *args, engagement=None, **kwargs):
        super().__init__(*args, **kwargs)
        engagement = engagement or self.instance.engagement
        self.fields["unit"].queryset = SiteUnit.objects.filter(engagement=engagement)
        self.fields["unit"].required = True
        for name in ("activity", "accident_type", "existing_controls", "control_level",
                     "responsible_person"):
            self.fields[name].required = True
        item = self.instance
        if item.pk:
            if item.method == risk.Method.LEC:
                self.initial.update(lec_likelihood=_choice(item.likelihood),
                                    exposure=_choice(item.exposure),
                                    consequence=_choice(item.consequence))
            else:
                self.initial.update(ls_likelihood=_choice(item.likelihood),
                                    severity=_choice(item.severity))
        self.helper.layout = Layout(
            Div(Div("identified_on", css_class="col-sm-5"),
                Div("unit", css_class="col-sm-7"), css_class="row"),
            "activity",
            "hazard",
            "accident_type",
            "existing_controls",
            Field("method", wrapper_class="risk-method"),
            Fieldset(_("LEC factors"),
                     Div(Div("lec_likelihood", css_class="col-md-4"),
                         Div("exposure", css_class="col-md-4"),
                         Div("consequence", css_class="col-md-4"), css_class="row"),
                     css_id="factors-LEC", css_class="risk-factors"),
            Fieldset(_("LS factors"),
                     Div(Div("ls_likelihood", css_class="col-md-6"),
                         Div("severity", css_class="col-md-6"), css_class="row"),
                     css_id="factors-LS", css_class="risk-factors"),
            Div(Div("control_level", css_class="col-sm-5"),
                Div("responsible_person", css_class="col-sm-7"), css_class="row"),
            Fieldset(_("Control measures (重大风险 and 较大风险)"),
                     "controls",
                     Div(Div("measures_responsible", css_class="col-sm-7"),
                         Div("measures_due_on", css_class="col-sm-5"), css_class="row"),
                     css_id="risk-measures"),
        )

    def clean(self):
        data = super().clean()
        method = data.get("method")
        if method == risk.Method.LEC:
            needed = {"lec_likelihood": _("Choose L from the LEC scale."),
                      "exposure": _("Choose E from the LEC scale."),
                      "consequence": _("Choose C from the LEC scale.")}
        elif method == risk.Method.LS:
            needed = {"ls_likelihood": _("Choose L from the LS scale."),
                      "severity": _("Choose S from the LS scale.")}
        else:
            return data
        for name, message in needed.items():
            if not data.get(name) and name not in self.errors:
                self.add_error(name, message)
        return data

    def apply_factors(self, item):
        """Put the chosen factors on the item (those of the other method are cleared)."""
        data = self.cleaned_data
        if data["method"] == risk.Method.LEC:
            item.likelihood = Decimal(data["lec_likelihood"])
            item.exposure = Decimal(data["exposure"])
            item.consequence = Decimal(data["consequence"])
            item.severity = None
        else:
            item.likelihood = Decimal(data["ls_likelihood"])
            item.severity = Decimal(data["severity"])
            item.exposure = item.consequence = None
        return item


class ProgressReportForm(FirmForm):
    """8.4: progress reported to the client, for a period."""

    class Meta:
        model = ProgressReport
        fields = ["period_start", "period_end", "work_done", "issues", "next_steps"]
        widgets = {"period_start": DATE, "period_end": DATE,
                   "work_done": forms.Textarea(attrs={"rows": 4}), "issues": TEXT3,
                   "next_steps": TEXT3}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.instance.pk:
            today = timezone.localdate()
            self.initial.setdefault("period_end", today)
            self.initial.setdefault("period_start", today - datetime.timedelta(days=6))
        self.helper.layout = Layout(
            Div(Div("period_start", css_class="col-6"), Div("period_end", css_class="col-6"),
                css_class="row"),
            "work_done", "issues", "next_steps",
        )

    def clean(self):
        data = super().clean()
        start, end = data.get("period_start"), data.get("period_end")
        if start and end and start > end:
            self.add_error("period_end", _("The period ends before it starts."))
        return data
