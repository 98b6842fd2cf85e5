"""DESIGN.md "Background work": with the broker unreachable (a broker URL at a closed port),
a page that asks for background work answers as usual, its data is committed and the
outbox holds the job; once the broker is back, the sweep sends each job once and the task
runs once."""

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from consultancy.documents.models import GeneratedDocument
from consultancy.outbox.models import Job
from consultancy.outbox.services import sweep
from engagements.models import StageTransition
from engagements.stages import Stage
from feedback.models import ClientAcceptance, Complaint
from tests import factories as f
from tests.conftest import login
from tests.feedback.helpers import handed_over, on_commit
from tests.outbox.conftest import broker_back, broker_down
from tests.scoping import scopes_disabled

pytestmark = pytest.mark.django_db


def _jobs(task):
    with scopes_disabled():
        return list(Job.objects.filter(task=task).order_by("pk"))


def _outage(client, capture, url, data):
    """POST with the broker down; the page answers as usual (a redirect), and the one job
    it asked for waits in the outbox."""
    mail.outbox.clear()
    with broker_down(), capture(execute=True):
        response = client.post(url, data)
    assert response.status_code == 302, response.content[:500]
    return response


def _the_broker_comes_back(task, *, mails):
    """The sweep sends the pending job once, its task runs once, and a second sweep
    sends nothing again."""
    job, = _jobs(task)
    assert job.state == Job.State.PENDING and job.attempts == 1 and job.runs == 0
    assert "Connection refused" in job.error or "Error" in job.error
    assert mail.outbox == []
    with broker_back():
        first = sweep(min_age_seconds=0)
        again = sweep(min_age_seconds=0)
    job.refresh_from_db()
    assert first["sent"] == 1 and again["sent"] == 0 and again["resent"] == 0
    assert job.state == Job.State.DONE and job.attempts == 2 and job.runs == 1
    assert sorted(m.to[0] for m in mail.outbox) == sorted(mails)


def test_a_stage_transition(client, a, b, django_capture_on_commit_callbacks):
    with scopes_disabled():
        e = f.EngagementFactory(client=a.client, lead_consultant=a.consultant)
        e.consultants.add(a.manager)
        f.NeedsAssessmentFactory(engagement=e)
    login(client, a.consultant)
    _outage(client, django_capture_on_commit_callbacks,
            reverse("engagements:transition", args=[e.pk, "confirm_needs"]),
            {"expected_stage": Stage.NEEDS_ANALYSIS})
    e.refresh_from_db()
    assert e.stage == Stage.COMMUNICATION  # committed
    with scopes_disabled():
        assert StageTransition.objects.filter(engagement=e).count() == 1
    _the_broker_comes_back("engagements.tasks.notify_stage_changed", mails=[a.manager.email])
    # the user's retry is not needed; had they clicked again, the stage they saw is gone
    assert client.post(reverse("engagements:transition", args=[e.pk, "confirm_needs"]),
                       {"expected_stage": Stage.NEEDS_ANALYSIS}).status_code == 409


def test_a_complaint_intake(client, a, b, django_capture_on_commit_callbacks):
    with scopes_disabled(), on_commit():  # the set-up's own jobs run as it commits
        e = handed_over(a)
    login(client, a.consultant)
    _outage(client, django_capture_on_commit_callbacks,
            reverse("feedback:complaints", args=[e.pk]),
            {"form": "complaint", "received_on": timezone.localdate().isoformat(),
             "channel": "phone", "complainant_name": "张三", "contact": a.contact.pk,
             "description": "报告延迟交付"})
    with scopes_disabled():
        assert Complaint.objects.filter(engagement=e).count() == 1
    _the_broker_comes_back("feedback.tasks.notify_complaint", mails=[a.manager.email])


def test_a_pdf_request(client, a, b, django_capture_on_commit_callbacks):
    with scopes_disabled():
        e = f.EngagementFactory(client=a.client, lead_consultant=a.consultant)
    login(client, a.manager)
    _outage(client, django_capture_on_commit_callbacks,
            reverse("dashboard:dossier", args=[e.pk]), {})
    with scopes_disabled():
        document, = GeneratedDocument.objects.filter(firm=a.firm)
    assert document.is_pending
    _the_broker_comes_back("consultancy.documents.tasks.render_document", mails=[])
    document.refresh_from_db()
    assert document.is_ready and document.pages >= 1
    with scopes_disabled():
        assert GeneratedDocument.objects.filter(firm=a.firm).count() == 1


def test_a_client_act(client, a, b, django_capture_on_commit_callbacks):
    with scopes_disabled(), on_commit():
        e = handed_over(a)
        e.consultants.add(a.manager)
    login(client, a.contact.user)
    _outage(client, django_capture_on_commit_callbacks,
            reverse("portal:acceptance", args=[e.pk]), {"verdict": "accepted"})
    with scopes_disabled():
        assert ClientAcceptance.objects.filter(engagement=e).count() == 1
    _the_broker_comes_back("feedback.tasks.notify_acceptance",
                           mails=[a.consultant.email, a.manager.email])


def test_a_page_asking_for_several_jobs_waits_for_the_broker_once(
        client, a, django_capture_on_commit_callbacks, caplog):
    """After the broker failed, the relay of this process leaves it alone for a moment:
    the jobs wait for the sweep instead of each waiting for the broker."""
    from consultancy.outbox import enqueue
    from engagements.tasks import notify_stage_changed

    with broker_down(), django_capture_on_commit_callbacks(execute=True):
        for _ in range(3):
            enqueue(notify_stage_changed, a.firm.pk, 0, firm=a.firm)
    jobs = _jobs("engagements.tasks.notify_stage_changed")
    assert [j.state for j in jobs] == [Job.State.PENDING] * 3
    assert [j.attempts for j in jobs] == [1, 0, 0]  # only the first one tried the broker
    with broker_back():
        assert sweep(min_age_seconds=0)["sent"] == 3
    assert {j.state for j in _jobs("engagements.tasks.notify_stage_changed")} == {
        Job.State.DONE}


def test_a_password_reset_is_mailed_by_the_outbox(client, a, django_capture_on_commit_callbacks):
    mail.outbox.clear()
    with broker_down(), django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("password_reset"), {"email": a.manager.email})
    assert response.status_code == 302 and mail.outbox == []
    job, = _jobs("consultancy.notifications.tasks.mail_password_reset")
    assert job.firm_id == a.firm.pk and job.state == Job.State.PENDING
    assert "token" not in str(job.args)  # the token is made when the mail is sent
    with broker_back():
        sweep(min_age_seconds=0)
    assert [m.to for m in mail.outbox] == [[a.manager.email]]
    assert "/accounts/reset/" in mail.outbox[0].body
