"""Platform notices sent in the background: the password-reset mail."""

from celery import shared_task
from django.contrib.auth.tokens import default_token_generator
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from consultancy.tenancy.models import User
from consultancy.tenancy.rls import user_scope
from consultancy.tenancy.scoping import firm_scope

from .service import NOTICE_TASK, Recipient, notify


@shared_task(**NOTICE_TASK)
def mail_password_reset(user_id: int, protocol: str, domain: str, language: str = "") -> int:
    """Mail a user the link to choose a new password (Django's reset link; the notice
    ``password_reset``). The token is made here, so it never passes through the outbox or
    the broker, and it is valid from the moment the mail is sent. A user who has no
    usable password, or is no longer active, is not mailed (as Django's form does)."""
    with user_scope(user_id):  # that one user's row, before the firm is known
        user = User.objects.select_related("firm").filter(pk=user_id, is_active=True).first()
    if user is None or not user.has_usable_password():
        return 0
    context = {
        "user": user,
        "email": user.email,
        "uid": urlsafe_base64_encode(force_bytes(user.pk)),
        "token": default_token_generator.make_token(user),
        "protocol": protocol,
        "domain": domain,
        "site_name": domain,
    }
    recipient = Recipient.for_user(user, language=user.language or language)
    return notify("password_reset", recipients=[recipient], context=context,
                  firm=user.firm_id)


@shared_task
def chat_robot_test(firm_id: int, hook_id: int, user_id: int, key: str, link: str = "") -> bool:
    """Send a chat group robot the test message its user (or, for the firm's group, a
    manager) asked for on the settings page (``chat.send_test``). Not retried: the result
    is in the ledger and on the settings page."""
    from .chat import send_test
    from .models import ChatWebhook

    with firm_scope(firm_id):
        hook = ChatWebhook.objects.filter(pk=hook_id).first()
        user = User.objects.filter(pk=user_id, is_active=True).first()
        if hook is None or user is None:
            return False
        return send_test(hook, user, key=key, link=link)
