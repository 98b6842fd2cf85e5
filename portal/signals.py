"""What the portal hangs on the clause apps, without their knowing it: the portal
receives what delivery's services and the PDF renderer announce (delivery.signals,
documents.signals) and writes an outbox job
in their transaction that mails the contacts once it committed, and it tells feedback where a contact with a login
answers a survey (feedback.links)."""

from django.urls import reverse

from consultancy.documents.signals import document_ready
from consultancy.outbox import enqueue
from delivery.signals import documents_delivered

from .tasks import notify_documents_delivered, notify_plan_issued


def on_document_ready(sender, document, **kwargs):
    """8.3.1: a plan version awaits the client's confirmation once it is submitted in
    writing, that is once its issued PDF is ready (not when the issue was asked for: the
    PDF may still fail)."""
    if document.kind == "plan":
        enqueue(notify_plan_issued, document.firm_id, document.owner_id, firm=document.firm_id)


def on_documents_delivered(sender, engagement, deliveries, **kwargs):
    """8.5.2: one e-mail per hand-over, however many documents it holds."""
    enqueue(notify_documents_delivered, engagement.firm_id, engagement.pk,
            [d.pk for d in deliveries], firm=engagement.firm_id)


def survey_page(invitation) -> str:
    """9.5: the survey's page in the portal, for a contact with an active login; ""
    otherwise."""
    user = invitation.contact.user
    if user is None or not user.is_active:
        return ""
    return reverse("portal:survey", args=[invitation.pk])


def complaint_page(complaint) -> str:
    """9.4: the complaint's page in the portal, for a complainant with an active login;
    "" otherwise."""
    contact = complaint.contact
    user = contact.user if contact is not None and contact.user_id else None
    if user is None or not user.is_active:
        return ""
    return reverse("portal:complaint", args=[complaint.pk])


def connect():
    document_ready.connect(on_document_ready, dispatch_uid="portal_plan_submitted")
    documents_delivered.connect(on_documents_delivered, dispatch_uid="portal_documents_delivered")
