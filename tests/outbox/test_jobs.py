"""The outbox's jobs: a dead worker's job is sent again and done once; two requests for
the same document while it is pending make one job; a notice sent twice is delivered
once; a failing address is retried, does not stop the others, and is shown to the
managers."""

import smtplib
from datetime import timedelta
from pathlib import Path

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from consultancy.documents.models import GeneratedDocument
from consultancy.documents.services import pdf_request
from consultancy.documents.tasks import render_document
from consultancy.notifications import channels as notice_channels
from consultancy.notifications.models import Delivery
from consultancy.outbox import enqueue
from consultancy.outbox.models import Job
from consultancy.outbox.services import job_id_from_task_id, sweep, task_id_for
from engagements import services as engagement_services
from engagements.tasks import notify_stage_changed
from tests import factories as f
from tests.conftest import login
from tests.outbox.conftest import broker_back, retries_run_in_process
from tests.scoping import scopes_disabled

pytestmark = pytest.mark.django_db


def _job(**filters):
    with scopes_disabled():
        return Job.objects.get(**filters)


def _jobs(**filters):
    with scopes_disabled():
        return list(Job.objects.filter(**filters))


# -- a worker that died -------------------------------------------------------------------


def test_a_job_whose_worker_died_is_sent_again_and_makes_one_document(
        a, django_capture_on_commit_callbacks, settings):
    with django_capture_on_commit_callbacks(execute=False):  # the worker never finished
        document = pdf_request(owner=a.client, kind="test-sample", by=a.consultant)
    job = _job(task="consultancy.documents.tasks.render_document")
    # A worker took it and died mid-render: the job is still claimed, past its deadline.
    with scopes_disabled():
        Job.objects.filter(pk=job.pk).update(
            state=Job.State.RUNNING, attempts=1, runs=1,
            claimed_until=timezone.now() - timedelta(seconds=1))
    with broker_back():
        result = sweep()
    assert result["resent"] == 1
    job.refresh_from_db()
    document.refresh_from_db()
    assert job.state == Job.State.DONE and job.attempts == 2 and job.runs == 2
    assert document.is_ready
    # The dead worker's message comes back later (Redis' visibility timeout): it renders
    # nothing again.
    assert render_document(a.firm.pk, document.pk) == GeneratedDocument.Status.READY
    with scopes_disabled():
        assert GeneratedDocument.objects.filter(firm=a.firm).count() == 1
    folder = Path(settings.MEDIA_ROOT) / str(a.firm.pk) / "generated"
    assert len([p for p in folder.rglob("*.pdf")]) == 1
    with broker_back():
        assert sweep() == {"pending": 0, "sent": 0, "expired": 0, "resent": 0}


def test_a_claim_that_has_not_run_out_is_left_alone(a, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        pdf_request(owner=a.client, kind="test-sample", by=a.consultant)
    job = _job(task="consultancy.documents.tasks.render_document")
    with scopes_disabled():
        Job.objects.filter(pk=job.pk).update(
            state=Job.State.RUNNING, attempts=1, runs=1,
            claimed_until=timezone.now() + timedelta(seconds=60))
    with broker_back():
        assert sweep()["resent"] == 0
    job.refresh_from_db()
    assert job.state == Job.State.RUNNING and job.attempts == 1


def test_a_job_is_named_in_its_task_id():
    job = Job(pk=41, attempts=3)
    assert task_id_for(job) == "outbox-41-3"
    assert job_id_from_task_id("outbox-41-3") == 41
    assert job_id_from_task_id("1c6f…") is None and job_id_from_task_id(None) is None


# -- one document, one job ----------------------------------------------------------------


def test_two_requests_while_one_is_pending_make_one_job(a, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        first = pdf_request(owner=a.client, kind="test-sample", by=a.consultant)
        second = pdf_request(owner=a.client, kind="test-sample", by=a.manager)
    assert first.pk == second.pk
    assert len(_jobs(task="consultancy.documents.tasks.render_document")) == 1


def test_two_dossier_requests_through_the_page_make_one_render(
        client, a, b, django_capture_on_commit_callbacks):
    with scopes_disabled():
        e = f.EngagementFactory(client=a.client, lead_consultant=a.consultant)
    login(client, a.manager)
    url = reverse("dashboard:dossier", args=[e.pk])
    with django_capture_on_commit_callbacks(execute=False):  # no worker has taken it yet
        assert client.post(url).status_code == 302
        assert client.post(url).status_code == 302
    with scopes_disabled():
        assert GeneratedDocument.objects.filter(firm=a.firm).count() == 1
    assert len(_jobs(task="consultancy.documents.tasks.render_document")) == 1
    # the other firm's manager cannot ask for it
    login(client, b.manager)
    assert client.post(url).status_code == 404


def test_regenerate_twice_on_a_failed_document_makes_one_new_render(
        client, a, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        document = pdf_request(owner=a.client, kind="test-sample", by=a.consultant)
    with scopes_disabled():
        GeneratedDocument.objects.filter(pk=document.pk).update(status="failed", error="x")
    login(client, a.consultant)
    url = reverse("documents:retry", args=[document.pk])
    with django_capture_on_commit_callbacks(execute=False):
        client.post(url, HTTP_HX_REQUEST="true")
        client.post(url, HTTP_HX_REQUEST="true")  # the double click
    with scopes_disabled():
        assert GeneratedDocument.objects.filter(firm=a.firm, status="pending").count() == 1
    assert len(_jobs(task="consultancy.documents.tasks.render_document")) == 2


def test_regenerate_on_a_stuck_document_sends_its_job_again(
        client, a, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        document = pdf_request(owner=a.client, kind="test-sample", by=a.consultant)
    with scopes_disabled():
        GeneratedDocument.objects.filter(pk=document.pk).update(
            requested_at=timezone.now() - timedelta(hours=1))
        Job.objects.update(state=Job.State.SENT, attempts=1,
                           claimed_until=timezone.now() + timedelta(minutes=5))
    login(client, a.consultant)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("documents:retry", args=[document.pk]),
                               HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    document.refresh_from_db()
    assert document.is_ready
    job, = _jobs(task="consultancy.documents.tasks.render_document")
    assert job.state == Job.State.DONE and job.attempts == 2
    with scopes_disabled():
        assert GeneratedDocument.objects.filter(firm=a.firm).count() == 1


# -- notices --------------------------------------------------------------------------------


def _moved(a, capture):
    with scopes_disabled():
        e = f.EngagementFactory(client=a.client, lead_consultant=a.consultant)
        e.consultants.add(a.manager)
        f.NeedsAssessmentFactory(engagement=e)
    mail.outbox.clear()
    with scopes_disabled(), capture(execute=True):
        row = engagement_services.engagement_confirm_needs(engagement=e, by=a.consultant)
    return row


def test_a_notice_sent_twice_is_delivered_once(a, django_capture_on_commit_callbacks):
    row = _moved(a, django_capture_on_commit_callbacks)
    assert [m.to for m in mail.outbox] == [[a.manager.email]]
    job = _job(task="engagements.tasks.notify_stage_changed")
    # The same message delivered again (a worker died after sending; the sweep or the
    # broker handed it over again): nobody is mailed twice.
    notify_stage_changed.apply(args=[a.firm.pk, row.pk], task_id=task_id_for(job))
    assert len(mail.outbox) == 1
    with scopes_disabled():
        delivery, = Delivery.objects.filter(key=f"job:{job.pk}")
    assert delivery.state == Delivery.State.SENT and delivery.address == a.manager.email


class FlakyMail(notice_channels.EmailChannel):
    """E-mail that the server refuses for some addresses."""

    def __init__(self, refused):
        self.refused = set(refused)
        self.tries = []

    def send(self, message):
        self.tries.append(message.recipient.email)
        if message.recipient.email in self.refused:
            raise smtplib.SMTPRecipientsRefused({message.recipient.email: (550, b"no")})
        return super().send(message)


@pytest.fixture
def flaky_mail():
    def install(*refused):
        channel = FlakyMail(refused)
        notice_channels.register_channel("email", channel)
        return channel

    yield install
    notice_channels.register_channel("email", notice_channels.EmailChannel())


def test_a_refused_address_is_retried_does_not_stop_the_others_and_is_shown(
        client, a, b, django_capture_on_commit_callbacks, flaky_mail):
    channel = flaky_mail(a.manager.email)
    with scopes_disabled():
        e = f.EngagementFactory(client=a.client, lead_consultant=a.consultant)
        extra = f.ConsultantFactory(firm=a.firm, email="second@a.test")
        e.consultants.add(a.manager, extra)
        f.NeedsAssessmentFactory(engagement=e)
    mail.outbox.clear()
    with (scopes_disabled(), retries_run_in_process(),
          django_capture_on_commit_callbacks(execute=True)):
        engagement_services.engagement_confirm_needs(engagement=e, by=a.consultant)
    # the other address got it once; the refused one was tried on every retry
    assert [m.to for m in mail.outbox] == [["second@a.test"]]
    from consultancy.notifications.service import NOTICE_TASK

    assert channel.tries.count(a.manager.email) == NOTICE_TASK["max_retries"] + 1
    assert channel.tries.count("second@a.test") == 1
    job = _job(task="engagements.tasks.notify_stage_changed")
    assert job.state == Job.State.FAILED and a.manager.email in job.error
    with scopes_disabled():
        failed = Delivery.objects.get(state=Delivery.State.FAILED)
    assert failed.address == a.manager.email and failed.attempts == NOTICE_TASK["max_retries"] + 1
    assert "SMTPRecipientsRefused" in failed.error
    # the firm's manager sees it; the other firm's does not
    login(client, a.manager)
    assert "failed-notices-warning" in client.get(reverse("dashboard:index")).text
    page = client.get(reverse("dashboard:notices")).text
    assert a.manager.email in page and 'id="failed-jobs"' in page
    login(client, b.manager)
    page = client.get(reverse("dashboard:notices")).text
    assert a.manager.email not in page and 'id="no-failed-deliveries"' in page
    assert "failed-notices-warning" not in client.get(reverse("dashboard:index")).text


def test_the_notices_page_is_for_managers_and_counts_no_queries_per_row(
        client, a, django_assert_max_num_queries):
    with scopes_disabled():
        for i in range(30):
            Delivery.objects.create(firm=a.firm, key=f"job:{i}", kind="stage_changed",
                                    channel="email", address=f"p{i}@a.test", state="failed",
                                    attempts=7, error="SMTPRecipientsRefused")
            Job.objects.create(firm=a.firm, task="feedback.tasks.notify_complaint",
                               state="failed", finished_at=timezone.now(), error="x")
    login(client, a.consultant)
    assert client.get(reverse("dashboard:notices")).status_code in (302, 403, 404)
    login(client, a.manager)
    with django_assert_max_num_queries(12):
        page = client.get(reverse("dashboard:notices"))
    assert page.status_code == 200 and page.text.count("p2") >= 1
    assert "?page=2" in page.text


def test_a_daily_batch_goes_on_past_a_failing_address(a, flaky_mail):
    """One refused address does not stop the day's other reminders; the task is retried
    for the one not mailed."""
    from feedback.models import Reminder
    from feedback.reminders import _mail_pending

    with scopes_disabled():
        second = f.ConsultantFactory(firm=a.firm, email="second@a.test")
        for user in (a.manager, second, a.consultant):
            Reminder.objects.create(firm=a.firm, user=user, kind="visit_due",
                                    key=f"k:{user.pk}", text="回访到期")
    flaky_mail(a.manager.email)
    mail.outbox.clear()
    failures = []
    with scopes_disabled():
        assert _mail_pending(a.firm.pk, failures) == 2
        assert sorted(m.to[0] for m in mail.outbox) == sorted(["second@a.test",
                                                               a.consultant.email])
        assert len(failures) == 1
        assert Reminder.objects.filter(emailed_at__isnull=True).get().user == a.manager


def test_a_notice_job_is_keyed_by_its_job(a, django_capture_on_commit_callbacks):
    """Outside a job (a direct call) a notice is not keyed; inside one it is."""
    from consultancy.notifications import notify

    mail.outbox.clear()
    assert notify("stage_changed", recipients=[], context={}, firm=a.firm) == 0
    with scopes_disabled(), django_capture_on_commit_callbacks(execute=True):
        enqueue(notify_stage_changed, a.firm.pk, 0, firm=a.firm)
    assert _job(task="engagements.tasks.notify_stage_changed").state == Job.State.DONE
