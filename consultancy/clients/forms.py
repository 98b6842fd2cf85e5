from django import forms
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from consultancy.tenancy.versioning import VersionedFormMixin

from .models import Client, ClientContact
from .validators import normalize_uscc


class ClientForm(VersionedFormMixin, forms.ModelForm):
    class Meta:
        model = Client
        fields = ["name", "uscc", "industry", "size", "address", "phone", "notes"]
        widgets = {"notes": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, firm=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.firm = firm
        self.fields["uscc"].widget.attrs.update(
            {"autocapitalize": "characters", "spellcheck": "false", "maxlength": 18}
        )

    def clean_uscc(self):
        code = normalize_uscc(self.cleaned_data["uscc"])
        clash = Client.objects.filter(firm=self.firm, uscc=code)
        if self.instance.pk:
            clash = clash.exclude(pk=self.instance.pk)
        existing = clash.first()
        if existing is not None:
            raise forms.ValidationError(format_html(
                '{} <a href="{}" class="existing-client">{}</a>',
                _("Your firm already has a client with this code:"),
                existing.get_absolute_url(), existing.name))
        return code


class ClientContactForm(VersionedFormMixin, forms.ModelForm):
    portal_email = forms.EmailField(
        label=_("Portal login e-mail"),
        required=False,
        help_text=_(
            "Optional. The contact receives a link to set a password for the client portal."
        ),
    )

    class Meta:
        model = ClientContact
        fields = ["name", "position", "phone", "email", "is_active"]

    def __init__(self, *args, firm=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.firm = firm
        if self.instance.pk and self.instance.user_id:
            del self.fields["portal_email"]
