"""Against a real Redis broker and worker (the CI's second run): the render happens in the
worker, after the request's transaction committed."""

import os
import time

import pytest

from consultancy.documents.models import GeneratedDocument
from consultancy.documents.services import pdf_request
from consultancy.tenancy.scoping import firm_scope
from tests.scoping import fresh

from .conftest import KIND


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_renders_the_document(a):
    if not os.environ.get("REDIS_URL"):
        pytest.skip("REDIS_URL is not set: Celery runs eagerly (tested in the other tests)")
    from celery.contrib.testing.worker import start_worker

    from consultancy.celery import app

    assert not app.conf.task_always_eager
    with start_worker(app, perform_ping_check=False, pool="solo", loglevel="WARNING"):
        with firm_scope(a.firm.pk):  # as the page that asks for it
            document = pdf_request(owner=a.client, kind=KIND, by=a.consultant)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            fresh(document)
            if not document.is_pending:
                break
            time.sleep(0.2)
    assert document.status == GeneratedDocument.Status.READY, document.error
    with firm_scope(a.firm.pk):
        assert document.file.name.startswith(f"{a.firm.pk}/") and len(document.sha256) == 64
