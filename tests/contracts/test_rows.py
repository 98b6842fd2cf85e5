"""Clause 7: the contract draft's deliverables and payment schedule get rows added in place
(htmx, consultancy/formrows.py) and removed by marking DELETE; the save still goes through
``contracts.services.contract_update`` with the version seen."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from consultancy.activity.models import Event
from contracts.models import Contract, Deliverable
from engagements.stages import Stage
from tests import factories as f
from tests.conftest import login
from tests.engagements.helpers import advance_to
from tests.scoping import scopes_disabled
from tests.versions import seen_versions

pytestmark = pytest.mark.django_db

DUE = (timezone.localdate() + datetime.timedelta(days=60)).isoformat()


@pytest.fixture
def draft(client, a):
    with scopes_disabled():
        engagement = advance_to(f.EngagementFactory(client=a.client, lead_consultant=a.consultant),
                                Stage.CONTRACTING)
    login(client, a.consultant)
    assert client.post(reverse("contracts:draft", args=[engagement.pk])).status_code == 302
    with scopes_disabled():
        return Contract.objects.get(engagement=engagement)


def _edit_url(contract):
    return reverse("contracts:edit", args=[contract.engagement_id, contract.pk])


def _row_url(contract, kind):
    return reverse("contracts:row", args=[contract.engagement_id, contract.pk, kind])


def _form_data(page, lead, deliverables, *, initial=0, deleted=()):
    form = page.context["form"]
    data = {name: form.initial.get(name) or "" for name in form.fields if name != "personnel"}
    data.update({
        "personnel": [lead.pk],
        "start_date": timezone.localdate().isoformat(), "end_date": DUE,
        "deliverables-TOTAL_FORMS": str(len(deliverables)),
        "deliverables-INITIAL_FORMS": str(initial),
        "installments-TOTAL_FORMS": "1", "installments-INITIAL_FORMS": "0",
    })
    for i, title in enumerate(deliverables):
        data.update({f"deliverables-{i}-category": "standardization",
                     f"deliverables-{i}-title": title, f"deliverables-{i}-due_date": DUE})
        if i in deleted:
            data[f"deliverables-{i}-DELETE"] = "on"
    data.update(seen_versions(page))
    return data


def test_the_row_endpoint_answers_the_next_row_and_raises_total_forms(client, a, draft):
    page = client.get(_edit_url(draft))
    html = page.content.decode()
    # the page: the add button GETs the next row, sending the management form's count
    assert f'hx-get="{_row_url(draft, "deliverables")}"' in html
    assert 'hx-include="#id_deliverables-TOTAL_FORMS"' in html
    assert 'hx-swap="beforeend"' in html and "js/formset-rows.js" in html
    resp = client.get(_row_url(draft, "deliverables"), {"deliverables-TOTAL_FORMS": "3"})
    assert resp.status_code == 200
    row = resp.content.decode()
    assert 'name="deliverables-3-title"' in row and 'name="deliverables-3-DELETE"' in row
    assert "deliverables-2-" not in row and "__prefix__" not in row
    total = re.search(r'<input[^>]*name="deliverables-TOTAL_FORMS"[^>]*>', row).group(0)
    assert 'value="4"' in total and 'hx-swap-oob="true"' in total
    assert 'id="id_deliverables-TOTAL_FORMS"' in total
    resp = client.get(_row_url(draft, "installments"), {"installments-TOTAL_FORMS": "1"})
    assert 'name="installments-1-amount"' in resp.content.decode()
    # no count, a count out of the formset's bounds, or an unknown kind: no row
    assert client.get(_row_url(draft, "deliverables")).status_code == 400
    assert client.get(_row_url(draft, "deliverables"),
                      {"deliverables-TOTAL_FORMS": "-1"}).status_code == 400
    assert client.get(_row_url(draft, "deliverables"),
                      {"deliverables-TOTAL_FORMS": "99999"}).status_code == 400
    assert client.get(_row_url(draft, "clauses"),
                      {"clauses-TOTAL_FORMS": "1"}).status_code == 404


def test_the_row_endpoint_of_another_firms_contract_is_a_404(client, a, b, draft):
    login(client, b.consultant)
    resp = client.get(_row_url(draft, "deliverables"), {"deliverables-TOTAL_FORMS": "1"})
    assert resp.status_code == 404
    login(client, a.consultant)
    assert client.get(_row_url(draft, "deliverables"),
                      {"deliverables-TOTAL_FORMS": "1"}).status_code == 200


def test_three_added_rows_are_saved(client, a, draft):
    page = client.get(_edit_url(draft))
    assert page.context["deliverables"].total_form_count() == 1  # one empty row
    # two rows added in place: indexes 1 and 2, as the page's count rises
    for index in (1, 2):
        row = client.get(_row_url(draft, "deliverables"),
                         {"deliverables-TOTAL_FORMS": str(index)}).content.decode()
        assert f'name="deliverables-{index}-title"' in row
    data = _form_data(page, a.consultant, ["管理制度汇编", "操作规程汇编", "隐患排查台账"])
    resp = client.post(_edit_url(draft), data)
    assert resp.status_code == 302, resp.context and resp.context["deliverables"].errors
    with scopes_disabled():
        assert [d.title for d in Deliverable.objects.filter(contract=draft).order_by("order")] \
            == ["管理制度汇编", "操作规程汇编", "隐患排查台账"]


def test_a_removed_row_is_deleted_through_the_service(client, a, draft):
    page = client.get(_edit_url(draft))
    assert client.post(_edit_url(draft),
                       _form_data(page, a.consultant, ["管理制度汇编", "操作规程汇编"])).status_code == 302
    with scopes_disabled():
        updates = Event.objects.filter(verb="contract.updated").count()
    page = client.get(_edit_url(draft))
    assert page.context["deliverables"].initial_form_count() == 2
    assert 'data-row-remove' in page.content.decode()
    # the first row removed on the page: its DELETE marked (and the row hidden)
    data = _form_data(page, a.consultant, ["管理制度汇编", "操作规程汇编"], initial=2, deleted={0})
    assert client.post(_edit_url(draft), data).status_code == 302
    with scopes_disabled():
        assert [d.title for d in Deliverable.objects.filter(contract=draft)] == ["操作规程汇编"]
        event = Event.objects.filter(verb="contract.updated").latest("pk")
        assert Event.objects.filter(verb="contract.updated").count() == updates + 1
        assert event.actor_id == a.consultant.pk
