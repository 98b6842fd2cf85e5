"""The admin's history page of a versioned record (issue 19): the changes between
versions, many-to-many fields included, are what simple-history's own diff says, and the
page costs the same queries however many versions there are (the contract's personnel,
clause 7, were read twice per version)."""

import pytest
from django.contrib import admin
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from simple_history.admin import SimpleHistoryAdmin

from contracts import services as contract_services
from contracts.models import Contract
from engagements.stages import Stage
from tests import factories as f
from tests.conftest import login
from tests.engagements.helpers import advance_to
from tests.scoping import scopes_disabled

pytestmark = pytest.mark.django_db


def _edit(contract, by, people, n):
    for i in range(n):
        contract = contract_services.contract_update(
            contract=contract, by=by, personnel=people[i % len(people)],
            clause_scope=f"第{i}次修改的服务范围")
    return contract


@pytest.fixture
def contract(a):
    with scopes_disabled():
        engagement = advance_to(f.EngagementFactory(client=a.client,
                                                    lead_consultant=a.consultant),
                                Stage.CONTRACTING)
        contract = contract_services.contract_draft(engagement=engagement, by=a.consultant)
        return _edit(contract, a.consultant,
                     [[a.consultant], [a.consultant, a.manager], [a.manager], []], 4)


def _deltas(model_admin, request, contract, own):
    with scopes_disabled():
        records = list(model_admin.get_history_queryset(request, Contract.history, "id",
                                                        contract.pk))
        if own:
            model_admin.set_history_delta_changes(request, records)
        else:
            SimpleHistoryAdmin.set_history_delta_changes(model_admin, request, records)
    return [[(c["field"], str(c["old"]), str(c["new"]))
             for c in getattr(r, "history_delta_changes", [])] for r in records]


def test_the_changes_are_simple_histories_own(a, contract):
    model_admin = admin.site._registry[Contract]
    request = RequestFactory().get("/")
    request.user = a.manager
    ours = _deltas(model_admin, request, contract, own=True)
    theirs = _deltas(model_admin, request, contract, own=False)
    assert ours == theirs
    personnel = [c for changes in ours for c in changes if "ersonnel" in c[0] or "人员" in c[0]]
    assert len(personnel) >= 3, ours  # the personnel changed with every edit


def test_the_history_page_does_not_grow_with_versions(client, a, contract):
    login(client, a.manager)
    url = reverse("admin:contracts_contract_history", args=[contract.pk])
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        response = client.get(url)
    assert response.status_code == 200
    assert a.manager.full_name in response.content.decode()  # a personnel change shown
    with scopes_disabled():
        _edit(Contract.objects.get(pk=contract.pk), a.consultant,
              [[a.manager], [a.consultant]], 6)
    with CaptureQueriesContext(connection) as more:
        assert client.get(url).status_code == 200
    assert len(more) == len(few) <= 15, [q["sql"] for q in more.captured_queries]
