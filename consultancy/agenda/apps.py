from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AgendaConfig(AppConfig):
    """The calendar: follow-up visits, guidance-period ends, complaint deadlines, plan
    milestones and contract dates of the user's engagements (and, for managers, the
    firm's), on a page and in a private iCalendar feed per user."""

    name = "consultancy.agenda"
    label = "agenda"
    verbose_name = _("Calendar")

    def ready(self):
        from consultancy.activity import verbs

        verbs.register_all({
            "calendar_feed.created": _("%(actor)s made a new private calendar link"),
            "calendar_feed.revoked": _("%(actor)s revoked their private calendar link"),
            "chat_webhook.saved": _("%(actor)s set a chat group robot (%(platform)s)"),
            "chat_webhook.removed": _("%(actor)s removed a chat group robot (%(platform)s)"),
            "chat_webhook.tested": _("%(actor)s sent a chat group robot a test message "
                                     "(%(platform)s)"),
        })
