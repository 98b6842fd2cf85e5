from celery import shared_task

from .scoping import firm_scope


@shared_task
def firm_client_count(firm_id: int) -> int:
    """A firm-scoped task in its simplest form: it takes ``firm_id`` and enters the scope.

    Used by the Celery round-trip test and as the pattern for every later task.
    """
    from consultancy.clients.models import Client

    with firm_scope(firm_id):
        return Client.objects.count()
