"""The platform operator (DESIGN.md, "Who uses it"): opens firms with their first manager;
managers never see firms."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from consultancy.tenancy.models import Firm, User
from consultancy.tenancy.scoping import firm_scope
from tests import factories as f
from tests.conftest import login


@pytest.fixture
def operator(django_user_model):
    return django_user_model.objects.create_superuser(
        email="op@platform.test", password="x", full_name="平台运营")


FIRM = {"name": "新咨询公司", "short_name": "新咨询", "uscc": "", "address": "", "phone": "",
        "manager_full_name": "王经理", "manager_email": "wang@new.test",
        "manager_password": ""}


def test_the_operator_opens_a_firm_with_its_first_manager(client, operator):
    login(client, operator)
    page = client.get(reverse("admin:tenancy_firm_add"))
    assert "manager_email" in page.context["adminform"].form.fields
    resp = client.post(reverse("admin:tenancy_firm_add"), FIRM)
    assert resp.status_code == 302, resp.context["adminform"].form.errors
    firm = Firm.objects.get(name="新咨询公司")
    with firm_scope(firm):
        manager = User.objects.get(email="wang@new.test")
    assert manager.firm == firm and manager.role == "manager" and manager.is_manager
    assert not manager.is_superuser and not manager.has_usable_password()
    resp = client.get(reverse("admin:tenancy_firm_changelist"))
    assert "王经理" in resp.content.decode()


def test_the_first_managers_address_must_be_new(client, operator, a):
    login(client, operator)
    resp = client.post(reverse("admin:tenancy_firm_add"),
                       {**FIRM, "manager_email": a.manager.email})
    assert resp.status_code == 200
    assert "manager_email" in resp.context["adminform"].form.errors
    assert not Firm.objects.filter(name="新咨询公司").exists()


def test_a_manager_cannot_open_or_see_firms(client, a):
    login(client, a.manager)
    assert client.get(reverse("admin:tenancy_firm_add")).status_code == 403
    assert client.post(reverse("admin:tenancy_firm_add"), FIRM).status_code == 403
    assert not Firm.objects.filter(name="新咨询公司").exists()
    assert client.get(reverse("admin:tenancy_firm_change", args=[a.firm.pk])).status_code == 403


def test_firms_are_never_deleted_in_the_admin(client, operator, a):
    login(client, operator)
    resp = client.post(reverse("admin:tenancy_firm_delete", args=[a.firm.pk]), {"post": "yes"})
    assert resp.status_code == 403 and Firm.objects.filter(pk=a.firm.pk).exists()


def test_the_firm_list_query_count_does_not_grow(client, operator):
    login(client, operator)

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse("admin:tenancy_firm_changelist")).status_code == 200
        return len(ctx.captured_queries)

    for _i in range(5):
        f.ManagerFactory(firm=f.FirmFactory())
    few = count()
    for _i in range(45):
        f.ManagerFactory(firm=f.FirmFactory())
    assert count() == few
