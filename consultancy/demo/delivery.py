"""The demo of clause 8 (data/delivery.yaml): each firm's engagements in the service stage.

Per firm:

``delivery``        (made by :mod:`.contracts`, contract signed) gets part of clause 8
                    (``PARTIAL[key]``): site research by the consultant holding a
                    registered safety engineer certificate in force, resource research,
                    the joint working group, a complete consulting plan still in draft, a
                    risk register with all four levels (LEC and LS), a guidance log entry
                    and a progress report not yet shared. It is held at 8.3.1,
                    8.4.progress and 8.5.deliverables.
``delivery_ready``  a new engagement (``NEW[key]["delivery_ready"]``) taken through its
                    contract like the contracts demo's, with every requirement of clause 8
                    met: the plan approved, issued (PDF) and confirmed, a progress report
                    shared, a document for every contracted deliverable uploaded,
                    delivered (the hand-over list PDF) and acknowledged. Its gate is open;
                    it stays in ``delivery``.
``evaluation``      a new engagement met in the same way and handed over (stage
                    ``evaluation``), for the later builders.

Every PDF is rendered here, synchronously (the on-commit render the services ask for then
finds nothing pending). The deliverables' files are small real PDFs (a cover page).

Idempotent: an engagement is keyed by (firm, title); each record step is taken only when
its record does not exist yet, and nothing is touched once the engagement has left
``delivery``.

The contracts are signed today (a contract is issued now and cannot be signed before it
was issued), so the clause 8 records are dated today as well; plan milestones fall in
the weeks ahead.
"""

from django.utils import timezone

from engagements.stages import Stage

from .common import data, deliver, hand_over, signed_engagement

PARTIAL = data("delivery")["partial"]
NEW = data("delivery")["new"]


def load(ctx):
    today = timezone.localdate()
    for key, partial in PARTIAL.items():
        firm_data = ctx.data["firms"][key]
        people = firm_data["people"]
        engagements = firm_data["engagements"]

        # The engagement the contracts demo took to delivery: part of clause 8 only.
        deliver(engagements.get("delivery"), partial, people, today, complete=False)

        for name, new in NEW[key].items():
            engagement = signed_engagement(
                new["spec"], firm=firm_data["firm"], people=people,
                clients=firm_data["clients"], terms=new["terms"],
                client_signatory=new["client_signatory"], today=today,
            )
            deliver(engagement, new["work"], people, today, complete=True)
            if name == "evaluation" and engagement.stage == Stage.DELIVERY:
                hand_over(engagement)
            engagements[name] = engagement
