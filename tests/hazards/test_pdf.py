"""The ledger as a PDF in the documents pipeline, rendered by WeasyPrint and read back."""

import pytest
from django.urls import reverse

from consultancy.documents.selectors import latest_document
from consultancy.documents.tasks import render_document
from consultancy.tenancy.scoping import firm_scope
from hazards.pdf import LEDGER_TITLE
from tests.conftest import login
from tests.documents.helpers import poppler
from tests.hazards.helpers import record, to_state

pytestmark = pytest.mark.django_db


def test_the_ledger_pdf_is_asked_for_on_the_ledger_and_holds_every_row(client, a, b, eng):
    e = eng[a.firm.pk]
    to_state(record(e, a.consultant, location="配电室"), "closed", staff=a.consultant,
             contact=a.contact)
    record(e, a.consultant, major=True, location="甲醇罐区")
    login(client, b.consultant)
    assert client.post(reverse("hazards:pdf", args=[e.pk])).status_code == 404
    login(client, a.consultant)
    assert client.post(reverse("hazards:pdf", args=[e.pk])).status_code == 302
    with firm_scope(a.firm):
        document = latest_document(e, "hazard_ledger")
    assert document is not None
    if document.status != "ready":
        assert render_document(document.firm_id, document.pk) == "ready", document.error
        with firm_scope(a.firm):  # under row-level security, the firm's rows only
            document.refresh_from_db()
    text = poppler("pdftotext", document.file.path).replace("\n", "")
    assert LEDGER_TITLE in text and a.client.name in text
    for word in ("YH-001", "YH-002", "配电室", "甲醇罐区", "重大", "已销号", "整改率 50.0%"):
        assert word in text, word
    page = client.get(reverse("hazards:ledger", args=[e.pk])).content.decode()
    assert f'id="document-{document.pk}"' in page
