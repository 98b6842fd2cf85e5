"""The contract as a PDF (consultancy.documents renders it in the background)."""

from consultancy.documents.registry import PdfSpec

from .clauses import CLAUSE_KEYS, CLAUSE_NAMES_ZH, cny_in_words, filled_clauses
from .models import Deliverable, PaymentInstallment
from .personnel import personnel_on_start


def contract_pdf_spec(contract) -> PdfSpec:
    engagement = contract.engagement
    # The clauses as they read with the contract's terms (clauses.filled_clauses): the
    # text, the header and the annexes say the same dates, fee and personnel.
    filled = filled_clauses(contract)
    articles = [
        {"title": CLAUSE_NAMES_ZH[key], "paragraphs": [
            p for p in filled[key].splitlines() if p.strip()]}
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
            # each person's certificates as they stand on the start date
            "personnel": personnel_on_start(contract),
            "fee_in_words": cny_in_words(contract.fee) if contract.fee is not None else "",
        },
        filename=f"合同-{contract.number}.pdf",
    )
