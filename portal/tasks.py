"""E-mails to client contacts when something awaits them in the portal (issue 7): a plan
version to confirm (8.3.1) and documents delivered to acknowledge (8.5.2). The survey
(9.5) is mailed by ``feedback.tasks.mail_survey_invitation``; the portal home lists it
too. Each task takes ``firm_id`` and enters that firm's scope."""

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from consultancy.tenancy.scoping import firm_scope


def portal_contacts(engagement):
    """The client's active contacts with a portal login and an e-mail address."""
    from consultancy.clients.models import ClientContact

    return list(ClientContact.objects.filter(
        firm_id=engagement.firm_id, client_id=engagement.client_id, is_active=True,
        user__isnull=False, user__is_active=True).exclude(email="")
        .select_related("user").order_by("pk"))


def _link(engagement, anchor=""):
    base = (getattr(settings, "SITE_URL", "") or "").rstrip("/")
    return base + reverse("portal:engagement", args=[engagement.pk]) + anchor


def _mail(engagement, subject_and_body) -> int:
    sent = 0
    for contact in portal_contacts(engagement):
        language = getattr(contact.user, "language", "") or settings.LANGUAGE_CODE
        with translation.override(language):
            subject, body = subject_and_body(contact)
        send_mail(subject, body, None, [contact.email])
        sent += 1
    return sent


@shared_task
def notify_plan_issued(firm_id: int, plan_id: int) -> int:
    """8.3.1: a plan version is issued and awaits the client's confirmation."""
    from delivery.models import ConsultingPlan

    with firm_scope(firm_id):
        plan = (ConsultingPlan.objects.select_related("engagement__firm")
                .filter(pk=plan_id).first())
        if plan is None or not plan.is_issued or plan.is_confirmed:
            return 0
        engagement = plan.engagement

        def message(contact):
            values = {"number": engagement.number, "title": engagement.title,
                      "version": plan.version, "firm": engagement.firm.name,
                      "name": contact.name, "link": _link(engagement, "#plan")}
            subject = _("%(number)s: the consulting plan (version %(version)s) awaits your "
                        "confirmation") % values
            body = _("Dear %(name)s,\n\n%(firm)s has issued version %(version)s of the "
                     "consulting plan for “%(title)s” (clause 8.3.1). Please read it and "
                     "confirm it in the client portal:\n\n%(link)s\n\n%(firm)s") % values
            return subject, body

        return _mail(engagement, message)


@shared_task
def notify_documents_delivered(firm_id: int, engagement_id: int, delivery_ids: list) -> int:
    """8.5.2: documents were delivered and await the client's acknowledgement."""
    from delivery.models import DocumentDelivery
    from engagements.models import Engagement

    with firm_scope(firm_id):
        engagement = Engagement.objects.select_related("firm").filter(pk=engagement_id).first()
        deliveries = list(DocumentDelivery.objects.filter(
            engagement_id=engagement_id, pk__in=delivery_ids, acknowledged_on__isnull=True)
            .select_related("version__document").order_by("pk"))
        if engagement is None or not deliveries:
            return 0
        titles = "\n".join(f"- {d.version.document.title} (v{d.version.version})"
                           for d in deliveries)

        def message(contact):
            values = {"number": engagement.number, "title": engagement.title,
                      "firm": engagement.firm.name, "name": contact.name,
                      "link": _link(engagement, "#documents"), "documents": titles}
            subject = _("%(number)s: documents delivered to you") % values
            body = _("Dear %(name)s,\n\n%(firm)s has delivered these documents of “%(title)s” "
                     "(clause 8.5.2):\n\n%(documents)s\n\nDownload them and acknowledge "
                     "receipt in the client portal:\n\n%(link)s\n\n%(firm)s") % values
            return subject, body

        return _mail(engagement, message)
