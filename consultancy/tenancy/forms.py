from django import forms
from django.contrib.auth.forms import PasswordResetForm
from django.contrib.auth.password_validation import validate_password
from django.utils.translation import gettext_lazy as _

from .models import Qualification, User
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


class QualificationForm(VersionedFormMixin, forms.ModelForm):
    class Meta:
        model = Qualification
        fields = ["kind", "name", "level", "specialty", "number", "valid_from", "valid_until",
                  "scan"]
        widgets = {"valid_from": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
                   "valid_until": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}
        help_texts = {
            "kind": _("A registered safety engineer certificate meets 8.2.2; any safety "
                      "qualification valid on the day meets 8.1.1."),
        }

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("valid_from"), cleaned.get("valid_until")
        if start and end and end < start:
            self.add_error("valid_until", _("The end of validity is before its start."))
        if cleaned.get("kind") == Qualification.Kind.OTHER and not cleaned.get("name"):
            self.add_error("name", _("Name the qualification, e.g. 安全评价师."))
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
