"""An edit racing a stage transition: the page was opened while the record's stage was
open, the engagement moved past that stage (the record met the gate and is frozen, clauses
5–9), then the edit is posted. The answer is 409 (``FrozenRecord``, answered by the
refusal middleware or the view), never a 500, and the record is as it was."""

import pytest
from django.forms.models import model_to_dict
from django.urls import reverse
from django.utils import timezone

from delivery.models import GuidanceLog, ProgressReport, ResourceResearch, RiskItem, SiteResearch
from engagements import services as engagement_services
from engagements.models import (
    CommunicationRecord,
    ExchangeRecord,
    NeedsAssessment,
    ProjectFramework,
    SiteVisit,
)
from engagements.services import record_save
from engagements.stages import Stage
from feedback import services as feedback_services
from feedback.models import FollowUpGuidance, FollowUpVisit, SurveyInvitation
from tests import factories as f
from tests.admin.test_write_path import _add_field
from tests.admin.world import SURVEY_ANSWERS
from tests.conftest import login
from tests.delivery.helpers import meet_delivery
from tests.engagements.helpers import advance_to
from tests.feedback.helpers import handed_over, meet, send_survey, to_follow_up
from tests.scoping import scopes_disabled


def _needs(a):
    e = f.EngagementFactory(client=a.client, lead_consultant=a.consultant)
    f.NeedsAssessmentFactory(engagement=e)
    return e, lambda: engagement_services.engagement_confirm_needs(engagement=e, by=a.consultant)


def _communication(a):
    e = f.EngagementFactory(client=a.client, lead_consultant=a.consultant, origin="proactive")
    advance_to(e, Stage.COMMUNICATION)
    f.SiteVisitFactory(engagement=e)
    f.CommunicationRecordFactory(engagement=e)
    f.ExchangeRecordFactory(engagement=e)
    f.ProjectFrameworkFactory(engagement=e, confirmed_by=a.contact, confirmed_on=e.created_at.date())
    return e, lambda: engagement_services.engagement_confirm_framework(engagement=e,
                                                                       by=a.consultant)


def _delivery(a):
    e = f.EngagementFactory(client=a.client, lead_consultant=a.consultant)
    advance_to(e, Stage.DELIVERY)
    meet_delivery(e)
    today = timezone.localdate()
    # An unshared progress report and a guidance log (a shared report is final already).
    record_save(record=ProgressReport(engagement=e, period_start=today, period_end=today,
                                      work_done="编制制度文件", next_steps="培训"),
                by=a.consultant)
    record_save(record=GuidanceLog(engagement=e, given_on=today, given_by=a.consultant,
                                   topic="动火作业", advice="执行动火作业票制度"),
                by=a.consultant)
    return e, lambda: engagement_services.engagement_hand_over(engagement=e, by=a.consultant)


def _follow_up(a):
    e = to_follow_up(handed_over(a), a)
    meet("9.1.guidance", e, a)
    meet("9.2.visits", e, a)

    def close():
        survey = send_survey(e, a)
        invitation = SurveyInvitation.objects.filter(survey=survey).first()
        token = feedback_services.issue_survey_token(invitation)
        invitation.save(update_fields=["token_hash"])
        feedback_services.survey_answer(token=token, answers=SURVEY_ANSWERS)
        engagement_services.engagement_close(engagement=e, by=a.consultant)

    return e, close


# (clause, model, URL name, set-up; a URL with ``record_pk`` names the record)
CASES = [
    ("5", NeedsAssessment, "engagements:needs_assessment", _needs),
    ("6", SiteVisit, "engagements:sitevisit_update", _communication),
    ("6", CommunicationRecord, "engagements:communicationrecord_update", _communication),
    ("6", ExchangeRecord, "engagements:exchangerecord_update", _communication),
    ("6", ProjectFramework, "engagements:framework", _communication),
    ("8.1.1", SiteResearch, "delivery:siteresearch_update", _delivery),
    ("8.1.2", ResourceResearch, "delivery:resourceresearch_update", _delivery),
    ("8.4", GuidanceLog, "delivery:guidancelog_update", _delivery),
    ("8.4", RiskItem, "delivery:riskitem_update", _delivery),
    ("8.4", ProgressReport, "delivery:progressreport_update", _delivery),
    ("9.1", FollowUpGuidance, "feedback:guidance_edit", _follow_up),
    ("9.2", FollowUpVisit, "feedback:visit_edit", _follow_up),
]
NO_RECORD_PK = {"engagements:needs_assessment", "engagements:framework"}


def _posted(form):
    data = {}
    for name in form.fields:
        _add_field(data, form, name)
    return data


@pytest.mark.parametrize(("clause", "model", "url_name", "setup"), CASES,
                         ids=[f"{c[0]}-{c[1].__name__}" for c in CASES])
def test_an_edit_posted_after_the_stage_moved_on_is_409(client, a, clause, model, url_name,
                                                        setup):
    with scopes_disabled():
        engagement, move_on = setup(a)
        record = model.objects.filter(engagement=engagement).order_by("-pk").first()
    assert record is not None
    args = [engagement.pk] if url_name in NO_RECORD_PK else [engagement.pk, record.pk]
    url = reverse(url_name, args=args)
    login(client, a.consultant)
    client.raise_request_exception = False
    page = client.get(url)
    assert page.status_code == 200
    assert not page.context.get("frozen"), "the page was opened while the stage was open"
    data = _posted(page.context["form"])
    with scopes_disabled():
        move_on()
        before = model_to_dict(model.objects.get(pk=record.pk))
    response = client.post(url, data)
    assert response.status_code == 409, response.status_code
    with scopes_disabled():
        assert model_to_dict(model.objects.get(pk=record.pk)) == before
