"""9.4: the complainant hears back (a notice on the acknowledgement, the written answer and
the closing: e-mailed once, in their language, and shown in the portal) and replies in the
portal: whether they accept the answer (the closing's acceptance, their own act, bound to
the answer they saw) and how they rate the handling."""

import datetime

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format

from consultancy.activity.models import Event
from feedback import services, tasks
from feedback.errors import ComplaintStepRefused
from feedback.models import Complaint, ComplaintNotice, ComplaintReply
from feedback.selectors import answer_fingerprint
from tests import factories as f
from tests.conftest import login, zh
from tests.feedback.helpers import on_commit
from tests.feedback.steps import step, walk
from tests.scoping import scopes_disabled

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _calendar(china_calendar):
    """China's working days, as seeded (conftest)."""


def _receive(w, *, contact=None, complainant_contact="", received_on=None):
    with scopes_disabled():
        return services.complaint_receive(
            firm=w.firm, by=w.manager, received_on=received_on or timezone.localdate(),
            channel="phone", complainant_name=contact.name if contact else "匿名来电",
            complainant_contact=complainant_contact, contact=contact,
            description="现场检查人员未佩戴安全帽，示范作用不好", safety_related=True)


def _walk(c, w, until="close"):
    with scopes_disabled(), on_commit():
        return walk(c, w.manager, until=until)


def _language(w, language):
    with scopes_disabled():
        user = w.contact.user
        user.language = language
        user.save(update_fields=["language"])


def test_each_notice_is_written_with_its_step_and_sent_once(a):
    c = _receive(a, contact=a.contact, received_on=datetime.date(2026, 11, 23))
    mail.outbox.clear()
    _walk(c, a)
    with scopes_disabled():
        notices = list(ComplaintNotice.objects.filter(complaint=c).order_by("pk"))
    assert [n.kind for n in notices] == ["acknowledged", "answered", "closed"]
    assert all(n.email == a.contact.email and n.sent_at is not None for n in notices)
    to_complainant = [m for m in mail.outbox if m.to == [a.contact.email]]
    assert len(to_complainant) == 3
    # the task run again (a retry, a second worker): nothing is sent twice
    for notice in notices:
        assert tasks.notify_complainant(a.firm.pk, notice.pk) is False
    assert len([m for m in mail.outbox if m.to == [a.contact.email]]) == 3


def test_the_acknowledgement_tells_the_number_and_the_limits_in_chinese(a):
    _language(a, "")  # no language of their own: the site's, Chinese
    c = _receive(a, contact=a.contact, received_on=datetime.date(2026, 11, 23))
    mail.outbox.clear()
    _walk(c, a, until="acknowledge")
    (message,) = [m for m in mail.outbox if m.to == [a.contact.email]]
    assert c.number in message.subject and "已受理" in message.subject
    assert "15 个工作日" in message.body and "2026年12月14日" in message.body
    assert c.acknowledgement not in message.body  # the staff's record, not the letter


def test_notices_are_in_the_complainants_language(a):
    _language(a, "en")
    c = _receive(a, contact=a.contact, received_on=datetime.date(2026, 11, 23))
    mail.outbox.clear()
    _walk(c, a)
    subjects = [m.subject for m in mail.outbox if m.to == [a.contact.email]]
    assert subjects == [f"Your complaint {c.number} is acknowledged",
                        f"Our written answer to your complaint {c.number}",
                        f"Your complaint {c.number} is closed"]
    body = next(m.body for m in mail.outbox if "acknowledged" in m.subject)
    with translation.override("en"):
        due = date_format(datetime.date(2026, 12, 14), "DATE_FORMAT")
    assert "within 15 working days of its receipt" in body and due in body
    assert reverse("portal:complaint", args=[c.pk]) in body  # they have a portal login


def test_a_complainant_known_by_an_email_address_gets_the_notices_there(a):
    c = _receive(a, complainant_contact="caller@example.com")
    mail.outbox.clear()
    _walk(c, a, until="respond")
    sent = [m for m in mail.outbox if m.to == ["caller@example.com"]]
    assert len(sent) == 2 and "书面答复" in sent[1].subject
    assert "portal" not in sent[0].body  # no login: no portal link


def test_a_complainant_without_an_address_gets_no_mail_and_the_staff_are_told(client, a):
    c = _receive(a, complainant_contact="13800000000")
    mail.outbox.clear()
    _walk(c, a, until="acknowledge")
    with scopes_disabled():
        notice = ComplaintNotice.objects.get(complaint=c)
    assert notice.email == "" and notice.sent_at is None
    assert mail.outbox == []
    login(client, a.manager)
    page = client.get(reverse("feedback:complaint_detail", args=[c.pk])).text
    assert 'id="notice-list"' in page and "text-warning" in page


def test_the_notices_appear_in_the_portal_and_nowhere_else(client, a, b):
    _language(a, "")
    c = _receive(a, contact=a.contact)
    _walk(c, a, until="respond")
    login(client, a.contact.user)
    page = client.get(reverse("portal:complaint", args=[c.pk])).text
    assert 'id="notices"' in page and page.count('class="border-start border-3 ps-2 mb-2 notice"') == 2
    assert f"您的投诉 {c.number} 已受理" in page or f"{c.number}" in page
    assert 'data-kind="acknowledged"' in page and 'data-kind="answered"' in page
    login(client, b.contact.user)
    assert client.get(reverse("portal:complaint", args=[c.pk])).status_code == 404
    with scopes_disabled():
        other = f.PortalContactFactory(client=f.ClientFactory(firm=a.firm),
                                       email="other@client.test")
    login(client, other.user)
    assert client.get(reverse("portal:complaint", args=[c.pk])).status_code == 404


# -- the complainant's reply ----------------------------------------------------------------


def _reply_url(c):
    return reverse("portal:complaint_reply", args=[c.pk])


def _answered(w):
    c = _receive(w, contact=w.contact)
    return _walk(c, w, until="respond")


def test_the_complainant_accepts_the_answer_and_rates_the_handling(client, a):
    c = _answered(a)
    login(client, a.contact.user)
    page = client.get(reverse("portal:complaint", args=[c.pk])).text
    assert 'id="reply"' in page and answer_fingerprint(c) in page
    r = client.post(_reply_url(c), {"accepts": "yes", "handling_rating": "4",
                                    "comment": "处理及时，满意", "content_fingerprint":
                                    answer_fingerprint(c)})
    assert r.status_code == 302
    with scopes_disabled():
        reply = ComplaintReply.objects.get(complaint=c)
        assert (reply.accepts, reply.handling_rating, reply.contact) == (True, 4, a.contact)
        assert reply.answer_sha256 == answer_fingerprint(c)
        assert Event.objects.filter(verb="complaint.replied", client_visible=True).exists()
    page = client.get(reverse("portal:complaint", args=[c.pk])).text
    assert 'id="reply"' not in page and 'id="replies"' in page
    # the closing takes the acceptance from the reply
    with scopes_disabled(), on_commit():
        step(c, "close", a.manager, complainant_acceptance="")
    assert c.status == Complaint.Status.CLOSED
    assert a.contact.name in c.complainant_acceptance and "4" in c.complainant_acceptance


def test_a_complainant_who_does_not_accept_keeps_the_complaint_open(client, a):
    c = _answered(a)
    login(client, a.contact.user)
    r = client.post(_reply_url(c), {"accepts": "no", "handling_rating": "2",
                                    "content_fingerprint": answer_fingerprint(c)})
    assert r.status_code == 400 and 'name="comment"' in r.text  # say why
    with scopes_disabled():
        assert not ComplaintReply.objects.exists()
    r = client.post(_reply_url(c), {"accepts": "no", "handling_rating": "2",
                                    "comment": "只道歉不够，要求补充一次现场培训",
                                    "content_fingerprint": answer_fingerprint(c)})
    assert r.status_code == 302
    with scopes_disabled():
        with pytest.raises(ComplaintStepRefused):
            step(c, "close", a.manager)
        assert Complaint.objects.get(pk=c.pk).status == Complaint.Status.RESPONDED
        with on_commit():  # a revised answer: a new notice, and the complainant asked again
            step(c, "respond", a.manager, decision="补充一次现场培训，费用由我司承担")
        c.refresh_from_db()
        assert ComplaintNotice.objects.filter(complaint=c, kind="answered").count() == 2
    page = client.get(reverse("portal:complaint", args=[c.pk])).text
    assert 'id="reply"' in page
    r = client.post(_reply_url(c), {"accepts": "yes", "handling_rating": "5",
                                    "content_fingerprint": answer_fingerprint(c)})
    assert r.status_code == 302
    with scopes_disabled(), on_commit():
        step(c, "close", a.manager, complainant_acceptance="")
    assert c.status == Complaint.Status.CLOSED


def test_a_reply_to_an_answer_that_changed_is_refused(client, a):
    c = _answered(a)
    seen = answer_fingerprint(c)
    with scopes_disabled():
        step(c, "respond", a.manager, decision="修订后的答复：更换现场顾问并补充培训")
    login(client, a.contact.user)
    r = client.post(_reply_url(c), {"accepts": "yes", "handling_rating": "5",
                                    "content_fingerprint": seen})
    assert r.status_code == 302
    with scopes_disabled():
        assert not ComplaintReply.objects.exists()
    assert zh("The content changed since you opened it; please review it again.") in (
        client.get(r.url).text)


def test_one_reply_per_answer_and_only_by_the_complainant(client, a):
    c = _answered(a)
    with scopes_disabled():
        colleague = f.PortalContactFactory(client=a.client, email="colleague@client.test")
    login(client, colleague.user)
    page = client.get(reverse("portal:complaint", args=[c.pk])).text
    assert 'id="reply"' not in page  # they see the company's complaint, not the form
    client.post(_reply_url(c), {"accepts": "yes", "handling_rating": "5",
                                "content_fingerprint": answer_fingerprint(c)})
    login(client, a.contact.user)
    data = {"accepts": "yes", "handling_rating": "5",
            "content_fingerprint": answer_fingerprint(c)}
    client.post(_reply_url(c), data)
    client.post(_reply_url(c), data)
    with scopes_disabled():
        assert ComplaintReply.objects.filter(complaint=c).count() == 1
        assert ComplaintReply.objects.get().contact == a.contact
    login(client, a.manager)  # the staff do not reply for the complainant in the portal
    r = client.post(_reply_url(c), data)
    assert r.status_code == 302 and r.url == "/"  # sent home by the middleware
    with scopes_disabled():
        assert ComplaintReply.objects.filter(complaint=c).count() == 1


def test_the_rating_is_1_to_5(client, a):
    c = _answered(a)
    login(client, a.contact.user)
    for rating in ("0", "6", "x", ""):
        r = client.post(_reply_url(c), {"accepts": "yes", "handling_rating": rating,
                                        "content_fingerprint": answer_fingerprint(c)})
        assert r.status_code == 400
    with scopes_disabled():
        assert not ComplaintReply.objects.exists()
