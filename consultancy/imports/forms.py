from django import forms
from django.utils.translation import gettext_lazy as _


class UploadForm(forms.Form):
    kind = forms.ChoiceField(label=_("What the file holds"), widget=forms.RadioSelect)
    file = forms.FileField(
        label=_("Excel or CSV file"),
        help_text=_("An Excel workbook (.xlsx, its first sheet) or a CSV file (UTF-8 or GBK), "
                    "at most 5 MB and 5,000 rows. The first row names the columns."))

    def __init__(self, *args, kinds, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [(k.key, k.label) for k in kinds]
        if len(kinds) == 1:
            self.fields["kind"].initial = kinds[0].key
