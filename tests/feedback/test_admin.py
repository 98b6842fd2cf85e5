"""The admin of evaluation and clause 9: firm-scoped, services-backed, frozen records and
service-written rows read-only."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from feedback import services
from feedback.models import (
    ClientAcceptance,
    Complaint,
    ComplaintStep,
    FeedbackSettings,
    FollowUpVisit,
    SurveyQuestionSet,
)
from tests.conftest import login
from tests.feedback.helpers import handed_over, meet, send_survey, to_follow_up
from tests.feedback.test_surveys import ANSWERS, links
from tests.scoping import scopes_disabled

pytestmark = pytest.mark.django_db

MODELS = ["clientacceptance", "outcomereview", "objectivereview", "followupguidance",
          "followupvisit", "feedbacksettings", "complaint", "complaintstep", "surveyquestionset",
          "surveyquestion", "survey", "surveyinvitation", "surveyresponse", "surveyanswer",
          "reminder"]


@pytest.fixture(autouse=True)
def _unscoped():
    with scopes_disabled():
        yield


def url(name, action="changelist", *args):
    return reverse(f"admin:feedback_{name}_{action}", args=args)


def one_of_each(w):
    from feedback.tasks import send_daily_reminders

    e = to_follow_up(handed_over(w), w)
    meet("9.1.guidance", e, w)
    meet("9.2.visits", e, w)
    survey = send_survey(e, w)
    services.complaint_receive(firm=w.firm, by=w.manager, received_on=timezone.localdate(),
                               channel="phone", complainant_name="张三", description="报告交付延误一周",
                               engagement=e)
    services.feedback_settings_update(firm=w.firm, by=w.manager, acknowledge_days=2)
    send_daily_reminders(w.firm.pk, today=(timezone.localdate() + datetime.timedelta(days=3))
                         .isoformat())
    services.survey_answer(token=links()[w.contact.email], answers=ANSWERS)
    return e, survey


def test_pages_are_scoped_to_the_managers_firm(client, a, b):
    one_of_each(a)
    one_of_each(b)
    login(client, a.manager)
    from django.apps import apps

    for name in MODELS:
        resp = client.get(url(name))
        assert resp.status_code == 200, name
        model = apps.get_model("feedback", name)
        own = model.objects.filter(firm=a.firm).first()
        other = model.objects.filter(firm=b.firm).first()
        assert own is not None and other is not None, name
        assert client.get(url(name, "change", own.pk)).status_code == 200, name
        assert client.get(url(name, "change", other.pk)).status_code == 404, name
        assert client.get(url(name, "history", other.pk)).status_code == 404, name


def test_a_consultant_cannot_enter_this_admin(client, a):
    login(client, a.consultant)
    assert client.get(url("complaint")).status_code == 302


def test_a_recorded_verdict_is_view_only(client, a):
    e = handed_over(a)
    meet("E.acceptance", e, a)
    acceptance = ClientAcceptance.objects.get()
    login(client, a.manager)
    resp = client.get(url("clientacceptance", "change", acceptance.pk))
    assert resp.status_code == 200 and not resp.context["has_change_permission"]
    assert client.post(url("clientacceptance", "delete", acceptance.pk),
                       {"post": "yes"}).status_code == 403


def test_a_verdict_added_in_the_admin_goes_through_the_service(client, a):
    e = handed_over(a)
    login(client, a.manager)
    resp = client.post(url("clientacceptance", "add"), {
        "engagement": e.pk, "contact": a.contact.pk, "accepted_on": timezone.localdate(),
        "verdict": "accepted", "reasons": ""})
    assert resp.status_code == 302
    acceptance = ClientAcceptance.objects.get()
    assert acceptance.firm == a.firm and acceptance.created_by == a.manager


def test_a_complaint_is_entered_through_the_service_and_its_status_is_read_only(client, a):
    login(client, a.manager)
    resp = client.post(url("complaint", "add"), {
        "received_on": timezone.localdate(), "channel": "phone", "complainant_name": "赵六",
        "complainant_contact": "", "description": "报告延期", "remedy_sought": "",
        "status": "closed"})
    assert resp.status_code == 302
    complaint = Complaint.objects.get()
    assert complaint.number.startswith("TS-") and complaint.status == Complaint.Status.RECEIVED
    assert ComplaintStep.objects.get().by == a.manager
    resp = client.get(url("complaint", "change", complaint.pk))
    assert "status" not in resp.context["adminform"].form.fields
    assert not resp.context["has_delete_permission"]


def test_follow_up_records_are_frozen_once_closed(client, a):
    e = to_follow_up(handed_over(a), a)
    for code in ("9.1.guidance", "9.2.visits", "9.5.survey"):
        meet(code, e, a)
    visit = FollowUpVisit.objects.filter(engagement=e).first()
    login(client, a.manager)
    resp = client.get(url("followupvisit", "change", visit.pk))
    assert resp.context["has_change_permission"]
    from engagements import services as es

    es.engagement_close(engagement=e, by=a.consultant)
    resp = client.get(url("followupvisit", "change", visit.pk))
    assert not resp.context["has_change_permission"]


def test_settings_once_per_firm_and_the_question_set_from_the_firms_creation(client, a):
    login(client, a.manager)
    assert client.get(url("feedbacksettings", "add")).status_code == 200
    FeedbackSettings.objects.create(firm=a.firm)
    assert client.get(url("feedbacksettings", "add")).status_code == 403
    # seeded when the firm was created (consultancy.tenancy.firm_lists), not by a read
    assert SurveyQuestionSet.objects.filter(firm=a.firm).get().questions.count() == 8
    assert client.get(url("surveyquestionset")).status_code == 200
    assert SurveyQuestionSet.objects.filter(firm=a.firm).count() == 1
