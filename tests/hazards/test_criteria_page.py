"""The managers' page of the firm's major hidden danger criteria (重大事故隐患判定标准):
list, add and take out of use (or back) through the services, with an event; the record
form offers only those in use; staff who are not managers, another firm's manager and a
client's contact get 404; another firm's criterion is a 404."""

import pytest
from django.urls import reverse

from consultancy.activity.models import Event
from consultancy.tenancy.scoping import firm_scope
from hazards.forms import HiddenDangerForm
from hazards.models import MajorHazardCriterion
from hazards.services import HazardRefused, criterion_set_active
from tests.conftest import login
from tests.hazards.helpers import criterion
from tests.scoping import scopes_disabled

pytestmark = pytest.mark.django_db


def test_a_manager_adds_and_takes_one_out_of_use(client, a, eng):
    login(client, a.manager)
    url = reverse("hazards:criteria")
    assert client.get(url).status_code == 200
    data = {"industry": "chemical", "code": "HG-X1", "text": "涉及硝化工艺的装置未实现自动化控制",
            "source": "化工和危险化学品生产经营单位重大生产安全事故隐患判定标准"}
    assert client.post(url, data).status_code == 302
    with firm_scope(a.firm):
        made = MajorHazardCriterion.objects.get(code="HG-X1")
        assert made.firm_id == a.firm.pk and made.active
        assert Event.objects.filter(verb="hazard.criterion_added").count() == 1
    again = client.post(url, data)
    assert again.status_code == 400 and "code" in again.context["form"].errors
    page = client.get(url).content.decode()
    assert "HG-X1" in page and f'id="criterion-{made.pk}" data-active="1"' in page
    toggle = reverse("hazards:criterion_active", args=[made.pk])
    assert client.post(toggle, {"active": "0"}).status_code == 302
    with firm_scope(a.firm):
        assert not MajorHazardCriterion.objects.get(pk=made.pk).active
        offered = HiddenDangerForm(engagement=eng[a.firm.pk]).fields["criterion"].queryset
        assert made not in offered
        assert Event.objects.filter(verb="hazard.criterion_deactivated").count() == 1
    assert client.post(toggle, {"active": "1"}).status_code == 302
    with firm_scope(a.firm):
        assert MajorHazardCriterion.objects.get(pk=made.pk).active
        assert made in HiddenDangerForm(engagement=eng[a.firm.pk]).fields["criterion"].queryset


def test_only_the_firms_managers(client, a, b):
    mine = criterion(a.firm)
    url = reverse("hazards:criteria")
    toggle = reverse("hazards:criterion_active", args=[mine.pk])
    for user in (a.consultant, a.contact.user, b.contact.user):
        login(client, user)
        assert client.get(url).status_code == 404
        assert client.post(toggle, {"active": "0"}).status_code == 404
    login(client, b.manager)
    assert client.post(toggle, {"active": "0"}).status_code == 404  # another firm's
    criterion(b.firm)  # b's own list is there, a's is not
    page = client.get(url).content.decode()
    assert 'id="criterion-' in page and f'id="criterion-{mine.pk}"' not in page
    with scopes_disabled():
        assert MajorHazardCriterion.objects.get(pk=mine.pk).active
    with firm_scope(a.firm), pytest.raises(HazardRefused):
        criterion_set_active(criterion=mine, by=a.consultant, active=False)
