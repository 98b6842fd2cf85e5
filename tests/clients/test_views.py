"""Clients and contacts in the consultants' UI: they work, and firm B is invisible."""

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from consultancy.clients.models import Client, ClientContact
from consultancy.tenancy.scoping import firm_scope
from tests import factories as f
from tests.conftest import login
from tests.scoping import scopes_disabled
from tests.versions import with_versions


def test_consultant_lists_only_own_firms_clients(client, a, b):
    login(client, a.consultant)
    resp = client.get(reverse("clients:list"))
    assert resp.status_code == 200
    assert a.client.name in resp.text
    assert b.client.name not in resp.text


def test_list_filters_and_searches(client, a, b):
    with scopes_disabled():
        f.ClientFactory(firm=a.firm, name="宁波港务物流", industry=Client.Industry.WAREHOUSING)
    login(client, a.consultant)
    resp = client.get(reverse("clients:list"), {"q": "港务"})
    assert "宁波港务物流" in resp.text and a.client.name not in resp.text
    resp = client.get(reverse("clients:list"), {"industry": "warehousing"})
    assert "宁波港务物流" in resp.text and a.client.name not in resp.text


def test_list_paginates(client, a):
    with scopes_disabled():
        f.ClientFactory.create_batch(25, firm=a.firm)
    login(client, a.consultant)
    resp = client.get(reverse("clients:list"))
    assert len(resp.context["clients"]) == 20
    resp = client.get(reverse("clients:list"), {"page": 2})
    assert len(resp.context["clients"]) == 6


FIRM_OBJECT_URLS = {
    # name: (url of the world's object, methods it answers)
    "detail": (lambda w: reverse("clients:detail", args=[w.client.pk]), ["get"]),
    "update": (lambda w: reverse("clients:update", args=[w.client.pk]), ["get", "post"]),
    "contact_create": (
        lambda w: reverse("clients:contact_create", args=[w.client.pk]),
        ["get", "post"],
    ),
    "contact_update": (
        lambda w: reverse("clients:contact_update", args=[w.contact.pk]),
        ["get", "post"],
    ),
    "qualification_scan": (
        lambda w: reverse("qualification_scan", args=[w.qualification.pk]),
        ["get"],
    ),
}


@pytest.mark.parametrize("name", list(FIRM_OBJECT_URLS))
def test_firm_b_objects_are_404_to_firm_a(client, a, b, name):
    url_for, methods = FIRM_OBJECT_URLS[name]
    login(client, a.consultant)
    for method in methods:
        assert getattr(client, method)(url_for(b)).status_code == 404, method
    # and the same URL of firm a's own object is not a 404 (the test can fail)
    with scopes_disabled():
        from django.core.files.base import ContentFile

        a.qualification.scan.save("scan.pdf", ContentFile(b"%PDF-1.4"), save=True)
    assert client.get(url_for(a)).status_code == 200


def test_create_client_with_a_wrong_credit_code_keeps_the_input(client, a):
    login(client, a.consultant)
    data = {
        "name": "新客户有限公司",
        "uscc": "91350100M000100Y44",
        "industry": "chemical",
        "address": "某市某路 1 号",
    }
    resp = client.post(reverse("clients:create"), data)
    assert resp.status_code == 200
    assert "91350100M000100Y44" in resp.text and "某市某路 1 号" in resp.text
    assert resp.context["form"].errors["uscc"]
    with scopes_disabled():
        assert not Client.objects.filter(name="新客户有限公司").exists()


def test_create_and_edit_client(client, a, b):
    login(client, a.consultant)
    data = {"name": "新客户有限公司", "uscc": "91350100m000100y43", "industry": "chemical"}
    resp = client.post(reverse("clients:create"), data)
    assert resp.status_code == 302
    with scopes_disabled():
        new = Client.objects.get(name="新客户有限公司")
    assert new.firm == a.firm and new.uscc == "91350100M000100Y43"
    data["name"] = "改名客户有限公司"
    url = reverse("clients:update", args=[new.pk])
    resp = client.post(url, with_versions(client, url, data))
    assert resp.status_code == 302
    with firm_scope(a.firm):
        new.refresh_from_db()
        assert new.name == "改名客户有限公司"
        assert new.history.count() == 2  # who changed what is kept


def test_same_credit_code_may_exist_in_two_firms_but_not_twice_in_one(client, a, b):
    login(client, a.consultant)
    data = {"name": "重复", "uscc": b.client.uscc, "industry": "chemical"}
    assert client.post(reverse("clients:create"), data).status_code == 302
    resp = client.post(reverse("clients:create"), data)
    assert resp.status_code == 200 and resp.context["form"].errors["uscc"]


def test_add_contact_with_portal_login_sends_an_invitation(
    client, a, django_capture_on_commit_callbacks
):
    login(client, a.consultant)
    with django_capture_on_commit_callbacks(execute=True):
        resp = client.post(
            reverse("clients:contact_create", args=[a.client.pk]),
            {
                "name": "新联系人",
                "position": "安全员",
                "email": "new@client.test",
                "is_active": "on",
                "portal_email": "new.portal@client.test",
            },
        )
    assert resp.status_code == 302
    with firm_scope(a.firm):
        contact = ClientContact.objects.select_related("user").get(name="新联系人")
    assert contact.user.email == "new.portal@client.test"
    assert contact.user.firm == a.firm and contact.user.is_client_contact
    assert not contact.user.has_usable_password()
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["new.portal@client.test"]
    assert "/accounts/reset/" in mail.outbox[0].body


def test_portal_email_already_in_use_is_a_form_error(client, a, b):
    login(client, a.consultant)
    resp = client.post(
        reverse("clients:contact_create", args=[a.client.pk]),
        {"name": "重名", "is_active": "on", "portal_email": b.manager.email},
    )
    assert resp.status_code == 200
    assert resp.context["form"].errors["portal_email"]


def _count_queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        resp = client.get(url)
    assert resp.status_code == 200
    return len(ctx)


def test_client_list_query_count_does_not_grow_with_rows(client, a):
    login(client, a.consultant)
    with scopes_disabled():
        for c in f.ClientFactory.create_batch(5, firm=a.firm):
            f.ClientContactFactory.create_batch(2, client=c)
    five = _count_queries(client, reverse("clients:list"))
    with scopes_disabled():
        for c in f.ClientFactory.create_batch(45, firm=a.firm):
            f.ClientContactFactory.create_batch(2, client=c)
    fifty = _count_queries(client, reverse("clients:list"))
    assert five == fifty


def test_client_detail_query_count_does_not_grow_with_contacts(client, a):
    login(client, a.consultant)
    with scopes_disabled():
        f.PortalContactFactory.create_batch(5, client=a.client)
    url = reverse("clients:detail", args=[a.client.pk])
    five = _count_queries(client, url)
    with scopes_disabled():
        f.PortalContactFactory.create_batch(45, client=a.client)
    assert _count_queries(client, url) == five


def test_qualification_scan_is_served_to_own_firm_only(client, a, b):
    from django.core.files.base import ContentFile

    with scopes_disabled():
        a.qualification.scan.save("证书.pdf", ContentFile(b"%PDF-1.4 test"), save=True)
    assert a.qualification.scan.name.startswith(f"{a.firm.pk}/qualifications/")
    login(client, a.manager)
    resp = client.get(reverse("qualification_scan", args=[a.qualification.pk]))
    assert resp.status_code == 200 and b"".join(resp.streaming_content).startswith(b"%PDF")
    login(client, b.manager)
    assert client.get(reverse("qualification_scan", args=[a.qualification.pk])).status_code == 404
    login(client, a.contact.user)
    assert client.get(reverse("qualification_scan", args=[a.qualification.pk])).status_code == 404
