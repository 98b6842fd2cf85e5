"""State changes of clients and their contacts: one transaction each, history kept
(django-simple-history records who changed what)."""

from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext_lazy

from consultancy.activity import verbs
from consultancy.activity.services import performed_by, record_event
from consultancy.notifications import Recipient, notify
from consultancy.outbox import enqueue
from consultancy.refusals import INVALID, Refusal
from consultancy.tenancy.models import User
from consultancy.tenancy.scoping import require_same_firm

from .models import Client, ClientContact

verbs.register_all({
    "client.created": gettext_lazy("%(actor)s added the client %(name)s"),
    "client.updated": gettext_lazy("%(actor)s changed the details of the client %(name)s"),
    "contact.created": gettext_lazy("%(actor)s added the contact %(name)s"),
    "contact.updated": gettext_lazy("%(actor)s changed the details of the contact %(name)s"),
    "contact.invited": gettext_lazy(
        "%(actor)s sent %(name)s the link to set a portal password (to %(email)s)"),
})

USCC_TAKEN = gettext_lazy("Your firm already has a client with this code.")


class NoPortalLogin(Refusal):
    """An invitation to the portal needs an active contact with an active portal login."""

    code = "no_portal_login"
    kind = INVALID
    default_message = gettext_lazy(
        "This contact has no active portal login: give them one (the portal login e-mail on "
        "the contact's form) or make the contact active again, then send the link.")
EMAIL_TAKEN = gettext_lazy("This e-mail address already has a login.")


@performed_by
@transaction.atomic
def client_create(*, firm, by, **fields) -> Client:
    client = Client(firm=firm, **fields)
    client.full_clean()
    _save_client(client)
    record_event(firm=client.firm_id, by=by, verb="client.created", obj=client,
                 params={"name": client.name})
    return client


def _save_client(client) -> None:
    """Save ``client``; a concurrent save of the same 统一社会信用代码 (which passed the
    check before either was saved) is the form's error, not a 500."""
    try:
        with transaction.atomic():
            client.save()
    except IntegrityError as exc:
        raise ValidationError({"uscc": USCC_TAKEN}) from exc


@performed_by
@transaction.atomic
def client_update(*, client, by, **fields) -> Client:
    for name, value in fields.items():
        setattr(client, name, value)
    client.full_clean()
    _save_client(client)
    record_event(firm=client.firm_id, by=by, verb="client.updated", obj=client,
                 params={"name": client.name})
    return client


@performed_by
@transaction.atomic
def client_contact_create(*, firm, client, by, portal_email="", request=None, **fields):
    """Add a person at the client; with ``portal_email``, also a portal login for them.

    A new login gets no password: the contact is e-mailed a link to set one.
    """
    require_same_firm(firm.pk, client)
    contact = ClientContact(firm=firm, client=client, **fields)
    contact.full_clean()
    if portal_email:
        contact.user = _portal_user_create(firm=firm, email=portal_email, name=contact.name)
    contact.save()
    record_event(firm=firm, by=by, verb="contact.created", obj=contact,
                 params={"name": contact.name})
    if contact.user_id and request is not None:
        _invite(contact, by, request)
    return contact


@performed_by
@transaction.atomic
def client_contact_update(*, contact, by, portal_email="", request=None, **fields):
    for name, value in fields.items():
        setattr(contact, name, value)
    contact.full_clean()
    if portal_email and not contact.user_id:
        contact.user = _portal_user_create(firm=contact.firm, email=portal_email, name=contact.name)
        invite = request is not None
    else:
        invite = False
    if contact.user_id and contact.user.is_active != contact.is_active:
        contact.user.is_active = contact.is_active
        contact.user.save(update_fields=["is_active"])
    contact.save()
    record_event(firm=contact.firm_id, by=by, verb="contact.updated", obj=contact,
                 params={"name": contact.name})
    if invite:
        _invite(contact, by, request)
    return contact


@performed_by
@transaction.atomic
def client_contact_invite(*, contact, by, request) -> None:
    """Send the contact the link to set their portal password again (an invitation that
    was lost, expired or went to spam). The act is logged, so staff see on the contact's
    page that the link was sent, to which address and when; the link itself is only ever
    in the mail."""
    contact = ClientContact.objects.select_for_update(of=("self",)).select_related("user").get(
        pk=contact.pk, firm_id=contact.firm_id)
    if not (contact.user_id and contact.is_active and contact.user.is_active):
        raise NoPortalLogin()
    _invite(contact, by, request)


def _invite(contact, by, request) -> None:
    """Log the invitation and write its mail to the outbox, both in the caller's
    transaction (the mail goes out after the commit)."""
    record_event(firm=contact.firm_id, by=by, verb="contact.invited", obj=contact,
                 params={"name": contact.name, "email": contact.user.email})
    send_portal_invitation(contact=contact, request=request)


def _portal_user_create(*, firm, email, name, password=None) -> User:
    email = email.strip().lower()
    if User.objects.email_in_use(email):
        raise ValidationError({"portal_email": EMAIL_TAKEN})
    try:
        with transaction.atomic():
            return User.objects.create_user(
                email=email,
                password=password,
                full_name=name,
                firm=firm,
                role=User.Role.CLIENT_CONTACT,
            )
    except IntegrityError as exc:
        raise ValidationError({"portal_email": EMAIL_TAKEN}) from exc


def send_portal_invitation(*, contact, request) -> None:
    """E-mail the contact a link to choose their portal password (the notice
    ``portal_invitation``), in the language of the page that created the login unless
    the user has chosen one: an outbox job written in the caller's transaction, so the
    mail goes out after the commit and never inside the request (``tasks``).

    The link is Django's password-reset link (``password_reset_confirm``), made by the
    task: the token never passes through the outbox or the broker.
    """
    from .tasks import mail_portal_invitation

    enqueue(mail_portal_invitation, contact.firm_id, contact.pk,
            "https" if request.is_secure() else "http", request.get_host(),
            translation.get_language() or "", firm=contact.firm_id)


def portal_invitation_notice(contact, *, protocol, domain, language) -> int:
    """Send the invitation now (the task's body, inside the contact's firm scope)."""
    user = contact.user
    if user is None or not user.is_active:
        return 0  # the contact lost the login meanwhile
    # A contact who has set a password meanwhile still gets the link: staff resend an
    # invitation when a contact asks (lost mail, forgotten password), and the link only
    # lets the contact choose a password again.
    context = {
        "user": user,
        "uid": urlsafe_base64_encode(force_bytes(user.pk)),
        "token": default_token_generator.make_token(user),
        "protocol": protocol,
        "domain": domain,
    }
    recipient = Recipient.for_user(user, language=user.language or language)
    return notify("portal_invitation", recipients=[recipient], context=context, firm=user.firm)
