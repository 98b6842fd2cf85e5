from django import forms
from django.contrib.auth.forms import PasswordResetForm
from django.contrib.auth.password_validation import validate_password
from django.db import models
from django.utils.translation import gettext_lazy as _

from .models import Qualification, QualificationKind, User
from .rls import USER_BY_EMAIL, user_scope
from .versioning import VersionedFormMixin

STAFF_ROLE_CHOICES = [(User.Role.MANAGER, User.Role.MANAGER.label),
                      (User.Role.CONSULTANT, User.Role.CONSULTANT.label)]



def unused_email(value) -> str:
    """A new login's e-mail address: refused when a user already has it (any firm)."""
    email = value.strip()
    if User.objects.email_in_use(email):
        raise forms.ValidationError(_("A user with this e-mail address already exists."))
    return email


def checked_initial_password(password):
    """An optional initial password, held to the password validators when given."""
    if password:
        validate_password(password)
    return password


class StaffCreateForm(forms.Form):
    full_name = forms.CharField(label=_("Full name"), max_length=100)
    email = forms.EmailField(label=_("E-mail address"),
                             help_text=_("The staff member logs in with this address."))
    phone = forms.CharField(label=_("Phone"), max_length=50, required=False)
    role = forms.ChoiceField(
        label=_("Role"), choices=STAFF_ROLE_CHOICES, initial=User.Role.CONSULTANT,
        help_text=_("Managers run the firm (staff, settings, the admin); consultants work on "
                    "the engagements they lead or are on the working group of."))
    password = forms.CharField(
        label=_("Initial password"), required=False, widget=forms.PasswordInput,
        help_text=_("Optional. Leave empty and the staff member sets one with "
                    "“forgot password”."))

    def clean_email(self):
        return unused_email(self.cleaned_data["email"])

    def clean_password(self):
        return checked_initial_password(self.cleaned_data.get("password"))


class StaffUpdateForm(VersionedFormMixin, forms.ModelForm):
    role = forms.ChoiceField(label=_("Role"), choices=STAFF_ROLE_CHOICES)

    class Meta:
        model = User
        fields = ["full_name", "phone", "language", "role"]


class KindField(forms.ModelChoiceField):
    """The firm's list of kinds of qualification, each saying whether it counts (8.1.1)."""

    def label_from_instance(self, kind):
        if kind.safety_related:
            return _("%(kind)s (safety-related)") % {"kind": kind.label}
        if kind.awaiting_decision:
            return _("%(kind)s (awaiting a manager's decision: not counted yet)") % {
                "kind": kind.label}
        return _("%(kind)s (not safety-related)") % {"kind": kind.label}


class QualificationForm(VersionedFormMixin, forms.ModelForm):
    qualification_kind = KindField(
        label=_("Kind of certificate"), queryset=None, required=False,
        empty_label=_("Other (name it below)"),
        help_text=_("From your firm's list. A registered safety engineer certificate meets "
                    "8.2.2; a certificate of a safety-related kind valid on the day meets "
                    "8.1.1. A kind named below joins the list and counts once a manager marks "
                    "it safety-related."))

    class Meta:
        model = Qualification
        fields = ["qualification_kind", "name", "level", "specialty", "number", "valid_from",
                  "valid_until", "scan"]
        widgets = {"valid_from": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
                   "valid_until": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}

    def __init__(self, *args, firm=None, **kwargs):
        super().__init__(*args, **kwargs)
        firm_id = getattr(firm, "pk", firm) or getattr(self.instance, "firm_id", None)
        kinds = QualificationKind.objects.filter(firm_id=firm_id)
        current = self.instance.qualification_kind_id
        self.fields["qualification_kind"].queryset = kinds.filter(
            models.Q(is_active=True) | models.Q(pk=current)).order_by("order", "pk")

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("valid_from"), cleaned.get("valid_until")
        if start and end and end < start:
            self.add_error("valid_until", _("The end of validity is before its start."))
        if not cleaned.get("qualification_kind") and not cleaned.get("name"):
            self.add_error("name", _("Choose the kind of certificate, or name it (e.g. "
                                     "安全评价师)."))
        return cleaned

    def _post_clean(self):
        # The service validates the model (holder, firm, uniqueness) when it saves.
        pass


class UserPasswordResetForm(PasswordResetForm):
    """Django's reset request; the account is found before its firm is known, through the
    narrow e-mail lookup (row-level security, ``tenancy.rls``), and read in its user
    scope."""

    def get_users(self, email):
        for _firm_id, pk in USER_BY_EMAIL(email):
            with user_scope(pk):
                user = User._default_manager.filter(pk=pk, is_active=True).first()
            if user is not None and user.has_usable_password():
                yield user
