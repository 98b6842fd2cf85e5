"""9.5: where a survey invitee answers. Feedback mails its own one-time public link; an
app above it (the portal) registers where a contact with a login answers."""

import pytest
from django.core import mail

from feedback import links
from portal.signals import survey_page
from tests.feedback.helpers import handed_over, send_survey
from tests.scoping import scopes_disabled

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _unscoped():
    with scopes_disabled():
        yield


@pytest.fixture
def without_the_portal():
    links.unregister_survey_link(survey_page)
    yield
    links.register_survey_link(survey_page)


def test_the_portal_registers_its_survey_page():
    assert survey_page in links.survey_link_providers()


def test_without_a_provider_the_mail_carries_the_public_link_only(a, without_the_portal):
    engagement = handed_over(a)
    mail.outbox.clear()
    send_survey(engagement, a)
    body = mail.outbox[-1].body
    assert "/survey/" in body and "/portal/" not in body


def test_a_registered_provider_gives_the_second_link(a, without_the_portal):
    def provider(invitation):
        return f"/elsewhere/{invitation.pk}/"

    links.register_survey_link(provider)
    try:
        engagement = handed_over(a)
        mail.outbox.clear()
        send_survey(engagement, a)
    finally:
        links.unregister_survey_link(provider)
    body = mail.outbox[-1].body
    assert body.index("/survey/") < body.index("/elsewhere/")
