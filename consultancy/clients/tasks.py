"""The clients' background work: the portal invitation mail."""

from celery import shared_task

from consultancy.notifications import NOTICE_TASK
from consultancy.tenancy.scoping import firm_scope

from .models import ClientContact
from .services import portal_invitation_notice


@shared_task(**NOTICE_TASK)
def mail_portal_invitation(firm_id: int, contact_id: int, protocol: str, domain: str,
                           language: str = "") -> int:
    """Mail a contact with a new portal login the link to choose their password."""
    with firm_scope(firm_id):
        contact = ClientContact.objects.select_related("user__firm").filter(pk=contact_id).first()
        if contact is None:
            return 0
        return portal_invitation_notice(contact, protocol=protocol, domain=domain,
                                        language=language)
