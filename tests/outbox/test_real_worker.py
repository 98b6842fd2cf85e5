"""Against a real Redis broker and worker (the CI's second run): the relay hands the job
over after the commit, the worker runs it and acknowledges its row."""

import os
import time

import pytest

from consultancy.documents.services import pdf_request
from consultancy.outbox.models import Job
from tests.scoping import scopes_disabled


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_acknowledges_its_job(a):
    if not os.environ.get("REDIS_URL"):
        pytest.skip("REDIS_URL is not set: Celery runs eagerly (the other tests cover it)")
    from celery.contrib.testing.worker import start_worker

    from consultancy.celery import app

    with start_worker(app, perform_ping_check=False, pool="solo", loglevel="WARNING"):
        document = pdf_request(owner=a.client, kind="test-sample", by=a.consultant)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with scopes_disabled():
                job = Job.objects.get(task="consultancy.documents.tasks.render_document")
            if job.state in (Job.State.DONE, Job.State.FAILED):
                break
            time.sleep(0.2)
    document.refresh_from_db()
    assert document.is_ready, document.error
    assert job.state == Job.State.DONE and job.attempts == 1 and job.runs == 1
