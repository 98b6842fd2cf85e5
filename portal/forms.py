from django import forms
from django.utils.translation import gettext_lazy as _

from feedback.models import ClientAcceptance


class AcceptanceForm(forms.Form):
    """Evaluation: the client's verdict on the delivered results."""

    verdict = forms.ChoiceField(label=_("Your verdict"), choices=ClientAcceptance.Verdict.choices,
                                widget=forms.RadioSelect)
    reasons = forms.CharField(
        label=_("Reservations or reasons"), required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required unless you accept the results without reservations."))

    def clean(self):
        data = super().clean()
        if (data.get("verdict") and data["verdict"] != ClientAcceptance.Verdict.ACCEPTED
                and not (data.get("reasons") or "").strip()):
            self.add_error("reasons", _("Give your reservations or the reasons for not "
                                        "accepting the results."))
        return data


class ComplaintForm(forms.Form):
    """9.4: a complaint filed by the client through the portal."""

    engagement = forms.ModelChoiceField(
        label=_("About the engagement"), queryset=None, required=False,
        empty_label=_("In general (no particular engagement)"))
    description = forms.CharField(label=_("What happened"), widget=forms.Textarea(attrs={"rows": 5}),
                                  max_length=5000)
    remedy_sought = forms.CharField(label=_("What you would like us to do"), required=False,
                                    widget=forms.Textarea(attrs={"rows": 3}), max_length=3000)
    safety_related = forms.BooleanField(
        label=_("It concerns safety at our site"), required=False,
        help_text=_("Safety-related complaints are handled first."))
    phone_or_email = forms.CharField(label=_("How we reach you"), max_length=200, required=False,
                                     help_text=_("Your phone or e-mail for the answer."))

    def __init__(self, *args, engagements, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["engagement"].queryset = engagements
        self.fields["engagement"].label_from_instance = lambda e: f"{e.number} {e.title}"


class ComplaintReplyForm(forms.Form):
    """9.4: the complainant's reply to the firm's written answer: whether they accept it,
    and how they rate the handling of their complaint."""

    accepts = forms.TypedChoiceField(
        label=_("Do you accept the answer?"), widget=forms.RadioSelect,
        choices=[("yes", _("Yes, I accept it")), ("no", _("No, I do not accept it"))],
        coerce=lambda value: value == "yes")
    handling_rating = forms.TypedChoiceField(
        label=_("How do you rate the way your complaint was handled?"), coerce=int,
        widget=forms.RadioSelect, choices=[
            (5, _("5 – very good")), (4, _("4 – good")), (3, _("3 – acceptable")),
            (2, _("2 – poor")), (1, _("1 – very poor"))])
    comment = forms.CharField(
        label=_("Comment"), required=False, max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required if you do not accept the answer: say why, so that the firm can "
                    "reconsider it."))

    def clean(self):
        data = super().clean()
        if data.get("accepts") is False and not (data.get("comment") or "").strip():
            self.add_error("comment", _("Say why you do not accept the answer, so that the "
                                        "firm can reconsider it."))
        return data
