"""Notice of what awaits a client contact, without the clause apps knowing the portal:
the portal receives what delivery's services announce (delivery.signals) and mails the
contacts once the change is committed."""

from functools import partial

from django.db import transaction


def on_plan_issued(sender, plan, **kwargs):
    """8.3.1: a plan version awaits the client's confirmation."""
    from .tasks import notify_plan_issued

    transaction.on_commit(partial(notify_plan_issued.delay, plan.firm_id, plan.pk),
                          robust=True)


def on_documents_delivered(sender, engagement, deliveries, **kwargs):
    """8.5.2: one e-mail per hand-over, however many documents it holds."""
    from .tasks import notify_documents_delivered

    transaction.on_commit(partial(notify_documents_delivered.delay, engagement.firm_id,
                                  engagement.pk, [d.pk for d in deliveries]), robust=True)


def connect():
    from delivery.signals import documents_delivered, plan_issued

    plan_issued.connect(on_plan_issued, dispatch_uid="portal_plan_issued")
    documents_delivered.connect(on_documents_delivered, dispatch_uid="portal_documents_delivered")
