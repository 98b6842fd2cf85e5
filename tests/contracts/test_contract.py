"""Clause 7: the contract, its gate, signing, freezing and amendments."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from consultancy.tenancy.scoping import CrossFirmReference, firm_scope
from contracts import models as systems
from contracts import services
from contracts.clauses import CLAUSE_KEYS, CLAUSES, clause_field, cny_in_words, filled_clauses
from contracts.models import Contract, Deliverable
from engagements import services as engagement_services
from engagements.freezing import frozen_records_unlocked
from engagements.models import FrozenRecord
from engagements.stages import Stage
from tests import factories as f
from tests.conftest import login
from tests.engagements.helpers import advance_to, meet_contracting
from tests.scoping import scopes_disabled
from tests.uploads import pdf_bytes
from tests.versions import seen_versions, with_versions

pytestmark = pytest.mark.django_db


@pytest.fixture
def contracting(a):
    with scopes_disabled():
        return advance_to(f.EngagementFactory(client=a.client, lead_consultant=a.consultant),
                          Stage.CONTRACTING)


def test_cny_in_words():
    assert cny_in_words(120000) == "壹拾贰万元整"
    assert cny_in_words("10010.50") == "壹万零壹拾元伍角"
    assert cny_in_words(108000) == "壹拾万捌仟元整"


def test_the_draft_comes_from_the_template_and_the_confirmed_framework(a, contracting):
    with scopes_disabled():
        contract = services.contract_draft(engagement=contracting, by=a.consultant)
        assert contract.number == f"HT-{contracting.number}" and contract.version == 1
        assert a.client.name in contract.clause_objectives
        assert "通过安全生产标准化二级评审" in contract.clause_objectives  # from 6.4
        # the fee is a term of the contract: filled from it wherever the clause is shown
        # (clauses.filled_clauses), never written into the stored text at drafting
        assert contract.fee == 100000 and "{fee_in_words}" in contract.clause_payment
        assert "壹拾万元整" in filled_clauses(contract)["payment"]
        assert contract.empty_clauses() == []
        assert "{" not in contract.clause_objectives
        assert list(contract.personnel.all()) == [a.consultant]


# -- the gate: each requirement alone holds it shut ---------------------------------

def _sign_gate_refused(e, a, code):
    with pytest.raises(engagement_services.GateClosed) as exc:
        engagement_services.engagement_sign_contract(engagement=e, by=a.consultant)
    assert code in [r.code for r in exc.value.missing]
    return [r.code for r in exc.value.missing]


def test_7_signed_alone_holds_the_gate(a, contracting):
    with scopes_disabled():
        meet_contracting(contracting, sign=False, render=False)
        assert _sign_gate_refused(contracting, a, "7.signed") == ["7.signed"]


def test_7_clauses_alone_holds_the_gate(a, contracting):
    """A signed contract with an empty clause cannot exist through the services, so the
    state is made directly: the gate's check is what is under test."""
    with scopes_disabled():
        contract = meet_contracting(contracting, render=False)
        with frozen_records_unlocked("test: a signed contract with an empty clause"):
            Contract.objects.filter(pk=contract.pk).update(clause_compensation="")
        assert _sign_gate_refused(contracting, a, "7.clauses") == ["7.clauses"]
        with frozen_records_unlocked("test: the clause filled again"):
            Contract.objects.filter(pk=contract.pk).update(clause_compensation="赔偿条款")
        engagement_services.engagement_sign_contract(engagement=contracting, by=a.consultant)
        assert contracting.stage == Stage.DELIVERY


@pytest.mark.parametrize("missing", ["deliverables", "guidance_period_days", "follow_up_visits"])
def test_7_deliverables_alone_holds_the_gate(a, contracting, missing):
    with scopes_disabled():
        contract = meet_contracting(contracting, render=False)
        with frozen_records_unlocked(f"test: a signed contract without {missing}"):
            if missing == "deliverables":
                Deliverable.objects.with_scopes_disabled().filter(contract=contract).delete()
            else:
                Contract.objects.filter(pk=contract.pk).update(**{missing: None})
        expected = ["7.deliverables"]
        if missing == "deliverables":  # no deliverable: not the document system either
            expected.append("7.document_system")
        assert _sign_gate_refused(contracting, a, "7.deliverables") == expected


def test_7_document_system_alone_holds_the_gate(a, contracting):
    """8.5.1: a safety standardization engagement's contract delivers the standardization
    system documents; one whose only deliverable is of another category does not."""
    with scopes_disabled():
        contract = meet_contracting(contracting, render=False)
        with frozen_records_unlocked("test: a signed contract without its document system"):
            Deliverable.objects.with_scopes_disabled().filter(contract=contract).update(
                category=Deliverable.Category.OTHER)
        assert _sign_gate_refused(contracting, a, "7.document_system") == [
            "7.document_system"]
        assert services.missing_document_systems(contract) == [
            str(Deliverable.Category.STANDARDIZATION.label)]
        # the firm's mapping says standardization engagements may deliver "other" documents
        systems.DocumentSystemRequirement.objects.filter(firm=a.firm).delete()
        services.document_system_save(firm=a.firm, by=a.manager,
                                      service_type="standardization", category="other")
        engagement_services.engagement_sign_contract(engagement=contracting, by=a.consultant)
        assert contracting.stage == Stage.DELIVERY


@pytest.mark.parametrize(("service_type", "category", "met"), [
    ("standardization", "standardization", True),
    ("ledgers", "ledger", True),
    ("ledgers", "standardization", False),
    ("risk_grading", "risk_grading", True),
    ("risk_grading", "ledger", False),
    ("adviser", "other", True),  # the adviser service requires no system
    ("other", "other", True),
])
def test_each_service_type_requires_its_document_system(a, service_type, category, met):
    with scopes_disabled():
        e = advance_to(f.EngagementFactory(client=a.client, lead_consultant=a.consultant,
                                           service_type=service_type), Stage.CONTRACTING)
        contract = services.contract_draft(engagement=e, by=a.consultant)
        services.contract_update(contract=contract, by=a.consultant, deliverables=[
            {"category": category, "title": "交付资料",
             "due_date": timezone.localdate() + datetime.timedelta(days=30)}])
        rows = {r.code: r.met for r in e.requirements()}
    assert rows["7.document_system"] is met


def test_only_a_manager_edits_the_document_systems(a, b):
    with scopes_disabled():
        assert services.document_systems_for(a.firm) == {
            "standardization": {"standardization"}, "ledgers": {"ledger"},
            "risk_grading": {"risk_grading"}}
        with pytest.raises(ValidationError):
            services.document_system_save(firm=a.firm, by=a.consultant,
                                          service_type="adviser", category="other")
        with pytest.raises(ValidationError):  # once
            services.document_system_save(firm=a.firm, by=a.manager,
                                          service_type="ledgers", category="ledger")
        theirs = systems.DocumentSystemRequirement.objects.filter(firm=b.firm).first()
        with pytest.raises(CrossFirmReference):
            services.document_system_delete(row=theirs, by=a.manager)


def test_with_clause_7_met_sign_contract_moves_the_engagement_to_delivery(a, contracting):
    with scopes_disabled():
        assert _sign_gate_refused(contracting, a, "7.clauses") == [
            "7.clauses", "7.deliverables", "7.document_system", "7.signed"]
        meet_contracting(contracting, render=False)
        engagement_services.engagement_sign_contract(engagement=contracting, by=a.consultant)
        assert contracting.stage == Stage.DELIVERY


# -- issuing ------------------------------------------------------------------------

@pytest.mark.parametrize("key", CLAUSE_KEYS)
def test_a_contract_with_any_one_clause_empty_cannot_be_issued(a, contracting, key):
    with scopes_disabled():
        contract = services.contract_draft(engagement=contracting, by=a.consultant)
        services.contract_update(contract=contract, by=a.consultant,
                                 end_date=timezone.localdate() + datetime.timedelta(days=30),
                                 **{clause_field(key): "   "})
        with pytest.raises(services.ContractRefused) as exc:
            services.contract_issue(contract=contract, by=a.consultant)
        assert str(dict(CLAUSES)[key]) in str(exc.value)
        contract.refresh_from_db()
        assert contract.status == Contract.Status.DRAFT


def test_the_contract_page_names_the_empty_clause(client, a, contracting):
    with scopes_disabled():
        contract = services.contract_draft(engagement=contracting, by=a.consultant)
        services.contract_update(contract=contract, by=a.consultant, clause_breach="",
                                 end_date=timezone.localdate() + datetime.timedelta(days=30))
    login(client, a.consultant)
    resp = client.get(reverse("contracts:contract", args=[contracting.pk]))
    assert "违约" in resp.content.decode() or "Breach of contract" in resp.content.decode()
    assert resp.context["issue_problems"] and 'id="issue-contract" disabled' in resp.text
    resp = client.post(reverse("contracts:issue", args=[contracting.pk, contract.pk]))
    assert resp.status_code == 409


def test_issuing_returns_before_the_pdf_is_made(client, a, contracting,
                                                django_capture_on_commit_callbacks):
    with scopes_disabled():
        contract = services.contract_draft(engagement=contracting, by=a.consultant)
        services.contract_update(contract=contract, by=a.consultant,
                                 end_date=timezone.localdate() + datetime.timedelta(days=30))
    login(client, a.consultant)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        resp = client.post(reverse("contracts:issue", args=[contracting.pk, contract.pk]))
    assert resp.status_code == 302
    with firm_scope(a.firm):
        contract.refresh_from_db()
        assert contract.status == Contract.Status.ISSUED
        assert contract.issued_pdf.status == "pending" and len(callbacks) == 1
    page = client.get(reverse("contracts:contract", args=[contracting.pk]))
    assert 'hx-get="' in page.text  # the page polls for the PDF
    callbacks[0]()  # the worker renders it
    with firm_scope(a.firm):
        contract.issued_pdf.refresh_from_db()
        assert contract.issued_pdf.status == "ready" and len(contract.issued_pdf.sha256) == 64


# -- signing and freezing -----------------------------------------------------------

def test_signing_stores_both_hashes_and_freezes(a, contracting):
    import hashlib

    with scopes_disabled():
        contract = meet_contracting(contracting, render=False)
        assert contract.status == Contract.Status.SIGNED
        assert contract.issued_pdf_sha256 == contract.issued_pdf.sha256
        assert contract.signed_copy_sha256 == hashlib.sha256(pdf_bytes(b"signed copy")).hexdigest()
        with contract.signed_copy.open("rb") as fh:
            assert hashlib.sha256(fh.read()).hexdigest() == contract.signed_copy_sha256
        assert contract.signed_copy.name.startswith(f"{a.firm.pk}/contracts/")
        contract.clause_breach = "shell 修改"
        with pytest.raises(FrozenRecord):
            contract.save()
        with pytest.raises(FrozenRecord):
            Deliverable.objects.filter(contract=contract).first().delete()


def test_a_signed_contract_cannot_be_edited_through_the_views(client, a, contracting):
    with scopes_disabled():
        contract = meet_contracting(contracting, render=False)
    login(client, a.consultant)
    url = reverse("contracts:edit", args=[contracting.pk, contract.pk])
    assert client.get(url).status_code == 302  # no edit form for a signed contract
    data = {clause_field(k): "改掉" for k in CLAUSE_KEYS}
    data.update({"fee": "1", "deliverables-TOTAL_FORMS": "0", "deliverables-INITIAL_FORMS": "0",
                 "installments-TOTAL_FORMS": "0", "installments-INITIAL_FORMS": "0"})
    assert client.post(url, data).status_code == 409
    for name in ("issue", "withdraw", "delete"):
        assert client.post(reverse(f"contracts:{name}",
                                   args=[contracting.pk, contract.pk])).status_code == 409
    with scopes_disabled():
        contract.refresh_from_db()
        assert contract.clause_breach != "改掉" and contract.status == Contract.Status.SIGNED


def test_a_signed_contract_cannot_be_edited_in_the_admin(client, a, contracting):
    with scopes_disabled():
        contract = meet_contracting(contracting, render=False)
    login(client, a.manager)
    url = reverse("admin:contracts_contract_change", args=[contract.pk])
    assert client.get(url).status_code == 200  # a view page
    resp = client.post(url, {"clause_breach": "改掉", "fee": "1"})
    assert resp.status_code == 403
    assert client.post(reverse("admin:contracts_contract_delete",
                               args=[contract.pk]), {"post": "yes"}).status_code == 403
    with scopes_disabled():
        contract.refresh_from_db()
        assert contract.clause_breach != "改掉"


def test_an_amendment_keeps_the_original_and_its_hashes(a, contracting):
    with scopes_disabled():
        original = meet_contracting(contracting, render=False)
        hashes = (original.issued_pdf_sha256, original.signed_copy_sha256)
        amendment = services.contract_amend(contract=original, by=a.consultant)
        assert (amendment.version, amendment.amends, amendment.status) == (2, original, "draft")
        assert amendment.clause_breach == original.clause_breach
        assert Deliverable.objects.filter(contract=amendment).count() == 1
        services.contract_update(contract=amendment, by=a.consultant, fee=150000)
        original.refresh_from_db()
        assert original.fee == 100000 and original.status == Contract.Status.SIGNED
        assert (original.issued_pdf_sha256, original.signed_copy_sha256) == hashes
        with pytest.raises(services.ContractRefused):
            services.contract_amend(contract=original, by=a.consultant)  # one amendment each


def test_signing_refuses_a_future_date_and_names_missing_fields(client, a, contracting):
    with scopes_disabled():
        contract = meet_contracting(contracting, sign=False, render=False)
    login(client, a.consultant)
    url = reverse("contracts:sign", args=[contracting.pk, contract.pk])
    tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    resp = client.post(url, with_versions(client, url, {
        "firm_signatory": a.consultant.pk, "firm_signed_on": tomorrow,
        "client_signatory": "赵立新", "client_signed_on": timezone.localdate().isoformat(),
        "signed_copy": SimpleUploadedFile("s.pdf", pdf_bytes(b"x")),
    }))
    assert resp.status_code == 200 and "firm_signed_on" in resp.context["form"].errors
    assert "赵立新" in resp.text  # the rest of the form is kept


def test_an_upload_of_the_wrong_type_says_why_and_keeps_the_form(client, a, contracting):
    with scopes_disabled():
        contract = meet_contracting(contracting, sign=False, render=False)
    login(client, a.consultant)
    url = reverse("contracts:sign", args=[contracting.pk, contract.pk])
    resp = client.post(url, {
        "firm_signatory": a.consultant.pk, "firm_signed_on": timezone.localdate().isoformat(),
        "client_signatory": "赵立新", "client_signed_on": timezone.localdate().isoformat(),
        "signed_copy": SimpleUploadedFile("合同扫描件.pdf", b"MZ\x90\x00 not a pdf at all"),
    })
    assert resp.status_code == 200
    errors = resp.context["form"].errors["signed_copy"]
    assert errors and ("PDF" in errors[0])
    assert "赵立新" in resp.text
    with scopes_disabled():
        contract.refresh_from_db()
        assert contract.status == Contract.Status.ISSUED


def test_the_full_flow_through_the_pages(client, a, contracting, django_capture_on_commit_callbacks):
    login(client, a.consultant)
    assert client.post(reverse("contracts:draft", args=[contracting.pk])).status_code == 302
    with scopes_disabled():
        contract = Contract.objects.get(engagement=contracting)
    edit = reverse("contracts:edit", args=[contracting.pk, contract.pk])
    page = client.get(edit)
    form = page.context["form"]
    data = {name: form.initial.get(name) or "" for name in form.fields if name != "personnel"}
    due = (timezone.localdate() + datetime.timedelta(days=60)).isoformat()
    data.update({
        "personnel": [a.consultant.pk], "end_date": due,
        "start_date": timezone.localdate().isoformat(),
        "deliverables-TOTAL_FORMS": "1", "deliverables-INITIAL_FORMS": "0",
        # 8.5.1: a standardization engagement delivers the standardization system
        "deliverables-0-category": "standardization",
        "deliverables-0-title": "安全生产标准化管理制度汇编",
        "deliverables-0-due_date": due,
        "installments-TOTAL_FORMS": "2", "installments-INITIAL_FORMS": "0",
        "installments-0-description": "签订后", "installments-0-amount": "60000",
        "installments-1-description": "验收后", "installments-1-amount": "40000",
    })
    data.update(seen_versions(page))
    resp = client.post(edit, data)
    assert resp.status_code == 302, resp.context and resp.context["form"].errors
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(reverse("contracts:issue",
                                   args=[contracting.pk, contract.pk])).status_code == 302
    sign = reverse("contracts:sign", args=[contracting.pk, contract.pk])
    resp = client.post(sign, with_versions(client, sign, {
        "firm_signatory": a.consultant.pk, "firm_signed_on": timezone.localdate().isoformat(),
        "client_signatory": "赵立新", "client_signed_on": timezone.localdate().isoformat(),
        "signed_copy": SimpleUploadedFile("signed.pdf", pdf_bytes(b"signed")),
    }))
    assert resp.status_code == 302
    page = client.get(reverse("contracts:contract", args=[contracting.pk]))
    with firm_scope(a.firm):
        contract.refresh_from_db()
    assert contract.signed_copy_sha256 in page.text and contract.issued_pdf_sha256 in page.text
    resp = client.post(reverse("engagements:transition", args=[contracting.pk, "sign_contract"]),
                       {"expected_stage": "contracting"})
    assert resp.status_code == 302
    with firm_scope(a.firm):
        contracting.refresh_from_db()
    assert contracting.stage == Stage.DELIVERY


# -- firm isolation -------------------------------------------------------------------

POST_ONLY = {"issue", "withdraw", "amend", "delete", "draft"}
GET_ONLY = {"signed_copy", "pdf_status", "pdf_download"}


def test_firm_b_contract_pages_and_files_are_404_to_firm_a(client, a, b):
    with scopes_disabled():
        e = advance_to(f.EngagementFactory(client=b.client, lead_consultant=b.consultant),
                       Stage.CONTRACTING)
        contract = meet_contracting(e, render=False)
        doc = contract.issued_pdf
    urls = {name: reverse(f"contracts:{name}", args=[e.pk, contract.pk])
            for name in ("edit", "issue", "withdraw", "sign", "amend", "delete", "signed_copy")}
    urls["contract"] = reverse("contracts:contract", args=[e.pk])
    urls["draft"] = reverse("contracts:draft", args=[e.pk])
    urls["pdf_status"] = reverse("documents:status", args=[doc.pk])
    urls["pdf_download"] = reverse("documents:download", args=[doc.pk])
    for who in (a.consultant, a.manager):
        login(client, who)
        for name, url in urls.items():
            if name not in POST_ONLY:
                assert client.get(url).status_code == 404, name
            if name not in GET_ONLY:
                assert client.post(url).status_code == 404, name
    assert client.get(reverse("admin:contracts_contract_change",
                              args=[contract.pk])).status_code == 404  # a.manager
    # firm b's own consultant gets them (the 404s above are about the firm)
    login(client, b.consultant)
    assert client.get(urls["signed_copy"]).status_code == 200
    assert client.get(urls["pdf_download"]).status_code == 200
    assert client.get(urls["contract"]).status_code == 200


def test_only_managers_edit_the_firm_template(client, a, b):
    login(client, a.consultant)
    assert client.get(reverse("contracts:template")).status_code == 404
    login(client, a.manager)
    resp = client.get(reverse("contracts:template"))
    assert resp.status_code == 200
    form = resp.context["form"]
    data = {name: form.initial.get(name) or "" for name in form.fields}
    data["clause_breach"] = "本所的违约条款"
    data.update(seen_versions(resp))
    assert client.post(reverse("contracts:template"), data).status_code == 302
    with scopes_disabled():
        from contracts.models import ContractTemplate

        assert ContractTemplate.objects.get(firm=a.firm).clause_breach == "本所的违约条款"
        assert not ContractTemplate.objects.filter(firm=b.firm).exists()


def test_terms_set_after_drafting_fill_their_placeholders(a, contracting):
    with scopes_disabled():
        contract = services.contract_draft(engagement=contracting, by=a.consultant)
        assert "{end_date}" in contract.clause_period  # unknown when drafted
        assert any("{end_date}" in p for p in services.issue_problems(contract))
        end = timezone.localdate() + datetime.timedelta(days=100)
        contract = services.contract_update(contract=contract, by=a.consultant, end_date=end)
        # the stored text keeps the placeholder; the clause as shown and issued fills it
        assert "{end_date}" not in filled_clauses(contract)["period"]
        assert f"{end.year}年{end.month}月{end.day}日" in filled_clauses(contract)["period"]
        assert services.issue_problems(contract) == []


def test_saving_a_draft_without_touching_its_rows_keeps_them(client, a, contracting):
    with scopes_disabled():
        meet_contracting(contracting, sign=False, render=False)
        contract = Contract.objects.get(engagement=contracting)
        services.contract_withdraw(contract=contract, by=a.consultant)
    login(client, a.consultant)
    edit = reverse("contracts:edit", args=[contracting.pk, contract.pk])
    page = client.get(edit)
    data = {}
    for form in (page.context["form"],):
        for name in form.fields:
            value = form.initial.get(name)
            if name == "personnel":
                data[name] = [u.pk for u in value] if value else []
            elif value is not None:
                data[name] = value
    for prefix, fs in (("deliverables", page.context["deliverables"]),
                       ("installments", page.context["installments"])):
        data[f"{prefix}-TOTAL_FORMS"] = str(len(fs.initial))
        data[f"{prefix}-INITIAL_FORMS"] = str(len(fs.initial))
        for i, row in enumerate(fs.initial):
            for k, v in row.items():
                data[f"{prefix}-{i}-{k}"] = "" if v is None else v
    data.update(seen_versions(page))
    assert client.post(edit, data).status_code == 302
    with scopes_disabled():
        assert Deliverable.objects.filter(contract=contract).count() == 1
        assert contract.paymentinstallments.count() == 1


def test_a_contract_changed_while_the_sign_page_was_open_is_not_signed(client, a, b,
                                                                        contracting):
    """Clause 7: the signature is recorded on the contract the page showed; a contract
    changed meanwhile (here through the documented escape) is refused, the input kept."""
    from consultancy.tenancy.versioning import VERSION_FIELD, StaleEdit

    with scopes_disabled():
        contract = meet_contracting(contracting, sign=False, render=False)
    login(client, a.consultant)
    url = reverse("contracts:sign", args=[contracting.pk, contract.pk])
    seen = client.get(url).context["form"][VERSION_FIELD].value()
    assert seen
    with scopes_disabled(), frozen_records_unlocked("test: the contract changed behind the page"):
        Contract.objects.filter(pk=contract.pk).update(
            guidance_period_days=contract.guidance_period_days + 1)
    data = {"firm_signatory": a.consultant.pk, "firm_signed_on": timezone.localdate().isoformat(),
            "client_signatory": "赵立新", "client_signed_on": timezone.localdate().isoformat(),
            VERSION_FIELD: seen}
    resp = client.post(url, {**data, "signed_copy": SimpleUploadedFile(
        "signed.pdf", pdf_bytes(b"signed"))})
    assert resp.status_code == 200
    assert any(e.code == StaleEdit.code
               for e in resp.context["form"].non_field_errors().as_data())
    assert "赵立新" in resp.text
    with scopes_disabled():
        contract.refresh_from_db()
        assert contract.status == Contract.Status.ISSUED
    # opened again, the page's version signs
    data[VERSION_FIELD] = client.get(url).context["form"][VERSION_FIELD].value()
    assert client.post(url, {**data, "signed_copy": SimpleUploadedFile(
        "signed.pdf", pdf_bytes(b"signed"))}).status_code == 302
    with scopes_disabled():
        contract.refresh_from_db()
        assert contract.status == Contract.Status.SIGNED
    assert login(client, b.manager).get(url).status_code == 404
