"""8.5 through the pages: the library (8.5.1 categories, versions with SHA-256), the
delivery of documents with the hand-over list, the client's acknowledgements, and the
gate 8.5.deliverables."""

import datetime
import hashlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from consultancy.documents.selectors import latest_document
from consultancy.tenancy.scoping import firm_scope
from contracts.models import Deliverable
from delivery import services
from delivery.models import DocumentDelivery, DocumentVersion, ProjectDocument
from engagements.stages import Stage
from tests import factories as f
from tests.conftest import login
from tests.engagements.helpers import advance_to
from tests.scoping import scopes_disabled
from tests.uploads import pdf_bytes

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
PDF_1 = pdf_bytes(b"safety standardization manual, first draft")
PDF_2 = pdf_bytes(b"safety standardization manual, revised after review")


def _engagement(world):
    with scopes_disabled():
        return advance_to(f.EngagementFactory(client=world.client,
                                              lead_consultant=world.consultant), Stage.DELIVERY)


@pytest.fixture
def delivering(a):
    return _engagement(a)


def _deliverable(engagement):
    with scopes_disabled():
        return Deliverable.objects.get(contract__engagement=engagement)


def _gate(engagement):
    with scopes_disabled():
        return next(r for r in engagement.requirements("delivery")
                    if r.code == "8.5.deliverables").met


def _upload(content=PDF_1, name="制度汇编.pdf"):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def _document(world, engagement, title="隐患排查治理台账", category="ledger", deliverable=None,
              content=PDF_1):
    with scopes_disabled():
        return services.document_create(engagement=engagement, by=world.consultant,
                                        category=category, title=title, deliverable=deliverable,
                                        file=_upload(content))


# -- the flow ---------------------------------------------------------------------------


def test_documents_through_the_pages_meet_8_5(client, a, delivering,
                                              django_capture_on_commit_callbacks):
    e = delivering
    deliverable = _deliverable(e)
    login(client, a.consultant)
    library = reverse("delivery:documents", args=[e.pk])
    page = client.get(library)
    assert page.status_code == 200
    assert page.context["deliverables"] == [deliverable]
    assert not _gate(e)

    # the form offers this contract's deliverables, and starts from the one chosen
    create = reverse("delivery:document_create", args=[e.pk])
    page = client.get(create, {"deliverable": deliverable.pk})
    form = page.context["form"]
    with firm_scope(a.firm):  # the choices, read as the page reads them
        assert list(form.fields["deliverable"].queryset) == [deliverable]
    assert form.initial["category"] == deliverable.category
    resp = client.post(create, {"category": deliverable.category, "title": deliverable.title,
                                "deliverable": deliverable.pk, "file": _upload(),
                                "note": "初稿"})
    assert resp.status_code == 302
    with scopes_disabled():
        document = ProjectDocument.objects.get(engagement=e)
        v1 = document.versions.get()
        assert document.deliverable == deliverable and v1.version == 1
    assert v1.sha256 == hashlib.sha256(PDF_1).hexdigest()

    # a new version: version 2, a new hash; version 1 kept
    detail = reverse("delivery:document_detail", args=[e.pk, document.pk])
    assert client.post(detail, {"file": _upload(PDF_2), "note": "评审后修订"}).status_code == 302
    with scopes_disabled():
        v2 = document.versions.get(version=2)
        assert document.versions.count() == 2
    assert v2.sha256 == hashlib.sha256(PDF_2).hexdigest() != v1.sha256
    page = client.get(detail)
    assert v1.sha256 in page.text and v2.sha256 in page.text
    download = client.get(reverse("delivery:version_file", args=[e.pk, document.pk, v1.pk]))
    assert download.status_code == 200 and b"".join(download.streaming_content) == PDF_1
    assert "attachment" in download["Content-Disposition"]

    # the deliver form lists the latest versions only
    deliver = reverse("delivery:deliver", args=[e.pk])
    page = client.get(deliver, {"version": v2.pk})
    assert [r.pk for r in page.context["rows"]] == [v2.pk] and page.context["rows"][0].selected
    with django_capture_on_commit_callbacks(execute=True):
        resp = client.post(deliver, {"versions": [v2.pk], "delivered_on": TODAY.isoformat()})
    assert resp.status_code == 302
    with scopes_disabled():
        delivery = DocumentDelivery.objects.get(engagement=e)
        handover = latest_document(e, "handover")
        assert delivery.version == v2
    assert handover is not None and handover.is_ready, handover and handover.error
    assert not _gate(e)  # delivered, not yet acknowledged
    page = client.get(library)
    assert reverse("documents:download", args=[handover.pk]) in page.text
    assert page.context["deliverables"][0].is_delivered
    assert not page.context["deliverables"][0].is_acknowledged

    # the client's acknowledgement (on paper, recorded here)
    ack = reverse("delivery:acknowledge", args=[e.pk, delivery.pk])
    assert client.post(ack, {"contact": a.contact.pk,
                             "acknowledged_on": TODAY.isoformat()}).status_code == 302
    with firm_scope(a.firm):
        delivery.refresh_from_db()
        assert delivery.is_acknowledged and delivery.acknowledged_by == a.contact
    assert _gate(e)
    page = client.get(library)
    assert page.context["deliverables"][0].is_acknowledged
    assert page.context["requirement"].met


def test_a_document_not_linked_to_the_deliverable_does_not_meet_the_gate(client, a, delivering):
    doc = _document(a, delivering)  # not linked to the contracted deliverable
    with scopes_disabled():
        [delivery] = services.documents_deliver(engagement=delivering,
                                                versions=[doc.versions.get()],
                                                delivered_on=TODAY, by=a.consultant)
        services.delivery_acknowledge(delivery=delivery, contact=a.contact,
                                      acknowledged_on=TODAY, by=a.consultant)
    assert not _gate(delivering)


def test_an_upload_of_the_wrong_type_is_refused_and_the_form_kept(client, a, delivering):
    login(client, a.consultant)
    create = reverse("delivery:document_create", args=[delivering.pk])
    resp = client.post(create, {
        "category": "risk_grading", "title": "风险分级管控清单（第一版）", "note": "现场辨识后编制",
        "file": _upload(b"MZ\x90\x00\x03 this is a Windows program", "风险清单.pdf")})
    assert resp.status_code == 200
    errors = resp.context["form"].errors["file"]
    assert errors and "PDF" in errors[0]
    assert errors[0] in resp.text
    assert "风险分级管控清单（第一版）" in resp.text and "现场辨识后编制" in resp.text
    assert 'value="risk_grading" selected' in resp.text
    with scopes_disabled():
        assert not ProjectDocument.objects.filter(engagement=delivering).exists()

    doc = _document(a, delivering)
    detail = reverse("delivery:document_detail", args=[delivering.pk, doc.pk])
    resp = client.post(detail, {"file": _upload(b"MZ\x90\x00", "v2.pdf"), "note": "第二版说明"})
    assert resp.status_code == 200 and "file" in resp.context["form"].errors
    assert "第二版说明" in resp.text
    with scopes_disabled():
        assert doc.versions.count() == 1


def test_a_deliverable_of_another_category_is_refused(client, a, delivering):
    login(client, a.consultant)
    deliverable = _deliverable(delivering)
    resp = client.post(reverse("delivery:document_create", args=[delivering.pk]), {
        "category": "ledger", "title": "台账", "deliverable": deliverable.pk, "file": _upload()})
    assert resp.status_code == 200 and "category" in resp.context["form"].errors


def test_delivering_nothing_or_in_the_future_is_refused(client, a, delivering):
    doc = _document(a, delivering)
    login(client, a.consultant)
    deliver = reverse("delivery:deliver", args=[delivering.pk])
    resp = client.post(deliver, {"delivered_on": TODAY.isoformat()})
    assert resp.status_code == 200 and "versions" in resp.context["form"].errors
    with scopes_disabled():
        version = doc.versions.get()
    resp = client.post(deliver, {"versions": [version.pk], "delivered_on": (
        TODAY + datetime.timedelta(days=2)).isoformat()})
    assert resp.status_code == 200 and "delivered_on" in resp.context["form"].errors
    assert resp.context["rows"][0].selected  # the choice is kept
    with scopes_disabled():
        assert not DocumentDelivery.objects.filter(engagement=delivering).exists()


def test_a_bad_acknowledgement_changes_nothing(client, a, b, delivering):
    doc = _document(a, delivering)
    with scopes_disabled():
        [delivery] = services.documents_deliver(engagement=delivering,
                                                versions=[doc.versions.get()],
                                                delivered_on=TODAY, by=a.consultant)
    login(client, a.consultant)
    ack = reverse("delivery:acknowledge", args=[delivering.pk, delivery.pk])
    for data in ({"contact": b.contact.pk, "acknowledged_on": TODAY.isoformat()},
                 {"contact": a.contact.pk,
                  "acknowledged_on": (TODAY - datetime.timedelta(days=5)).isoformat()},
                 {"contact": a.contact.pk, "acknowledged_on": "not a date"}):
        resp = client.post(ack, data, follow=True)
        assert resp.status_code == 200
        assert any(m.level_tag == "error" for m in resp.context["messages"]), data
    with firm_scope(a.firm):
        delivery.refresh_from_db()
    assert not delivery.is_acknowledged


def test_a_frozen_stage_answers_409(client, a, delivering):
    from engagements import services as engagement_services

    doc = _document(a, delivering)
    with scopes_disabled():
        engagement_services.engagement_terminate(engagement=delivering, by=a.consultant,
                                                 reason="合同解除")
    login(client, a.consultant)
    assert client.get(reverse("delivery:documents", args=[delivering.pk])).status_code == 200
    assert client.post(reverse("delivery:document_create", args=[delivering.pk]), {
        "category": "ledger", "title": "x", "file": _upload()}).status_code == 409
    assert client.post(reverse("delivery:document_detail", args=[delivering.pk, doc.pk]),
                       {"file": _upload(PDF_2)}).status_code == 409
    assert client.post(reverse("delivery:deliver", args=[delivering.pk]),
                       {"delivered_on": TODAY.isoformat()}).status_code == 409
    with scopes_disabled():
        assert doc.versions.count() == 1


# -- isolation ----------------------------------------------------------------------------


def _world_with_documents(world):
    e = _engagement(world)
    doc = _document(world, e, deliverable=None)
    with scopes_disabled():
        version = doc.versions.get()
        [delivery] = services.documents_deliver(engagement=e, versions=[version],
                                                delivered_on=TODAY, by=world.consultant)
    return e, doc, version, delivery


def _urls(e, doc, version, delivery):
    """name: (url, GET, POST)"""
    return {
        "library": (reverse("delivery:documents", args=[e.pk]), True, False),
        "create": (reverse("delivery:document_create", args=[e.pk]), True, True),
        "detail": (reverse("delivery:document_detail", args=[e.pk, doc.pk]), True, True),
        "file": (reverse("delivery:version_file", args=[e.pk, doc.pk, version.pk]), True, False),
        "deliver": (reverse("delivery:deliver", args=[e.pk]), True, True),
        "acknowledge": (reverse("delivery:acknowledge", args=[e.pk, delivery.pk]), False, True),
    }


def _post_data(world, version):
    return {"category": "ledger", "title": "越权文件", "file": _upload(), "contact":
            world.contact.pk, "acknowledged_on": TODAY.isoformat(), "versions": [version.pk],
            "delivered_on": TODAY.isoformat()}


def _all_404(client, urls, data):
    for name, (url, get, post) in urls.items():
        if get:
            assert client.get(url).status_code == 404, name
        if post:
            assert client.post(url, data).status_code == 404, name


def test_firm_b_documents_are_404_to_firm_a(client, a, b):
    e, doc, version, delivery = _world_with_documents(b)
    for who in (a.consultant, a.manager):
        login(client, who)
        _all_404(client, _urls(e, doc, version, delivery), _post_data(a, version))
    # firm b's document, version and delivery under firm a's own engagement: 404 too
    mine = _engagement(a)
    login(client, a.consultant)
    urls = _urls(mine, doc, version, delivery)
    for name in ("library", "create", "deliver"):
        del urls[name]
    _all_404(client, urls, _post_data(a, version))
    with scopes_disabled():
        assert doc.versions.count() == 1
        assert not ProjectDocument.objects.filter(title="越权文件").exists()
        delivery.refresh_from_db()
        assert not delivery.is_acknowledged
    login(client, b.consultant)
    assert client.get(_urls(e, doc, version, delivery)["file"][0]).status_code == 200


def test_a_consultant_not_on_the_engagement_gets_404(client, a):
    e, doc, version, delivery = _world_with_documents(a)
    with scopes_disabled():
        stranger = f.ConsultantFactory(firm=a.firm)
    login(client, stranger)
    _all_404(client, _urls(e, doc, version, delivery), _post_data(a, version))
    login(client, a.manager)
    assert client.get(reverse("delivery:documents", args=[e.pk])).status_code == 200


def test_a_version_of_another_engagement_cannot_be_delivered_here(client, a):
    other, doc, version, _delivery = _world_with_documents(a)
    mine = _engagement(a)
    login(client, a.consultant)
    resp = client.post(reverse("delivery:deliver", args=[mine.pk]),
                       {"versions": [version.pk], "delivered_on": TODAY.isoformat()})
    assert resp.status_code == 200 and "versions" in resp.context["form"].errors
    with scopes_disabled():
        assert not DocumentDelivery.objects.filter(engagement=mine).exists()


# -- queries --------------------------------------------------------------------------------


def _library_with(a, n):
    e = _engagement(a)
    deliverable = _deliverable(e)
    categories = ["standardization", "ledger", "risk_grading", "other"]
    with scopes_disabled():
        versions = []
        for i in range(n):
            doc = services.document_create(
                engagement=e, by=a.consultant, category=categories[i % 4],
                title=f"技术资料 {i:02d}", deliverable=deliverable if i == 0 else None,
                file=_upload(pdf_bytes(str(i).encode())))
            versions.append(services.document_version_add(
                document=doc, file=_upload(pdf_bytes(b"v2 " + str(i).encode())), by=a.consultant))
        deliveries = services.documents_deliver(engagement=e, versions=versions[: n // 2],
                                                delivered_on=TODAY, by=a.consultant)
        for d in deliveries[::2]:
            services.delivery_acknowledge(delivery=d, contact=a.contact, acknowledged_on=TODAY,
                                          by=a.consultant)
    return e


def _queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("view", ["documents", "deliver"])
def test_the_library_makes_as_many_queries_for_50_documents_as_for_5(client, a, view):
    few, many = _library_with(a, 5), _library_with(a, 50)
    login(client, a.consultant)
    client.get(reverse(f"delivery:{view}", args=[few.pk]))  # warm the caches
    assert (_queries(client, reverse(f"delivery:{view}", args=[few.pk]))
            == _queries(client, reverse(f"delivery:{view}", args=[many.pk])))
    with scopes_disabled():
        assert DocumentVersion.objects.filter(document__engagement=many).count() == 100


def test_the_document_page_makes_as_many_queries_for_50_versions_as_for_5(client, a):
    e = _engagement(a)
    docs = []
    with scopes_disabled():
        for n in (5, 50):
            doc = services.document_create(engagement=e, by=a.consultant, category="other",
                                           title=f"{n} 版文件", file=_upload())
            for i in range(n - 1):
                version = services.document_version_add(
                    document=doc, file=_upload(pdf_bytes(str(i).encode())), by=a.consultant)
                if i % 3 == 0:
                    services.documents_deliver(engagement=e, versions=[version],
                                               delivered_on=TODAY, by=a.consultant)
            docs.append(doc)
    login(client, a.consultant)
    urls = [reverse("delivery:document_detail", args=[e.pk, d.pk]) for d in docs]
    client.get(urls[0])
    assert _queries(client, urls[0]) == _queries(client, urls[1])


def test_a_version_added_while_the_page_was_open_is_seen_before_another(client, a, b,
                                                                        delivering):
    """8.5: two people add a version from the page they opened on version 1: the second
    is refused, names who added version 2, keeps their note; nothing is stored over it."""
    from django.test import Client

    from consultancy.tenancy.versioning import StaleEdit

    doc = _document(a, delivering)
    detail = reverse("delivery:document_detail", args=[delivering.pk, doc.pk])
    with scopes_disabled():
        other = f.ConsultantFactory(firm=a.firm)
        delivering.consultants.add(other)
    first, second = login(Client(), a.consultant), login(Client(), other)
    seen1 = first.get(detail).context["form"]["seen_latest"].value()
    seen2 = second.get(detail).context["form"]["seen_latest"].value()
    assert seen1 == seen2 == 1
    assert first.post(detail, {"file": _upload(PDF_2, "v2.pdf"), "note": "评审后修订",
                               "seen_latest": seen1}).status_code == 302
    resp = second.post(detail, {"file": _upload(PDF_2, "v2b.pdf"), "note": "我的修订说明",
                                "seen_latest": seen2})
    assert resp.status_code == 200
    errors = resp.context["form"].non_field_errors().as_data()
    assert any(e.code == StaleEdit.code for e in errors)
    assert a.consultant.full_name in resp.text and "我的修订说明" in resp.text
    with scopes_disabled():
        assert list(doc.versions.order_by("version").values_list("version", "note")) == [
            (1, ""), (2, "评审后修订")]
    # opened again, the page shows version 2 and the next version is stored
    seen2 = second.get(detail).context["form"]["seen_latest"].value()
    assert second.post(detail, {"file": _upload(PDF_2, "v3.pdf"), "note": "我的修订说明",
                                "seen_latest": seen2}).status_code == 302
    with scopes_disabled():
        assert doc.versions.count() == 3
    assert login(Client(), b.manager).get(detail).status_code == 404
