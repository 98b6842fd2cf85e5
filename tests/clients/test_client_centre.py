"""The client at the centre: a client's page lists its engagements (stage, lead, value) and
its contacts and starts a new engagement for it; the client list counts and shows the last
activity; a contact's page says whether they have a portal login and resends the link."""

from decimal import Decimal

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from consultancy.activity.models import Event
from consultancy.clients import services
from consultancy.clients.models import ClientContact
from engagements.stages import Stage
from tests import factories as f
from tests.conftest import login, zh
from tests.engagements.helpers import advance_to
from tests.scoping import scopes_disabled


def _queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        resp = client.get(url)
    assert resp.status_code == 200
    return len(ctx), resp


# -- the client's page ---------------------------------------------------------------------


def test_client_page_lists_engagements_with_stage_lead_and_value(client, a, b):
    with scopes_disabled():
        e1 = f.EngagementFactory(client=a.client, lead_consultant=a.consultant,
                                 title="苏州安全标准化项目")
        advance_to(e1, Stage.CONTRACTING)
        from contracts import services as contract_services
        contract = contract_services.contract_draft(engagement=e1, by=a.consultant)
        contract_services.contract_update(contract=contract, by=a.consultant,
                                          fee=Decimal("98000.00"))
        other = f.EngagementFactory(client=b.client, title="乙方的项目")
    login(client, a.consultant)
    resp = client.get(reverse("clients:detail", args=[a.client.pk]))
    assert resp.status_code == 200
    text = resp.text
    assert "苏州安全标准化项目" in text and e1.number in text
    assert str(Stage(Stage.CONTRACTING).label) in text or zh("Contracting") in text
    assert a.consultant.full_name in text
    assert "¥98,000.00" in text
    assert other.title not in text
    # the new-engagement button carries the client
    url = f'{reverse("engagements:create")}?client={a.client.pk}'
    assert url in text
    form = client.get(url).context["form"]
    assert str(form["client"].value()) == str(a.client.pk)


def test_a_consultant_sees_only_engagements_they_may_see_on_the_client_page(client, a):
    with scopes_disabled():
        mine = f.EngagementFactory(client=a.client, lead_consultant=a.consultant, title="我的项目")
        theirs = f.EngagementFactory(client=a.client, title="别人的项目")
    login(client, a.consultant)
    resp = client.get(reverse("clients:detail", args=[a.client.pk]))
    assert mine.title in resp.text and theirs.title not in resp.text
    assert resp.context["sections"][0]["hidden"] == 1
    login(client, a.manager)
    resp = client.get(reverse("clients:detail", args=[a.client.pk]))
    assert mine.title in resp.text and theirs.title in resp.text


def test_client_page_paginates_engagements_and_contacts(client, a):
    with scopes_disabled():
        f.EngagementFactory.create_batch(12, client=a.client, lead_consultant=a.consultant)
        f.ClientContactFactory.create_batch(24, client=a.client)
    login(client, a.manager)
    resp = client.get(reverse("clients:detail", args=[a.client.pk]))
    assert len(resp.context["sections"][0]["page"].object_list) == 10
    assert len(resp.context["contacts"]) == 20
    resp = client.get(reverse("clients:detail", args=[a.client.pk]),
                      {"engagements_page": 2, "contacts_page": 2})
    assert len(resp.context["sections"][0]["page"].object_list) == 2
    assert len(resp.context["contacts"]) == 5  # 24 + the fixture's portal contact


def test_client_page_query_count_does_not_grow_with_engagements(client, a):
    login(client, a.manager)
    url = reverse("clients:detail", args=[a.client.pk])
    with scopes_disabled():
        f.EngagementFactory.create_batch(5, client=a.client, lead_consultant=a.consultant)
        f.ClientContactFactory.create_batch(5, client=a.client)
    five, _ = _queries(client, url)
    with scopes_disabled():
        f.EngagementFactory.create_batch(45, client=a.client)
        f.ClientContactFactory.create_batch(45, client=a.client)
    fifty, _ = _queries(client, url)
    assert five == fifty <= 12


# -- the client list -----------------------------------------------------------------------


def test_client_list_counts_and_shows_the_last_activity(client, a, b):
    with scopes_disabled():
        quiet = f.ClientFactory(firm=a.firm, name="安静客户有限公司")
        f.EngagementFactory.create_batch(2, client=a.client, lead_consultant=a.consultant)
        busy = f.ClientFactory(firm=a.firm, name="忙碌客户有限公司")
        services.client_update(client=busy, by=a.manager, phone="0512-1234567")
    login(client, a.consultant)
    resp = client.get(reverse("clients:list"))
    rows = {c.pk: c for c in resp.context["clients"]}
    assert rows[a.client.pk].engagement_count == 2
    assert rows[a.client.pk].contact_count == 1
    assert rows[quiet.pk].engagement_count == 0 and rows[quiet.pk].last_event is None
    event = rows[busy.pk].last_event
    assert event is not None and event.verb == "client.updated"
    assert a.manager.full_name in event.message and "忙碌客户有限公司" in event.message
    assert b.client.name not in resp.text


def test_last_activity_counts_the_engagements_and_the_contacts(client, a):
    from engagements import services as engagement_services

    with scopes_disabled():
        e = f.EngagementFactory(client=a.client, lead_consultant=a.consultant)
        f.NeedsAssessmentFactory(engagement=e)
        engagement_services.engagement_confirm_needs(engagement=e, by=a.consultant)
    login(client, a.consultant)
    resp = client.get(reverse("clients:list"))
    row = next(c for c in resp.context["clients"] if c.pk == a.client.pk)
    assert row.last_event.engagement_id == e.pk
    with scopes_disabled():
        services.client_contact_update(contact=a.contact, by=a.manager, position="安全总监")
    resp = client.get(reverse("clients:list"))
    row = next(c for c in resp.context["clients"] if c.pk == a.client.pk)
    assert row.last_event.verb == "contact.updated"


def test_client_list_query_count_with_activity_is_fixed(client, a):
    login(client, a.consultant)

    def grow(n):
        with scopes_disabled():
            for c in f.ClientFactory.create_batch(n, firm=a.firm):
                services.client_update(client=c, by=a.manager, phone="1")
                f.EngagementFactory(client=c, lead_consultant=a.consultant)
                f.ClientContactFactory(client=c)

    grow(5)
    five, _ = _queries(client, reverse("clients:list"))
    grow(45)
    fifty, resp = _queries(client, reverse("clients:list"))
    assert five == fifty <= 12
    assert all(c.last_event is not None for c in resp.context["clients"] if c.pk != a.client.pk)


def test_client_list_is_sorted_by_pinyin_not_by_character_code(client, a):
    with scopes_disabled():
        for name in ("中建筑安", "安泰化工", "北仑电力", "重庆银行", "长沙物流"):
            f.ClientFactory(firm=a.firm, name=name)
    login(client, a.consultant)
    names = [c.name for c in client.get(reverse("clients:list")).context["clients"]]
    ours = [n for n in names if n in ("中建筑安", "安泰化工", "北仑电力", "重庆银行", "长沙物流")]
    # an tai, bei lun, chang sha, chong qing, zhong jian (code points would put 中 first… and
    # 重 before 长)
    assert ours == ["安泰化工", "北仑电力", "长沙物流", "重庆银行", "中建筑安"]
    assert ours != sorted(ours)


def test_client_list_finds_by_pinyin_initials_and_code(client, a, b):
    with scopes_disabled():
        hx = f.ClientFactory(firm=a.firm, name="苏州恒信化工有限公司")
        f.ClientFactory(firm=b.firm, name="苏州恒信化工（乙）有限公司")
    login(client, a.consultant)
    resp = client.get(reverse("clients:list"), {"q": "hxhg"})
    assert [c.pk for c in resp.context["clients"]] == [hx.pk]
    resp = client.get(reverse("clients:list"), {"q": hx.uscc[-6:].lower()})
    assert hx.pk in [c.pk for c in resp.context["clients"]]


# -- the contact's page --------------------------------------------------------------------


def test_contact_page_says_whether_they_have_a_portal_login(client, a, b):
    with scopes_disabled():
        plain = f.ClientContactFactory(client=a.client, name="没有登录")
    login(client, a.consultant)
    resp = client.get(reverse("clients:contact_detail", args=[a.contact.pk]))
    assert resp.status_code == 200
    assert zh("has a portal login") in resp.text and a.contact.user.email in resp.text
    assert 'id="resend-invitation"' in resp.text
    resp = client.get(reverse("clients:contact_detail", args=[plain.pk]))
    assert zh("no portal login") in resp.text and 'id="resend-invitation"' not in resp.text
    # another firm's contact is a 404, on the page and the resend
    assert client.get(reverse("clients:contact_detail", args=[b.contact.pk])).status_code == 404
    assert client.post(reverse("clients:contact_invite", args=[b.contact.pk])).status_code == 404
    assert not mail.outbox


def test_resending_the_invitation_mails_the_link_and_staff_see_when(
        client, a, django_capture_on_commit_callbacks):
    login(client, a.consultant)
    with django_capture_on_commit_callbacks(execute=True):
        resp = client.post(reverse("clients:contact_invite", args=[a.contact.pk]))
    assert resp.status_code == 302 and resp.url == a.contact.get_absolute_url()
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [a.contact.user.email]
    assert "/accounts/reset/" in mail.outbox[0].body
    with scopes_disabled():
        event = Event.objects.get(verb="contact.invited", object_id=str(a.contact.pk))
        assert event.actor == a.consultant and event.params["email"] == a.contact.user.email
    resp = client.get(reverse("clients:contact_detail", args=[a.contact.pk]))
    invitations = resp.context["invitations"]
    assert [e.pk for e in invitations] == [event.pk]
    # when, in the page's one date format (2026年12月7日)
    assert date_format(timezone.localtime(event.at).date()) in resp.text
    # the link itself is never on the page (only in the mail)
    assert "/accounts/reset/" not in resp.text


def test_creating_a_portal_login_logs_the_invitation(client, a, django_capture_on_commit_callbacks):
    login(client, a.consultant)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("clients:contact_create", args=[a.client.pk]),
                    {"name": "新人", "is_active": "on", "portal_email": "xin@client.test"})
    with scopes_disabled():
        contact = ClientContact.objects.get(name="新人")
        assert Event.objects.filter(verb="contact.invited", object_id=str(contact.pk)).exists()
    assert len(mail.outbox) == 1


@pytest.mark.parametrize("setup", ["no_login", "inactive"])
def test_resend_is_refused_without_an_active_login(client, a, setup,
                                                   django_capture_on_commit_callbacks):
    with scopes_disabled():
        if setup == "no_login":
            contact = f.ClientContactFactory(client=a.client)
        else:
            contact = a.contact
            services.client_contact_update(contact=contact, by=a.manager, is_active=False)
    login(client, a.consultant)
    with django_capture_on_commit_callbacks(execute=True):
        resp = client.post(reverse("clients:contact_invite", args=[contact.pk]), follow=True)
    assert resp.status_code == 200
    assert zh("This contact has no active portal login: give them one (the portal login "
              "e-mail on the contact's form) or make the contact active again, then send "
              "the link.") in resp.text
    assert not mail.outbox
    with scopes_disabled():
        assert not Event.objects.filter(verb="contact.invited").exists()


def test_console_mail_backend_says_where_the_mail_went(client, a, settings):
    login(client, a.consultant)
    url = reverse("clients:contact_detail", args=[a.contact.pk])
    assert 'id="console-mail-note"' not in client.get(url).text
    settings.EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
    assert 'id="console-mail-note"' in client.get(url).text


def test_contact_page_query_count_is_fixed(client, a):
    login(client, a.consultant)
    url = reverse("clients:contact_detail", args=[a.contact.pk])
    with scopes_disabled():
        for _ in range(3):
            services.client_contact_update(contact=a.contact, by=a.manager, phone="1")
    three, _ = _queries(client, url)
    with scopes_disabled():
        for _ in range(30):
            services.client_contact_update(contact=a.contact, by=a.manager, phone="2")
    thirty, _ = _queries(client, url)
    assert three == thirty <= 12
