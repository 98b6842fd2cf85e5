"""Moving a test engagement through the process with the records each gate needs."""

from django.utils import timezone

from engagements import services
from engagements.stages import Stage
from tests import factories as f
from tests.scoping import scopes_disabled
from tests.uploads import pdf_bytes


def meet_needs_analysis(engagement, on=None):
    f.NeedsAssessmentFactory(engagement=engagement, assessed_on=on or timezone.localdate())


def meet_communication(engagement, contact=None, on=None):
    on = on or timezone.localdate()
    if engagement.origin == "proactive":
        f.SiteVisitFactory(engagement=engagement, visited_on=on)
    f.CommunicationRecordFactory(engagement=engagement, held_on=on)
    f.ExchangeRecordFactory(engagement=engagement, held_on=on)
    from consultancy.clients.models import ClientContact

    contact = contact or ClientContact.objects.filter(client=engagement.client).first()
    if contact is None:
        contact = f.ClientContactFactory(client=engagement.client)
    f.ProjectFrameworkFactory(engagement=engagement, confirmed_by=contact, confirmed_on=on)


def advance_to(engagement, stage, by=None, on=None):
    """Meet each gate on the way and run the forward transitions up to ``stage``. ``on``:
    the day the records of clauses 5–7 are dated (the assessment, the framework's
    confirmation, the contract's issue and signing; default today), so that clause 8 may
    be dated from that day on (the standard's order)."""
    by = by or engagement.lead_consultant
    with scopes_disabled():
        if engagement.stage == Stage.NEEDS_ANALYSIS and stage != Stage.NEEDS_ANALYSIS:
            meet_needs_analysis(engagement, on=on)
            services.engagement_confirm_needs(engagement=engagement, by=by)
        if engagement.stage == Stage.COMMUNICATION and stage != Stage.COMMUNICATION:
            meet_communication(engagement, on=on)
            services.engagement_confirm_framework(engagement=engagement, by=by)
        if engagement.stage == Stage.CONTRACTING and stage != Stage.CONTRACTING:
            meet_contracting(engagement, render=False, on=on)
            services.engagement_sign_contract(engagement=engagement, by=by)
    assert engagement.stage == stage, f"advance_to({stage}) stopped at {engagement.stage}"
    return engagement


def meet_contracting(engagement, *, sign=True, render=True, on=None):
    """Draft, fill, issue and (optionally) sign the contract through the services.

    ``render=False`` marks the issued PDF ready without WeasyPrint (fast, for tests that
    are not about the PDF); the hashes are still real hashes of stored bytes. ``on``: the
    day it is issued and signed (default today).
    """
    import datetime

    from django.core.files.base import ContentFile
    from django.core.files.uploadedfile import SimpleUploadedFile

    from consultancy.documents.models import GeneratedDocument
    from consultancy.documents.tasks import render_document
    from contracts import services as contract_services

    by = engagement.lead_consultant
    today = timezone.localdate()
    contract = contract_services.contract_draft(engagement=engagement, by=by)
    contract = contract_services.contract_update(
        contract=contract, by=by, end_date=today + datetime.timedelta(days=120),
        deliverables=[{"category": "standardization", "title": "安全生产标准化管理制度汇编",
                       "due_date": today + datetime.timedelta(days=90)}],
        installments=[{"description": "合同签订后 10 个工作日内", "amount": contract.fee}],
    )
    contract = contract_services.contract_issue(contract=contract, by=by)
    if on is not None and on < today:  # issued on that day
        from contracts.models import Contract

        at = timezone.make_aware(datetime.datetime.combine(on, datetime.time(9, 0)))
        Contract.objects.filter(pk=contract.pk).update(issued_at=at)
        contract.refresh_from_db()
    doc = contract.issued_pdf
    if render:
        render_document(engagement.firm_id, doc.pk)
    else:
        doc.file.save(f"contract-{contract.pk}.pdf", ContentFile(b"%PDF-1.7 test"), save=False)
        doc.status = GeneratedDocument.Status.READY
        doc.pages, doc.size = 1, len(b"%PDF-1.7 test")
        doc.sha256 = __import__("hashlib").sha256(b"%PDF-1.7 test").hexdigest()
        doc.save()
    if sign:
        contract = contract_services.contract_sign(
            contract=contract, by=by, firm_signatory=by, firm_signed_on=on or today,
            client_signatory="客户法定代表人", client_signed_on=on or today,
            signed_copy=SimpleUploadedFile("signed.pdf", pdf_bytes(b"signed copy"),
                                           content_type="application/pdf"),
        )
    return contract
