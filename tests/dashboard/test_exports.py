"""The engagement list and the complaint register as CSV and Excel: managers only, exactly
their firm's rows, the list page's filters, a query count that does not grow with rows."""

import csv
import datetime
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from contracts.models import Contract
from engagements.models import Engagement
from engagements.stages import Stage
from feedback import services as feedback_services
from tests import factories as f
from tests.conftest import login
from tests.engagements.helpers import advance_to
from tests.feedback.steps import walk
from tests.scoping import scopes_disabled

pytestmark = pytest.mark.django_db

ENGAGEMENT_HEADER = ["Number", "Title", "Client", "Unified social credit code", "Service type",
                     "Origin", "Stage", "In this stage since", "Lead consultant",
                     "Contract number", "Contract fee (CNY)", "Created at"]
COMPLAINT_HEADER = ["Number", "Received on", "Received through", "Complainant", "Engagement",
                    "Engagement title", "Severity", "Safety-related", "Status",
                    "Next step due by", "Overdue", "Decision communicated on", "Closed on",
                    "Escalated to", "What happened"]


@pytest.fixture(autouse=True)
def _english(settings):
    settings.LANGUAGE_CODE = "en"


def _get(client, name, fmt, query=""):
    return client.get(reverse(name, args=[fmt]) + query, HTTP_ACCEPT_LANGUAGE="en")


def _csv(response):
    body = response.content.decode("utf-8")
    assert body.startswith("\ufeff")  # the BOM Excel needs for UTF-8
    return list(csv.reader(io.StringIO(body[1:])))


def _xlsx(response):
    sheet = load_workbook(io.BytesIO(response.content)).active
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def _complaint(w, engagement=None, days_ago=0):
    return feedback_services.complaint_receive(
        firm=w.firm, by=w.manager, received_on=timezone.localdate() - datetime.timedelta(
            days=days_ago), channel="phone", complainant_name=f"{w.firm.name}投诉人",
        description="现场指导不及时", engagement=engagement)


@pytest.fixture
def rows(a, b):
    with scopes_disabled():
        ea = [f.EngagementFactory(client=a.client, lead_consultant=a.consultant, title=f"甲{i}")
              for i in range(2)]
        signed = advance_to(f.EngagementFactory(client=a.client, lead_consultant=a.consultant,
                                                title="甲签约"), Stage.DELIVERY)
        eb = [f.EngagementFactory(client=b.client, lead_consultant=b.consultant, title="乙")
              for _ in range(2)]
        ca = [_complaint(a, signed, days_ago=10), _complaint(a)]
        cb = [_complaint(b)]
    return {"a": [*ea, signed], "b": eb, "signed": signed, "ca": ca, "cb": cb}


@pytest.mark.parametrize("name", ["dashboard:export_engagements", "dashboard:export_complaints"])
def test_exports_are_for_managers_only(client, a, name):
    for user in (a.consultant, a.contact.user):
        login(client, user)
        for fmt in ("csv", "xlsx"):
            assert _get(client, name, fmt).status_code == 404
    login(client, a.manager)
    assert _get(client, name, "pdf").status_code == 404
    assert _get(client, name, "csv").status_code == 200


def test_engagement_csv_has_exactly_our_rows(client, a, rows):
    login(client, a.manager)
    response = _get(client, "dashboard:export_engagements", "csv")
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    table = _csv(response)
    assert table[0] == ENGAGEMENT_HEADER
    assert sorted(r[0] for r in table[1:]) == sorted(e.number for e in rows["a"])
    by_number = {r[0]: dict(zip(table[0], r, strict=True)) for r in table[1:]}
    with scopes_disabled():
        contract = Contract.objects.get(engagement=rows["signed"])
    signed = by_number[rows["signed"].number]
    assert signed["Title"] == "甲签约"
    assert signed["Client"] == a.client.name
    assert signed["Contract number"] == contract.number
    assert signed["Contract fee (CNY)"] == f"{contract.fee:.2f}"
    assert signed["Stage"] == str(Stage.DELIVERY.label)
    assert signed["Lead consultant"] == a.consultant.full_name
    assert by_number[rows["a"][0].number]["Contract fee (CNY)"] == ""


def test_engagement_export_uses_the_list_filters(client, a, rows):
    login(client, a.manager)
    table = _csv(_get(client, "dashboard:export_engagements", "csv", "?stage=delivery"))
    assert [r[0] for r in table[1:]] == [rows["signed"].number]
    table = _csv(_get(client, "dashboard:export_engagements", "csv", "?q=甲0"))
    assert [r[1] for r in table[1:]] == ["甲0"]


def test_engagement_xlsx_has_exactly_our_rows(client, a, rows):
    login(client, a.manager)
    response = _get(client, "dashboard:export_engagements", "xlsx")
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    table = _xlsx(response)
    assert table[0] == ENGAGEMENT_HEADER
    assert sorted(r[0] for r in table[1:]) == sorted(e.number for e in rows["a"])
    signed = next(r for r in table[1:] if r[0] == rows["signed"].number)
    with scopes_disabled():
        contract = Contract.objects.get(engagement=rows["signed"])
    assert float(signed[10]) == float(contract.fee)  # a number, not text
    assert isinstance(signed[7], datetime.datetime)


def test_complaint_register_csv_and_xlsx(client, a, rows):
    login(client, a.manager)
    numbers = sorted(c.number for c in rows["ca"])
    csv_table = _csv(_get(client, "dashboard:export_complaints", "csv"))
    xlsx_table = _xlsx(_get(client, "dashboard:export_complaints", "xlsx"))
    for table in (csv_table, xlsx_table):
        assert table[0] == COMPLAINT_HEADER
        assert sorted(r[0] for r in table[1:]) == numbers
        assert all(r[3] == "a咨询公司投诉人" for r in table[1:])  # never firm B's
    late = next(dict(zip(COMPLAINT_HEADER, r, strict=True)) for r in csv_table[1:]
                if r[0] == rows["ca"][0].number)
    assert late["Engagement"] == rows["signed"].number
    assert late["Overdue"] == "yes" and late["Status"] == "Received"


def test_export_query_count_does_not_grow_with_rows(client, a, rows):
    login(client, a.manager)

    def grow(n):
        with scopes_disabled():
            for _ in range(n):
                _complaint(a, f.EngagementFactory(client=a.client, lead_consultant=a.consultant))

    def count(name, fmt):
        with CaptureQueriesContext(connection) as ctx:
            assert _get(client, name, fmt).status_code == 200
        return len(ctx)

    names = [(n, fmt) for n in ("dashboard:export_engagements", "dashboard:export_complaints")
             for fmt in ("csv", "xlsx")]
    grow(2)  # 5 engagements, 4 complaints
    for name, fmt in names:
        count(name, fmt)  # warm
    five = {k: count(*k) for k in names}
    grow(45)
    with scopes_disabled():
        assert Engagement.objects.filter(firm=a.firm).count() == 50
    fifty = {k: count(*k) for k in names}
    assert fifty == five


def test_open_complaints_only(client, a, rows):
    closed = rows["ca"][1]
    with scopes_disabled():
        walk(closed, a.manager)
    login(client, a.manager)
    everything = _csv(_get(client, "dashboard:export_complaints", "csv"))
    open_only = _csv(_get(client, "dashboard:export_complaints", "csv", "?open=1"))
    assert sorted(r[0] for r in everything[1:]) == sorted(c.number for c in rows["ca"])
    assert [r[0] for r in open_only[1:]] == [rows["ca"][0].number]
    closed_row = next(r for r in everything[1:] if r[0] == closed.number)
    assert closed_row[8] == "Closed" and closed_row[12]  # status, closed on


def test_the_dashboard_offers_the_filtered_exports(client, a, b):
    login(client, a.manager)
    page = client.get(reverse("dashboard:index")).content.decode()
    assert reverse("dashboard:export_engagements", args=["xlsx"]) in page
    # the choices that need no query (the stages); by client, consultant or the firm's
    # service types, from the engagement list's filters, whose export keeps them
    assert 'name="stage"' in page and 'name="service_type"' not in page
    assert 'name="client"' not in page and reverse("engagements:list") in page
    assert b.client.name not in page


def test_the_engagement_list_offers_its_filtered_export_to_managers_only(client, a):
    login(client, a.manager)
    page = client.get(reverse("engagements:list") + "?stage=delivery").content.decode()
    assert reverse("dashboard:export_engagements", args=["csv"]) + "?stage=delivery" in page
    login(client, a.consultant)
    page = client.get(reverse("engagements:list")).content.decode()
    assert 'id="export-csv"' not in page
