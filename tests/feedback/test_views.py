"""The evaluation and clause 9 pages: scoped to the firm and the engagement; the forms work
through the page; the public survey link answers once."""

import re

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from feedback import services
from feedback.errors import NoQuestionSet
from feedback.models import (
    ClientAcceptance,
    Complaint,
    FollowUpGuidance,
    FollowUpVisit,
    OutcomeReview,
    Survey,
    SurveyQuestion,
    SurveyQuestionSet,
    SurveyResponse,
)
from tests import factories as f
from tests.conftest import login
from tests.feedback.helpers import OBJECTIVES, handed_over, on_commit, send_survey
from tests.feedback.steps import cause_of
from tests.scoping import scopes_disabled
from tests.versions import with_versions

pytestmark = pytest.mark.django_db

STAFF_URLS = ["feedback:evaluation", "feedback:follow_up", "feedback:complaints",
              "feedback:survey"]


def _token(email):
    for message in reversed(mail.outbox):
        if message.to[0] == email:
            return re.search(r"/survey/([A-Za-z0-9_\-]+)/", message.body).group(1)
    raise AssertionError(email)


@pytest.fixture
def engagements(a, b):
    with scopes_disabled():
        return handed_over(a), handed_over(b)


@pytest.mark.parametrize("name", STAFF_URLS)
def test_staff_pages_are_scoped(client, a, b, engagements, name):
    ea, eb = engagements
    with scopes_disabled():
        outsider = f.ConsultantFactory(firm=a.firm, email="outsider@a.test")
    for user in (a.consultant, a.manager):
        login(client, user)
        assert client.get(reverse(name, args=[eb.pk])).status_code == 404
    login(client, outsider)
    assert client.get(reverse(name, args=[ea.pk])).status_code == 404
    login(client, a.consultant)
    assert client.get(reverse(name, args=[ea.pk])).status_code == 200


def test_anonymous_is_sent_to_login(client, engagements):
    response = client.get(reverse("feedback:evaluation", args=[engagements[0].pk]))
    assert response.status_code in (302, 403)


def test_the_acceptance_form_records_the_verdict(client, a, engagements):
    ea, _eb = engagements
    login(client, a.consultant)
    url = reverse("feedback:evaluation", args=[ea.pk])
    response = client.post(url, {"form": "acceptance", "contact": a.contact.pk,
                                 "accepted_on": timezone.localdate().isoformat(),
                                 "verdict": "not_accepted", "reasons": ""})
    assert response.status_code == 200  # reasons are required when not accepted
    with scopes_disabled():
        assert not ClientAcceptance.objects.exists()
    response = client.post(url, {"form": "acceptance", "contact": a.contact.pk,
                                 "accepted_on": timezone.localdate().isoformat(),
                                 "verdict": "accepted", "reasons": ""})
    assert response.status_code == 302
    with scopes_disabled():
        assert ClientAcceptance.objects.get().verdict == "accepted"
    page = client.get(url)
    assert 'id="latest-acceptance"' in page.content.decode()


def test_a_contact_of_another_client_is_not_offered(client, a, b, engagements):
    ea, _eb = engagements
    login(client, a.consultant)
    response = client.post(reverse("feedback:evaluation", args=[ea.pk]), {
        "form": "acceptance", "contact": b.contact.pk,
        "accepted_on": timezone.localdate().isoformat(), "verdict": "accepted"})
    assert response.status_code == 200
    with scopes_disabled():
        assert not ClientAcceptance.objects.exists()


def test_the_review_form_saves_the_rows(client, a, engagements):
    ea, _eb = engagements
    login(client, a.consultant)
    url = reverse("feedback:evaluation", args=[ea.pk])
    data = {"form": "review", "reviewer": a.consultant.pk,
            "reviewed_on": timezone.localdate().isoformat(), "conclusion": "目标基本实现",
            "objectives-TOTAL_FORMS": "3", "objectives-INITIAL_FORMS": "0"}
    for i, row in enumerate(OBJECTIVES):
        for key, value in row.items():
            data[f"objectives-{i}-{key}"] = value
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    with scopes_disabled():
        review = OutcomeReview.objects.get(engagement=ea)
        assert review.objectives.count() == 2
    page = client.get(url).content.decode()
    assert OBJECTIVES[0]["objective"] in page
    data["objectives-1-evidence"] = ""
    response = client.post(url, data)
    assert response.status_code == 200  # evidence missing: refused, shown on the form


def test_the_survey_is_sent_from_the_page(client, a, engagements):
    ea, _eb = engagements
    login(client, a.consultant)
    url = reverse("feedback:survey", args=[ea.pk])
    assert 'id="no-survey"' in client.get(url).content.decode()
    with on_commit():
        response = client.post(url)
    assert response.status_code == 302
    with scopes_disabled():
        assert Survey.objects.filter(engagement=ea).count() == 1
    page = client.get(url).content.decode()
    assert 'id="survey-sent"' in page and a.contact.email in page


def test_a_survey_link_answers_once(client, a, b, engagements):
    ea, eb = engagements
    mail.outbox.clear()
    with scopes_disabled():
        send_survey(ea, a)
        send_survey(eb, b)
    token = _token(a.contact.email)
    url = reverse("feedback:survey_answer", args=[token])
    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert ea.title in html and eb.title not in html and b.firm.name not in html
    assert 'name="q-overall"' in html
    answers = {"q-competence": "5", "q-timeliness": "4", "q-communication": "5",
               "q-deliverables": "4", "q-on_site": "5", "q-overall": "5", "q-recommend": "9",
               "q-comments": "很好"}
    bad = client.post(url, {**answers, "q-overall": "9"})
    assert bad.status_code == 400
    with scopes_disabled():
        assert not SurveyResponse.objects.exists()
    assert client.post(url, answers).status_code == 200
    with scopes_disabled():
        assert SurveyResponse.objects.get().engagement_id == ea.pk
    assert client.get(url).status_code == 410
    assert client.post(url, answers).status_code == 410
    with scopes_disabled():
        assert SurveyResponse.objects.count() == 1


def _get_writes(client, url):
    """A GET of ``url`` (after a first one that settles the session) and the SQL writes it
    made."""
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    return response, [q["sql"] for q in queries.captured_queries
                      if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))]


def test_a_get_of_the_survey_pages_writes_nothing(client, a, b, engagements):
    ea, eb = engagements
    mail.outbox.clear()
    with scopes_disabled():
        send_survey(ea, a)
    token = _token(a.contact.email)
    login(client, a.manager)
    for url in (reverse("feedback:question_set"), reverse("feedback:survey", args=[ea.pk]),
                reverse("admin:feedback_surveyquestionset_changelist")):
        response, writes = _get_writes(client, url)
        assert response.status_code == 200 and writes == [], url
    client.logout()
    response, writes = _get_writes(client, reverse("feedback:survey_answer", args=[token]))
    assert response.status_code == 200 and writes == []
    # a firm without a question set (every firm is given one at its creation): a read
    # refuses, clearly, and does not make one; nor does sending a survey
    with scopes_disabled():
        SurveyQuestion.objects.filter(firm=b.firm).delete()
        SurveyQuestionSet.objects.filter(firm=b.firm).delete()
    login(client, b.manager)
    response, writes = _get_writes(client, reverse("feedback:question_set"))
    assert response.status_code == 409 and writes == []
    assert response.context["code"] == "survey.no_question_set"
    for url in (reverse("feedback:survey", args=[eb.pk]),
                reverse("admin:feedback_surveyquestionset_changelist")):
        response, writes = _get_writes(client, url)
        assert response.status_code == 200 and writes == [], url
    answer = client.post(reverse("feedback:survey", args=[eb.pk]), follow=True)
    assert answer.status_code == 200
    assert str(NoQuestionSet.default_message) in [str(m) for m in answer.context["messages"]]
    with scopes_disabled():
        assert not SurveyQuestionSet.objects.filter(firm=b.firm).exists()
        assert not Survey.objects.filter(engagement=eb).exists()


def test_a_forged_link_is_404(client, a, engagements):
    url = reverse("feedback:survey_answer", args=["x" * 43])
    assert client.get(url).status_code == 404
    assert client.post(url, {"q-overall": "5"}).status_code == 404


def test_the_follow_up_forms_work(client, a, engagements):
    ea, _eb = engagements
    login(client, a.consultant)
    url = reverse("feedback:follow_up", args=[ea.pk])
    today = timezone.localdate().isoformat()
    response = client.post(url, {"form": "guidance", "given_on": today,
                                 "given_by": a.consultant.pk, "channel": "site",
                                 "topic": "隐患排查台账", "advice": "按月更新"})
    assert response.status_code == 302
    visit = {"form": "visit", "visited_on": today, "visitors": [a.consultant.pk],
             "discussed": "制度执行情况"}
    assert client.post(url, visit).status_code == 200  # plan_needs_adjusting is required
    response = client.post(url, {**visit, "plan_needs_adjusting": "no"})
    assert response.status_code == 302
    with scopes_disabled():
        assert FollowUpGuidance.objects.filter(engagement=ea).count() == 1
        assert FollowUpVisit.objects.get(engagement=ea).plan_needs_adjusting is False
    page = client.get(url).content.decode()
    assert "隐患排查台账" in page and "制度执行情况" in page


def test_a_complaint_is_registered_and_taken_through_its_steps(client, a, b, engagements):
    ea, _eb = engagements
    login(client, a.consultant)
    url = reverse("feedback:complaints", args=[ea.pk])
    assert 'id="no-complaints"' in client.get(url).content.decode()
    response = client.post(url, {"form": "complaint",
                                 "received_on": timezone.localdate().isoformat(),
                                 "channel": "phone", "complainant_name": "张三",
                                 "contact": a.contact.pk, "description": "报告延迟交付"})
    assert response.status_code == 302
    with scopes_disabled():
        complaint = Complaint.objects.get(engagement=ea)

    def step(name, ok=True, **data):
        response = client.post(url, with_versions(client, url, {
            "form": "step", "complaint": complaint.pk, "step": name, **data}))
        assert response.status_code == (302 if ok else 400)
        with scopes_disabled():
            complaint.refresh_from_db()
        return response

    page = step("investigate", ok=False, findings="审核延误")  # not the next step: shown
    assert complaint.status == "received"
    assert "alert-danger" in page.content.decode()
    step("acknowledge", acknowledgement="电话告知客户已受理并说明答复时限", note="电话确认")
    assert complaint.status == "acknowledged"
    with scopes_disabled():
        cause = cause_of(complaint, "交付延误")
    page = step("assess", ok=False, severity="", cause=cause.pk,
                assessment="影响整改计划")  # the severity is required
    assert complaint.status == "acknowledged" and "影响整改计划" in page.content.decode()
    step("assess", severity="high", cause=cause.pk, assessment="影响整改计划")
    step("investigate", findings="审核环节延误三天")
    step("respond", decision="补充交付并书面致歉")
    with scopes_disabled():
        services.complaint_no_action(complaint=complaint, by=a.manager,
                                     reason="属偶发延误，已当面说明，无需采取纠正措施")
    step("close", complainant_acceptance="客户书面确认接受")
    assert complaint.status == "closed"
    assert "报告延迟交付" in client.get(url).content.decode()


def test_a_complaint_of_another_engagement_cannot_be_stepped(client, a, engagements):
    ea, _eb = engagements
    with scopes_disabled():
        other = handed_over(a)
        complaint = services.complaint_receive(
            firm=a.firm, by=a.manager, received_on=timezone.localdate(), channel="phone",
            complainant_name="李四", description="其他项目的资料交付延误", engagement=other)
    login(client, a.consultant)
    response = client.post(reverse("feedback:complaints", args=[ea.pk]),
                           {"form": "step", "complaint": complaint.pk, "step": "acknowledge"})
    assert response.status_code == 404
    assert "其他项目的资料交付延误" not in client.get(
        reverse("feedback:complaints", args=[ea.pk])).content.decode()


def test_the_engagement_page_shows_the_panel(client, a, engagements):
    ea, _eb = engagements
    login(client, a.consultant)
    page = client.get(ea.get_absolute_url()).content.decode()
    assert 'id="feedback-panel"' in page
    for name in ("evaluation", "follow_up", "complaints", "survey"):
        assert reverse(f"feedback:{name}", args=[ea.pk]) in page
