from django import forms
from django.utils.translation import gettext_lazy as _

from consultancy.notifications.chat import is_allowed
from consultancy.notifications.models import ChatWebhook


class ChatWebhookForm(forms.Form):
    url = forms.URLField(label=_("Robot's webhook address"), max_length=500,
                         assume_scheme="https")
    secret = forms.CharField(label=_("Signing secret (加签)"), max_length=200, required=False,
                             help_text=_("DingTalk: the secret shown when “加签” is chosen "
                                         "(it starts with SEC)."))
    is_active = forms.BooleanField(label=_("Send to it"), required=False, initial=True)

    def __init__(self, *args, platform, **kwargs):
        self.platform = platform
        super().__init__(*args, **kwargs)
        if platform != ChatWebhook.Platform.DINGTALK:
            del self.fields["secret"]

    def clean_url(self):
        url = self.cleaned_data["url"].strip()
        if not is_allowed(self.platform, url):
            if self.platform == ChatWebhook.Platform.DINGTALK:
                raise forms.ValidationError(_("A DingTalk robot's address starts with "
                                              "https://oapi.dingtalk.com/robot/send?access_token="))
            raise forms.ValidationError(_("A WeChat Work robot's address starts with "
                                          "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key="))
        return url

    def clean_secret(self):
        secret = self.cleaned_data.get("secret", "").strip()
        if secret and not secret.startswith("SEC"):
            raise forms.ValidationError(_("A DingTalk signing secret starts with SEC."))
        return secret
