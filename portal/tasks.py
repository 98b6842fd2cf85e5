"""Notices to client contacts when something awaits them in the portal: a plan version
to confirm (8.3.1) and documents delivered to acknowledge (8.5.2). The survey (9.5) is
mailed by ``feedback.tasks.mail_survey_invitation``; the portal home lists it too. Each
task takes ``firm_id`` and enters that firm's scope."""

from celery import shared_task
from django.conf import settings
from django.urls import reverse

from consultancy.clients.models import ClientContact
from consultancy.notifications import NOTICE_TASK, Recipient, notify
from consultancy.tenancy.scoping import firm_scope
from delivery.models import ConsultingPlan, DocumentDelivery
from engagements.models import Engagement


def portal_contacts(engagement):
    """The client's active contacts with a portal login and an e-mail address."""
    return list(ClientContact.objects.filter(
        firm_id=engagement.firm_id, client_id=engagement.client_id, is_active=True,
        user__isnull=False, user__is_active=True).exclude(email="")
        .select_related("user").order_by("pk"))


def _link(engagement, anchor="", name="portal:engagement"):
    """The portal page of the engagement showing the section ``anchor`` (the tab ``name``)."""
    base = (getattr(settings, "SITE_URL", "") or "").rstrip("/")
    return base + reverse(name, args=[engagement.pk]) + anchor


def _notify_contacts(kind, engagement, context) -> int:
    """The notice ``kind`` to each portal contact, at the contact's address, in the
    language of their login."""
    recipients = [Recipient.for_user(c.user, email=c.email, name=c.name)
                  for c in portal_contacts(engagement)]
    return notify(kind, recipients=recipients, context={"engagement": engagement, **context},
                  firm=engagement.firm)


@shared_task(**NOTICE_TASK)
def notify_plan_issued(firm_id: int, plan_id: int) -> int:
    """8.3.1: a plan version is submitted in writing (its PDF ready) and awaits the client's
    confirmation."""
    with firm_scope(firm_id):
        plan = (ConsultingPlan.objects.select_related("engagement__firm", "issued_pdf")
                .filter(pk=plan_id).first())
        if plan is None or not plan.is_submitted or plan.is_confirmed:
            return 0
        engagement = plan.engagement
        return _notify_contacts("plan_issued", engagement,
                                {"plan": plan, "link": _link(engagement, "#plan")})


@shared_task(**NOTICE_TASK)
def notify_documents_delivered(firm_id: int, engagement_id: int, delivery_ids: list) -> int:
    """8.5.2: documents were delivered and await the client's acknowledgement."""
    with firm_scope(firm_id):
        engagement = Engagement.objects.select_related("firm").filter(pk=engagement_id).first()
        deliveries = list(DocumentDelivery.objects.filter(
            engagement_id=engagement_id, pk__in=delivery_ids, acknowledged_on__isnull=True)
            .select_related("version__document").order_by("pk"))
        if engagement is None or not deliveries:
            return 0
        titles = "\n".join(f"- {d.version.document.title} (v{d.version.version})"
                           for d in deliveries)
        return _notify_contacts("documents_delivered", engagement, {
            "deliveries": deliveries, "documents": titles,
            "link": _link(engagement, "#documents", "portal:engagement_documents")})
