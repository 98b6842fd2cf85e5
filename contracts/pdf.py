"""The contract as a PDF (consultancy.documents renders it in the background)."""

from django.db.models import Prefetch

from consultancy.documents.registry import PdfSpec
from consultancy.tenancy.models import Qualification

from .clauses import CLAUSE_KEYS, CLAUSE_NAMES_ZH, clause_field, cny_in_words
from .models import Deliverable, PaymentInstallment


def contract_pdf_spec(contract) -> PdfSpec:
    engagement = contract.engagement
    articles = [
        {"title": CLAUSE_NAMES_ZH[key], "paragraphs": [
            p for p in getattr(contract, clause_field(key)).splitlines() if p.strip()]}
        for key in CLAUSE_KEYS
    ]
    return PdfSpec(
        template_name="pdf/contract.html",
        context={
            "contract": contract,
            "engagement": engagement,
            "client": engagement.client,
            "title": "安全生产技术咨询服务合同",
            "doc_number": contract.number,
            "articles": articles,
            "deliverables": list(Deliverable.objects.filter(contract=contract)),
            "installments": list(PaymentInstallment.objects.filter(contract=contract)),
            "personnel": list(contract.personnel.order_by("full_name").prefetch_related(
                Prefetch("qualifications",
                         queryset=Qualification.objects.order_by("-valid_until")))),
            "fee_in_words": cny_in_words(contract.fee) if contract.fee is not None else "",
        },
        filename=f"合同-{contract.number}.pdf",
    )
