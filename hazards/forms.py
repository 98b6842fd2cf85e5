"""The forms of hidden dangers: the record form (one short form on a phone, photos from
the camera), the verification, the client's refusal, and the client's rectification
(used by the portal)."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from consultancy.tenancy.files import PHOTO_TYPES, UploadValidator
from delivery.models import RiskItem, SiteUnit
from engagements.forms import DATE, TEXT3

from .models import Grade, HiddenDanger, MajorHazardCriterion, industry_of

MAX_PHOTOS = 8
_PHOTO = UploadValidator(PHOTO_TYPES, max_mb=15)


class PhotosInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    """Several photos at once (a phone's gallery or camera), each checked by content."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", PhotosInput(attrs={"accept": "image/*", "multiple": True}))
        kwargs.setdefault("help_text", _("Photos (JPEG, PNG, WebP), at most 15 MB each."))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else ([data] if data else [])
        if not files and self.required:
            raise forms.ValidationError(self.error_messages["required"], code="required")
        if len(files) > MAX_PHOTOS:
            raise forms.ValidationError(_("At most %(n)d photos at once."),
                                        params={"n": MAX_PHOTOS}, code="too_many")
        cleaned = []
        for upload in files:
            upload = super().clean(upload, initial)
            try:
                _PHOTO(upload)
            except forms.ValidationError as exc:
                raise forms.ValidationError(
                    _("“%(name)s”: %(why)s"),
                    params={"name": upload.name, "why": " ".join(exc.messages)},
                    code=exc.code) from exc
            cleaned.append(upload)
        return cleaned


class CriterionField(forms.ModelChoiceField):
    def label_from_instance(self, criterion):
        return f"{criterion.code} {criterion.text}"


class HiddenDangerForm(forms.ModelForm):
    """Recording a hidden danger on site: the short form of a phone."""

    photos = PhotosField(label=_("Photos"), required=False)

    # One hand on site: where, a photo, what; then the grade and the rest.
    field_order = ["unit", "location", "photos", "description", "grade", "criterion", "category",
                   "subtype", "deadline", "responsible_person", "recommendation", "basis",
                   "source", "found_on", "risk_item"]

    class Meta:
        model = HiddenDanger
        fields = ["unit", "location", "description", "grade", "criterion", "category", "subtype",
                  "deadline", "responsible_person", "recommendation", "basis", "source",
                  "found_on", "risk_item"]
        widgets = {"found_on": DATE, "deadline": DATE, "description": TEXT3,
                   "recommendation": TEXT3, "basis": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, engagement, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.engagement = engagement
        industry = industry_of(engagement.client)
        criteria = self.fields["criterion"]
        self.fields["criterion"] = CriterionField(
            queryset=MajorHazardCriterion.objects.filter(
                firm_id=engagement.firm_id, industry=industry, active=True).order_by("pk"),
            required=False, label=criteria.label, help_text=criteria.help_text)
        self.fields["risk_item"].queryset = RiskItem.objects.filter(
            engagement=engagement).order_by("-score", "pk")
        self.fields["unit"].queryset = SiteUnit.objects.filter(
            engagement=engagement).order_by("pk")
        self.fields["found_on"].initial = timezone.localdate()
        self.fields["grade"].widget = forms.RadioSelect(choices=Grade.choices)
        for name in ("location", "responsible_person"):
            self.fields[name].widget.attrs["autocomplete"] = "off"


class VerifyForm(forms.Form):
    passed = forms.TypedChoiceField(
        label=_("Result of the verification on site"), coerce=lambda v: v == "1",
        choices=[("1", _("Passed: close it")),
                 ("0", _("Not passed: back to rectification"))],
        widget=forms.RadioSelect)
    note = forms.CharField(label=_("What was seen (the reason, when not passed)"),
                           widget=TEXT3, required=False, max_length=4000)


class RefusalForm(forms.Form):
    reason = forms.CharField(label=_("The client's reason for refusing"), widget=TEXT3,
                             max_length=4000)
    advice = forms.CharField(label=_("Our advice to the client"), widget=TEXT3, max_length=4000)
    informed_in_writing_on = forms.DateField(
        label=_("Client informed in writing on"), widget=DATE, required=False,
        help_text=_("Required for a major hidden danger (the hand-over gate asks for it)."))


class PhotoForm(forms.Form):
    photos = PhotosField(label=_("Photos"))


class RectificationForm(forms.Form):
    """The client's rectification, in the portal."""

    measures = forms.CharField(label=_("Rectification measures taken"), widget=TEXT3,
                               max_length=4000)
    rectified_on = forms.DateField(label=_("Rectified on"), widget=DATE)
    photos = PhotosField(label=_("Photos of the rectified site"))


class CriterionForm(forms.ModelForm):
    """A manager adds a criterion to the firm's list."""

    class Meta:
        model = MajorHazardCriterion
        fields = ["industry", "code", "text", "source"]
        widgets = {"text": TEXT3}
