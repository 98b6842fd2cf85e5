"""The transactional outbox (DESIGN.md, "Background work").

Services never call the broker. Inside their transaction they write a job
(:func:`enqueue`: the Celery task, its arguments, the firm); once the transaction commits
the relay hands it to the broker; the beat's sweep hands it again when it was never
handed over (the broker was down) or when its claim ran out (the worker died); the task
acknowledges it. Tasks are idempotent, so a job run twice does its work once.

    from consultancy.outbox import enqueue

    enqueue(notify_stage_changed, row.firm_id, row.pk, firm=row.firm_id)
"""



def enqueue(task, *args, firm, key: str = "", **kwargs):
    """Write a job for ``task`` in the current transaction; it is sent after the commit
    (:func:`consultancy.outbox.services.enqueue`)."""
    from .services import enqueue as _enqueue

    return _enqueue(task, *args, firm=firm, key=key, **kwargs)


__all__ = ["enqueue"]
