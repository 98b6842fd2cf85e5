"""Log lines carry the request id (django-guid's correlation id): the id of the request
being served, or, in a worker, of the request that asked for the job (the outbox publishes
under it and django-guid's Celery integration sets it for the task)."""

import logging


class RequestIdFilter(logging.Filter):
    """Adds ``request_id`` to every record: the current id, or ``-``."""

    def filter(self, record):
        try:
            from django_guid import get_guid

            record.request_id = get_guid() or "-"
        except Exception:  # during start-up, before Django is configured
            record.request_id = "-"
        return True
