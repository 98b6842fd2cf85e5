"""The import of a large file, after the request that started it."""

from celery import shared_task

from consultancy.tenancy.scoping import firm_scope

from .models import ImportBatch


@shared_task(acks_late=True, time_limit=900, soft_time_limit=840)
def run_import(batch_id, firm_id):
    """Import a queued batch in its firm's scope, as the system actor "import". Running it
    twice imports once (the batch is locked and only a queued one is imported)."""
    from .services import import_run_queued

    with firm_scope(firm_id):
        batch = ImportBatch.objects.filter(pk=batch_id, firm_id=firm_id).first()
        if batch is not None:
            import_run_queued(batch=batch)
