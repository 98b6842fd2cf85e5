"""The admin: managers see their own firm only; operators see firms."""

import pytest
from django.urls import reverse

from consultancy.tenancy.scoping import firm_scope
from tests.conftest import login


def admin_url(obj, action="change"):
    opts = obj._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_{action}", args=[obj.pk])


OBJECTS = {
    "client": lambda w: w.client,
    "contact": lambda w: w.contact,
    "qualification": lambda w: w.qualification,
    "user": lambda w: w.consultant,
}


@pytest.mark.parametrize("name", list(OBJECTS))
@pytest.mark.parametrize("action", ["change", "delete", "history"])
def test_manager_gets_404_for_firm_b_admin_pages(client, a, b, name, action):
    login(client, a.manager)
    obj = OBJECTS[name](b)
    assert client.get(admin_url(obj, action)).status_code == 404
    assert client.get(admin_url(OBJECTS[name](a), "change")).status_code == 200


def test_manager_cannot_change_firm_b_user_password(client, a, b):
    login(client, a.manager)
    url = reverse("admin:auth_user_password_change", args=[b.consultant.pk])
    assert client.get(url).status_code == 404


@pytest.mark.parametrize(
    "changelist",
    ["clients_client", "clients_clientcontact", "tenancy_qualification", "tenancy_user"],
)
def test_manager_changelists_show_own_firm_only(client, a, b, changelist):
    login(client, a.manager)
    resp = client.get(reverse(f"admin:{changelist}_changelist"))
    assert resp.status_code == 200
    pks = {obj.pk for obj in resp.context["cl"].result_list}
    model = resp.context["cl"].model
    from tests.scoping import scopes_disabled

    with scopes_disabled():
        firms = set(model._default_manager.filter(pk__in=pks).values_list("firm", flat=True))
    assert firms == {a.firm.pk}


def test_manager_is_offered_only_own_firm_choices(client, a, b):
    login(client, a.manager)
    resp = client.get(reverse("admin:clients_clientcontact_add"))
    form = resp.context["adminform"].form
    with firm_scope(a.firm):  # the manager's choices, read as the page reads them
        assert set(form.fields["client"].queryset) == {a.client}
    # No login is offered at all: a contact's portal login comes from the invitation.
    assert "user" not in form.fields
    resp = client.get(reverse("admin:tenancy_qualification_add"))
    with firm_scope(a.firm):
        holders = set(resp.context["adminform"].form.fields["holder"].queryset)
    assert a.consultant in holders and b.consultant not in holders
    assert a.contact.user not in holders  # only staff hold certificates


def test_manager_autocomplete_offers_no_firm_b_rows(client, a, b):
    login(client, a.manager)
    resp = client.get(
        reverse("admin:autocomplete"),
        {"app_label": "clients", "model_name": "clientcontact", "field_name": "client", "term": ""},
    )
    ids = {int(r["id"]) for r in resp.json()["results"]}
    assert ids == {a.client.pk}


def test_manager_adding_a_client_puts_it_in_their_firm(client, a):
    login(client, a.manager)
    resp = client.post(
        reverse("admin:clients_client_add"),
        {
            "name": "后台新客户",
            "uscc": "91350100M000100Y43",
            "industry": "chemical",
            "size": "",
            "address": "",
            "phone": "",
            "notes": "",
        },
    )
    assert resp.status_code == 302, resp.context["adminform"].form.errors
    from consultancy.clients.models import Client
    from tests.scoping import scopes_disabled

    with scopes_disabled():
        assert Client.objects.get(name="后台新客户").firm == a.firm


def test_manager_adding_a_user_puts_it_in_their_firm(client, a):
    login(client, a.manager)
    resp = client.post(
        reverse("admin:tenancy_user_add"),
        {
            "email": "new.staff@a.test",
            "full_name": "新员工",
            "role": "consultant",
            "usable_password": "true",
            "password1": "A-long-pass-2026",
            "password2": "A-long-pass-2026",
        },
    )
    assert resp.status_code == 302
    from consultancy.tenancy.models import User

    with firm_scope(a.firm):
        new = User.objects.get(email="new.staff@a.test")
    assert new.firm == a.firm and not new.is_superuser


def test_manager_cannot_see_firms(client, a):
    login(client, a.manager)
    assert client.get(reverse("admin:tenancy_firm_changelist")).status_code == 403


def test_operator_sees_firms(client, a, b, django_user_model):
    op = django_user_model.objects.create_superuser(
        email="op@platform.test", password="x", full_name="运营"
    )
    login(client, op)
    resp = client.get(reverse("admin:tenancy_firm_changelist"))
    assert resp.status_code == 200
    assert {a.firm, b.firm} <= set(resp.context["cl"].result_list)


def test_consultant_cannot_enter_the_admin(client, a):
    login(client, a.consultant)
    resp = client.get(reverse("admin:index"))
    assert resp.status_code == 302 and "login" in resp["Location"]
