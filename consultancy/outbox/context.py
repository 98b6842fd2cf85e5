"""Which outbox job the running task belongs to (set by the receivers around each run), so
that what a task does can be keyed by its job: a notice sent by a job that runs twice is
delivered once (``consultancy.notifications``)."""

from contextvars import ContextVar

current_job: ContextVar[int | None] = ContextVar("outbox_current_job", default=None)


def current_job_id() -> int | None:
    return current_job.get()
