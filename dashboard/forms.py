from django import forms
from django.utils.translation import gettext_lazy as _

from consultancy.tenancy.versioning import VersionedFormMixin
from feedback.models import FeedbackSettings


class FeedbackSettingsForm(VersionedFormMixin, forms.ModelForm):
    """Clause 9.4 time limits and 9.5 survey settings (feedback.services saves them)."""

    class Meta:
        model = FeedbackSettings
        fields = ["survey_required", "survey_link_valid_days", "survey_reminder_after_days",
                  "working_days", "acknowledge_days", "assess_days", "investigate_days",
                  "respond_days", "close_days", "visit_reminder_days"]
        help_texts = {"survey_required": _("Clause 9.5 says the provider should run a survey; "
                                           "unticked, its requirement is always met.")}


class RiskThresholdsForm(VersionedFormMixin, forms.Form):
    """Clause 8.4 risk level thresholds. A plain form over the model's fields:
    delivery.services.risk_settings_update checks their order and explains it."""

    def __init__(self, *args, instance, **kwargs):
        from delivery.models import RiskSettings
        from delivery.services import RISK_THRESHOLD_FIELDS

        initial = {name: getattr(instance, name) for name in RISK_THRESHOLD_FIELDS}
        super().__init__(*args, initial=initial, versioned=instance, **kwargs)
        for name in RISK_THRESHOLD_FIELDS:
            self.fields[name] = RiskSettings._meta.get_field(name).formfield(min_value=0)
