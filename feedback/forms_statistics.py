"""The forms of the statistics archive (9.5) and of the managers' question-set page."""

import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from consultancy.tenancy.versioning import VersionedFormMixin

from .models import SatisfactionReport, SurveyQuestion
from .statistics import MONTH, presets

CUSTOM = "custom"
DEFAULT_PRESET = "last_12_months"
MAX_DAYS = 10 * 366


class StatisticsPeriodForm(forms.Form):
    """The period of the statistics: a preset (this year, last year, the last 12 months, a
    quarter) or dates of one's own; grouped by month or quarter. Read from the query
    string, so a period can be bookmarked and the CSV and the PDF take the same one."""

    preset = forms.ChoiceField(label=_("Period"), required=False)
    date_from = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(
        attrs={"type": "date"}, format="%Y-%m-%d"))
    date_to = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(
        attrs={"type": "date"}, format="%Y-%m-%d"))
    group_by = forms.ChoiceField(label=_("By"), choices=SatisfactionReport.GroupBy.choices,
                                 required=False)

    def __init__(self, data=None, *, today=None, **kwargs):
        self.today = today or timezone.localdate()
        self.presets = presets(self.today)
        if data is not None and not any(data.get(k) for k in self.base_fields):
            data = None  # a bare URL: the defaults
        super().__init__(data, **kwargs)
        self.fields["preset"].choices = [
            *[(key, label) for key, label, _start, _end in self.presets],
            (CUSTOM, _("Dates of my own")),
        ]
        if data is None:
            self.initial.update(self.default())

    def default(self) -> dict:
        for key, _label, start, end in self.presets:
            if key == DEFAULT_PRESET:
                return {"preset": key, "date_from": start, "date_to": end, "group_by": MONTH}
        raise LookupError(DEFAULT_PRESET)

    def clean(self):
        data = super().clean()
        preset = data.get("preset") or (CUSTOM if data.get("date_from") or data.get("date_to")
                                        else DEFAULT_PRESET)
        data["preset"] = preset
        data["group_by"] = data.get("group_by") or MONTH
        if preset != CUSTOM:
            for key, _label, start, end in self.presets:
                if key == preset:
                    data["date_from"], data["date_to"] = start, end
        else:
            if not data.get("date_from"):
                self.add_error("date_from", _("Give the first day of the period."))
            if not data.get("date_to"):
                self.add_error("date_to", _("Give the last day of the period."))
            start, end = data.get("date_from"), data.get("date_to")
            if start and end:
                if start > end:
                    self.add_error("date_to", _("The period ends before it starts."))
                elif (end - start) > datetime.timedelta(days=MAX_DAYS):
                    self.add_error("date_to", _("Choose a period of ten years at most."))
        return data

    def period(self) -> dict:
        """``date_from``, ``date_to``, ``group_by`` of a valid form, or the defaults."""
        if self.is_bound and self.is_valid():
            data = self.cleaned_data
        else:
            data = self.default()
        return {k: data[k] for k in ("date_from", "date_to", "group_by")}


class SurveyQuestionForm(VersionedFormMixin, forms.ModelForm):
    """Add or change one question of the firm's set (9.5)."""

    class Meta:
        model = SurveyQuestion
        fields = ["label_zh", "label_en", "kind", "code", "required", "is_active"]
        widgets = {"label_zh": forms.TextInput(), "label_en": forms.TextInput()}

    def __init__(self, *args, answered=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.answered = answered
        self.fields["code"].required = False
        self.fields["code"].help_text = _("A short name the statistics and the CSV use "
                                          "(letters, digits, _); made from the order if empty.")
        if answered:
            # Answers point at the question: its kind stays, or they would no longer fit.
            # Answers point at the question, so its wording, kind and code stay as they
            # were answered; it can be reordered, made optional or no longer asked.
            for name in ("label_zh", "label_en", "kind", "code"):
                self.fields[name].disabled = True
            self.fields["label_zh"].help_text = _(
                "This question has answers: its wording and kind stay as they were answered. "
                "To ask something else, add a new question and stop asking this one.")
