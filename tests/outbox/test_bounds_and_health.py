"""A PDF job is bounded (pages, HTML size, time) and says so plainly; a large dossier comes
in volumes; the health check page; the settings of the broker and the workers."""

from unittest import mock

import pytest
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings as django_settings
from django.urls import reverse
from django.utils import timezone

from consultancy.documents.models import GeneratedDocument
from consultancy.documents.services import pdf_request
from consultancy.documents.tasks import render_document
from consultancy.outbox.models import Heartbeat, Job
from tests import factories as f
from tests.conftest import login, zh
from tests.scoping import scopes_disabled

pytestmark = pytest.mark.django_db


def _render(a, kind="test-sample"):
    document = pdf_request(owner=a.client, kind=kind, by=a.consultant)
    render_document(a.firm.pk, document.pk)
    document.refresh_from_db()
    return document


def test_a_pdf_over_the_page_limit_is_refused_plainly(client, a, settings):
    settings.PDF_MAX_PAGES = 1  # the sample has two
    document = _render(a)
    assert document.is_failed and document.error.startswith("limit:pages:")
    assert not document.file
    login(client, a.consultant)
    page = client.get(reverse("documents:status", args=[document.pk])).text
    assert zh("This PDF would have %(pages)s pages, more than the %(limit)s a PDF may have, "
              "so it was not made.", pages=document.error.split(":")[2], limit=1) in page
    assert "document-error" not in page  # no raw error text


def test_a_pdf_whose_html_is_too_long_is_refused_before_the_typesetting(a, settings):
    settings.PDF_MAX_HTML_CHARS = 1000
    with mock.patch("consultancy.documents.tasks.html_to_pdf") as typeset:
        document = _render(a)
    assert not typeset.called
    assert document.is_failed and document.error.startswith("limit:html:")
    assert str(settings.PDF_MAX_PAGES) in str(document.problem)


def test_a_render_past_its_soft_time_limit_records_a_plain_failure(a):
    with mock.patch("consultancy.documents.tasks.html_to_pdf",
                    side_effect=SoftTimeLimitExceeded()):
        document = _render(a)
    assert document.is_failed
    assert document.error == f"limit:time:{django_settings.PDF_SOFT_TIME_LIMIT}"
    assert str(django_settings.PDF_SOFT_TIME_LIMIT) in str(document.problem)


def test_a_render_killed_at_its_hard_limit_is_marked_failed(a, django_capture_on_commit_callbacks):
    """The parent process reports the hard limit (the render itself was killed)."""
    from celery.exceptions import TimeLimitExceeded

    with django_capture_on_commit_callbacks(execute=False):
        document = pdf_request(owner=a.client, kind="test-sample", by=a.consultant)
    render_document.on_failure(TimeLimitExceeded(120), "outbox-1-1",
                               (a.firm.pk, document.pk), {}, None)
    document.refresh_from_db()
    assert document.is_failed and document.error.startswith("limit:time:")


def test_a_large_dossier_comes_in_volumes_and_the_page_says_so(
        client, a, b, settings, django_capture_on_commit_callbacks):
    settings.DOSSIER_VOLUME_RECORDS = 0
    with scopes_disabled():
        e = f.EngagementFactory(client=a.client, lead_consultant=a.consultant)
        f.NeedsAssessmentFactory(engagement=e)
    login(client, a.manager)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("dashboard:dossier", args=[e.pk]),
                               HTTP_HX_REQUEST="true")
    assert "dossier-volumes-notice" in response.text
    with scopes_disabled():
        volumes = list(GeneratedDocument.objects.filter(firm=a.firm).order_by("pk"))
    assert [d.volume for d in volumes] == ["1", "2", "3", "4", "log"]
    assert all(d.is_ready for d in volumes), [d.error for d in volumes]
    assert volumes[0].download_filename.endswith("第1卷.pdf")
    page = client.get(e.get_absolute_url()).text
    assert page.count("document-status") >= 5
    login(client, b.manager)
    assert client.post(reverse("dashboard:dossier", args=[e.pk])).status_code == 404


def test_a_small_dossier_is_one_file(a):
    from dashboard.pdf import dossier_volumes

    with scopes_disabled():
        e = f.EngagementFactory(client=a.client, lead_consultant=a.consultant)
        assert dossier_volumes(e) == [""]


def test_the_health_check_page(client, settings):
    response = client.get("/healthz?format=json")
    assert response.status_code == 200, response.content
    checks = response.json()
    assert len(checks) == 6 and set(checks.values()) == {"OK"}
    assert any("OutboxBacklog" in name for name in checks)


def test_a_backlog_makes_the_outbox_check_fail_and_says_how_many(settings):
    from health_check.exceptions import ServiceUnavailable

    from consultancy.outbox.health import OutboxBacklog

    OutboxBacklog().run()
    # a job waiting for longer than the limit makes it unhealthy, and says how many
    Job.objects.create(task="x", created_at=timezone.now()
                       - timezone.timedelta(seconds=settings.HEALTH_OUTBOX_MAX_AGE_SECONDS + 5))
    with pytest.raises(ServiceUnavailable, match="1 background job"):
        OutboxBacklog().run()


def test_the_beat_check_sees_a_stale_sweep(settings):
    from health_check.exceptions import ServiceUnavailable, ServiceWarning

    from consultancy.celery import app
    from consultancy.outbox.health import BeatHeartbeat

    saved = app.conf.task_always_eager
    app.conf.task_always_eager = False
    try:
        with pytest.raises(ServiceWarning):
            BeatHeartbeat().run()
        Heartbeat.objects.create(name="outbox.sweep", at=timezone.now())
        BeatHeartbeat().run()
        Heartbeat.objects.update(at=timezone.now() - timezone.timedelta(
            seconds=settings.HEALTH_BEAT_MAX_AGE_SECONDS + 1))
        with pytest.raises(ServiceUnavailable):
            BeatHeartbeat().run()
    finally:
        app.conf.task_always_eager = saved


def test_the_sweep_records_its_run():
    from consultancy.outbox.services import sweep

    sweep()
    assert Heartbeat.objects.get(name="outbox.sweep").detail.startswith("pending=0")


def test_the_broker_and_worker_settings():
    """Redis gives a message back after a few times the longest render; every task has a
    soft and a hard limit; sending never retries; a worker process that grew is
    replaced; the beat sweeps the outbox."""
    s = django_settings
    assert s.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"] >= 3 * s.PDF_TIME_LIMIT
    assert s.CELERY_BROKER_TRANSPORT_OPTIONS["socket_connect_timeout"] <= 5
    assert s.CELERY_TASK_PUBLISH_RETRY is False
    assert 0 < s.CELERY_TASK_SOFT_TIME_LIMIT < s.CELERY_TASK_TIME_LIMIT
    assert 0 < s.PDF_SOFT_TIME_LIMIT < s.PDF_TIME_LIMIT
    assert render_document.time_limit == s.PDF_TIME_LIMIT
    assert s.CELERY_WORKER_MAX_MEMORY_PER_CHILD > 0
    assert s.CELERY_BEAT_SCHEDULE["outbox-sweep"]["task"] == \
        "consultancy.outbox.tasks.sweep_outbox"
    assert s.OUTBOX_QUEUE_CLAIM_SECONDS > 0


def test_log_lines_carry_the_request_id(client, caplog):
    import logging

    from consultancy.logs import RequestIdFilter

    response = client.get("/accounts/login/",
                          HTTP_X_REQUEST_ID="0f8fad5b-d9cb-469f-a165-70867728950e")
    assert response["X-Request-ID"] == "0f8fad5b-d9cb-469f-a165-70867728950e"
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "m", (), None)
    assert RequestIdFilter().filter(record) and record.request_id
