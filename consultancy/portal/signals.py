"""Notice of what awaits a client contact, without the clause apps knowing the portal:
the portal listens to their saves and mails the contacts once the change is committed."""

import threading
from functools import partial

from django.db import transaction
from django.db.models.signals import post_save, pre_save

_pending = threading.local()


def plan_pre_save(sender, instance, raw=False, **kwargs):
    if raw:
        return
    was_issued = False
    if instance.pk is not None:
        was_issued = sender.objects.with_scopes_disabled().filter(
            pk=instance.pk, issued_pdf__isnull=False).exists()
    instance._portal_newly_issued = instance.issued_pdf_id is not None and not was_issued


def plan_post_save(sender, instance, raw=False, **kwargs):
    if raw or not getattr(instance, "_portal_newly_issued", False):
        return
    instance._portal_newly_issued = False
    from .tasks import notify_plan_issued

    transaction.on_commit(partial(notify_plan_issued.delay, instance.firm_id, instance.pk),
                          robust=True)


def delivery_post_save(sender, instance, created=False, raw=False, **kwargs):
    """One e-mail per engagement and transaction, however many documents were delivered."""
    if raw or not created:
        return
    pending = getattr(_pending, "deliveries", None)
    if pending is None:
        pending = _pending.deliveries = {}
    key = (instance.firm_id, instance.engagement_id)
    # Every row registers the callback; the first to run sends the whole batch and the
    # others find it gone (after a rollback, stale ids are dropped by the task's query).
    pending.setdefault(key, []).append(instance.pk)

    def send():
        ids = pending.pop(key, [])
        if ids:
            from .tasks import notify_documents_delivered

            notify_documents_delivered.delay(key[0], key[1], ids)

    transaction.on_commit(send, robust=True)


def connect():
    from delivery.models import ConsultingPlan, DocumentDelivery

    pre_save.connect(plan_pre_save, sender=ConsultingPlan, dispatch_uid="portal_plan_pre")
    post_save.connect(plan_post_save, sender=ConsultingPlan, dispatch_uid="portal_plan_post")
    post_save.connect(delivery_post_save, sender=DocumentDelivery,
                      dispatch_uid="portal_delivery_post")
