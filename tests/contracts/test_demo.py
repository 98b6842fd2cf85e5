"""``manage.py demo``: the contracts it makes (clause 7), through the services, idempotently."""

from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command

from consultancy.demo.contracts import DELIVERY
from consultancy.documents.models import GeneratedDocument
from consultancy.tenancy.models import Firm
from contracts.clauses import CLAUSE_KEYS, filled_clauses
from contracts.models import Contract, Deliverable, PaymentInstallment
from engagements.models import Engagement, StageTransition
from engagements.stages import Stage
from tests.scoping import scopes_disabled

FIRMS = ["安泰安全技术咨询有限公司", "华安企业安全咨询有限公司"]
MODELS = [Engagement, StageTransition, Contract, Deliverable, PaymentInstallment,
          GeneratedDocument]


def _counts(firm):
    return {model.__name__: model.objects.filter(firm=firm).count() for model in MODELS}


def _is_sha256(value):
    return len(value) == 64 and all(c in "0123456789abcdef" for c in value)


@pytest.mark.django_db
def test_demo_contracts_one_issued_one_signed_and_a_second_run_adds_nothing():
    call_command("demo", stdout=StringIO())
    with scopes_disabled():
        firms = list(Firm.objects.filter(name__in=FIRMS))
        assert len(firms) == 2
        first = {firm.pk: _counts(firm) for firm in firms}
    call_command("demo", stdout=StringIO())
    with scopes_disabled():
        for firm in firms:
            assert _counts(firm) == first[firm.pk], firm.name

            # The contracting engagement: its contract issued, unsigned, its PDF ready.
            issued = list(Contract.objects.filter(firm=firm, status=Contract.Status.ISSUED))
            assert len(issued) == 1, firm.name
            contract = issued[0]
            engagement = contract.engagement
            assert engagement.stage == Stage.CONTRACTING
            pdf = contract.issued_pdf
            assert pdf.status == GeneratedDocument.Status.READY and pdf.pages >= 2
            assert _is_sha256(pdf.sha256) and pdf.file
            assert [r.code for r in engagement.requirements() if not r.met] == ["7.signed"]
            assert contract.end_date > contract.start_date
            # no placeholder left unfilled ({end_date} …) in the clauses as shown and
            # issued (the terms are filled from the contract, clauses.filled_clauses)
            filled = filled_clauses(contract)
            for key in CLAUSE_KEYS:
                assert "{" not in filled[key], key
            assert 2 <= contract.deliverables.count() <= 4
            amounts = [i.amount for i in contract.paymentinstallments.all()]
            assert 2 <= len(amounts) <= 3 and sum(amounts, Decimal(0)) == contract.fee

            # The engagement taken to delivery: its contract signed, both hashes stored.
            # (keyed by title: the delivery demo has engagements of its own in delivery)
            titles = [d["spec"]["title"] for d in DELIVERY.values()]
            delivery = list(Engagement.objects.filter(firm=firm, title__in=titles))
            assert len(delivery) == 1 and delivery[0].stage == Stage.DELIVERY, firm.name
            signed = Contract.objects.get(engagement=delivery[0])
            assert signed.status == Contract.Status.SIGNED
            assert _is_sha256(signed.issued_pdf_sha256)
            assert signed.issued_pdf_sha256 == signed.issued_pdf.sha256
            assert _is_sha256(signed.signed_copy_sha256)
            assert signed.firm_signatory.role == "manager"
            assert signed.client_signatory and signed.signed_copy
            assert delivery[0].transitions.filter(
                from_stage=Stage.CONTRACTING, to_stage=Stage.DELIVERY).count() == 1
