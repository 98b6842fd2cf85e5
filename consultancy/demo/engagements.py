"""The demo engagements of clauses 5 and 6 (data/engagements.yaml): each firm's
engagements in the stages of those clauses, each held or let through by its gate.

An engagement is keyed by (firm, title): if the firm already has an engagement with that
title, it and its records are left as they are, so the command can run again.

Per firm (in this order):

``draft``        needs_analysis, half-filled assessment       -> held at 5.assessment
``ready``        needs_analysis, complete, decision proceed   -> gate open
``proactive``    communication, proactive, no visit, framework not confirmed
                                                              -> held at 6.1.visit, 6.4.framework
``no_exchange``  communication, request, all of clause 6 but the exchange record
                                                              -> held at 6.3.exchange
``contracting``  contracting, clauses 5 and 6 done            -> held at the contract gate (7)
``declined``     declined after an assessment deciding *decline*
"""

from django.utils import timezone

from .common import data, find_or_build

ENGAGEMENTS = data("engagements")["engagements"]


def load(ctx):
    today = timezone.localdate()
    for key, specs in ENGAGEMENTS.items():
        firm_data = ctx.data["firms"][key]
        made = {}
        for spec in specs:
            made[spec["key"]] = find_or_build(
                spec, firm=firm_data["firm"], people=firm_data["people"],
                clients=firm_data["clients"], today=today,
            )
        # For the later builders (the contracts demo picks up "contracting").
        firm_data["engagements"] = made
