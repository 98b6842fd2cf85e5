"""The demo contracts of clause 7 (data/contracts.yaml).

Per firm:

``contracting``  (made by :mod:`.engagements`) gets its contract drafted from the firm's
                 template, filled (end date, deliverables, payment schedule) and issued;
                 its PDF is rendered; it stays *issued and unsigned*, so the engagement is
                 held at 7.signed alone.
``delivery``     a new engagement (``DELIVERY[key]``, built up to the contract stage)
                 whose contract is issued, rendered, signed by both sides with the signed
                 copy stored, and which then moves on to ``delivery`` (clause 8).

The PDFs are rendered here, synchronously: ``contract_issue`` also asks for the render
after commit, but that task leaves a document that is no longer pending alone, so the
second run is a no-op. Idempotent: the delivery engagement is keyed by (firm, title), a
contract by its engagement, and each step is taken only when the records show it was not.
"""

from django.utils import timezone

from .common import data, issued_contract, signed_engagement

TERMS = data("contracts")["terms"]
DELIVERY = data("contracts")["delivery"]


def load(ctx):
    for key, firm_terms in TERMS.items():
        firm_data = ctx.data["firms"][key]

        # The engagement left at the contract stage: issued, unsigned.
        engagement = firm_data["engagements"]["contracting"]
        issued_contract(engagement, firm_terms["contracting"], by=engagement.lead_consultant)

        # A new engagement taken through the contract to delivery.
        delivery = DELIVERY[key]
        engagement = signed_engagement(
            delivery["spec"], firm=firm_data["firm"], people=firm_data["people"],
            clients=firm_data["clients"], terms=firm_terms["delivery"],
            client_signatory=delivery["client_signatory"], today=timezone.localdate(),
        )
        firm_data["engagements"]["delivery"] = engagement
