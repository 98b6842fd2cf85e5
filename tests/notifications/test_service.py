"""The notification service: one notice, rendered per recipient in their language, handed
to every registered channel, and never to another firm's users."""

from types import SimpleNamespace

import pytest
from django.core import mail
from django.utils.translation import gettext, override

from consultancy.notifications import (
    Channel,
    Recipient,
    notify,
    recipients_for,
    register_channel,
    unregister_channel,
)
from consultancy.tenancy.models import User
from tests.scoping import scopes_disabled


@pytest.fixture(autouse=True)
def _unscoped():
    with scopes_disabled():
        yield


def reminder(text="Complaint 2026-001 is overdue."):
    return {"reminder": SimpleNamespace(text=text), "link": "https://example.test/x/"}


class Collecting(Channel):
    def __init__(self):
        self.messages = []

    def send(self, message):
        self.messages.append(message)
        return True


@pytest.fixture
def collecting():
    channel = Collecting()
    register_channel("collecting", channel)
    yield channel
    unregister_channel("collecting")


def test_each_recipient_reads_the_notice_in_their_language(a):
    User.objects.filter(pk=a.manager.pk).update(language="zh-hans")
    User.objects.filter(pk=a.consultant.pk).update(language="en")
    a.manager.refresh_from_db()
    a.consultant.refresh_from_db()
    mail.outbox.clear()

    sent = notify("daily_reminder", recipients=[a.manager, a.consultant], context=reminder(),
                  firm=a.firm)

    assert sent == 2
    by_address = {m.to[0]: m for m in mail.outbox}
    english = by_address[a.consultant.email].subject
    chinese = by_address[a.manager.email].subject
    assert english == "Reminder: Complaint 2026-001 is overdue."
    with override("zh-hans"):
        assert chinese == gettext("Reminder: %(text)s") % {
            "text": "Complaint 2026-001 is overdue."}
    assert chinese != english
    assert by_address[a.manager.email].body == (
        "Complaint 2026-001 is overdue.\n\nhttps://example.test/x/")


def test_a_recipient_without_a_login_reads_the_default_language(a, settings):
    mail.outbox.clear()
    notify("daily_reminder", recipients=[Recipient(email="someone@client.test")],
           context=reminder(), firm=a.firm)
    with override(settings.LANGUAGE_CODE):
        expected = gettext("Reminder: %(text)s") % {"text": "Complaint 2026-001 is overdue."}
    assert [(m.to, m.subject) for m in mail.outbox] == [(["someone@client.test"], expected)]


def test_every_registered_channel_receives_the_same_message(a, collecting):
    mail.outbox.clear()
    notify("daily_reminder", recipients=[a.manager, a.consultant], context=reminder(),
           firm=a.firm)

    assert len(collecting.messages) == len(mail.outbox) == 2
    for message in collecting.messages:
        email = next(m for m in mail.outbox if m.to == [message.recipient.email])
        assert (message.subject, message.body) == (email.subject, email.body)
        assert message.kind == "daily_reminder" and message.firm == a.firm


def test_another_firms_users_are_never_recipients(a, b, collecting):
    mail.outbox.clear()
    sent = notify("daily_reminder", recipients=[a.manager, b.manager, b.consultant],
                  context=reminder(), firm=a.firm)

    assert sent == 1
    assert [m.to for m in mail.outbox] == [[a.manager.email]]
    assert [m.recipient.user for m in collecting.messages] == [a.manager]
    assert recipients_for(a.firm, roles=[User.Role.MANAGER]) == [a.manager]
    assert b.manager not in recipients_for(a.firm, roles=[User.Role.MANAGER,
                                                          User.Role.CONSULTANT])


def test_inactive_users_and_users_without_an_address_are_skipped(a):
    User.objects.filter(pk=a.consultant.pk).update(is_active=False)
    a.consultant.refresh_from_db()
    mail.outbox.clear()
    sent = notify("daily_reminder", recipients=[a.consultant, Recipient(email=""), None],
                  context=reminder(), firm=a.firm)
    assert sent == 0 and mail.outbox == []
