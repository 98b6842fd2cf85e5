from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.utils import translation
from django.utils.translation import gettext as _

from consultancy.tenancy.scoping import firm_scope


@shared_task
def notify_stage_changed(firm_id: int, transition_id: int) -> int:
    """Tell the engagement's consultants that it moved to another stage. Returns the number
    of people told."""
    from .models import StageTransition

    with firm_scope(firm_id):
        row = (
            StageTransition.objects.select_related("engagement__lead_consultant", "by")
            .filter(pk=transition_id)
            .first()
        )
        if row is None:
            return 0
        engagement = row.engagement
        people = {engagement.lead_consultant, *engagement.consultants.all()} - {row.by}
        sent = 0
        for person in people:
            if not person.is_active or not person.email:
                continue
            with translation.override(person.language or settings.LANGUAGE_CODE):
                subject = _("%(number)s moved to “%(stage)s”") % {
                    "number": engagement.number, "stage": row.get_to_stage_display()}
                body = _("%(who)s moved engagement %(number)s “%(title)s” from “%(from)s” to "
                         "“%(to)s”.") % {
                    "who": row.by, "number": engagement.number, "title": engagement.title,
                    "from": row.get_from_stage_display(), "to": row.get_to_stage_display()}
                if row.note:
                    body += "\n\n" + row.note
            send_mail(subject, body, None, [person.email])
            sent += 1
        return sent
