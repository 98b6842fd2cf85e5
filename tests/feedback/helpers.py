"""Taking a test engagement through evaluation and clause 9 with the services."""

import datetime

from django.utils import timezone

from consultancy.tenancy import pagecache
from engagements import services as engagement_services
from engagements.models import StageTransition
from engagements.stages import Stage
from feedback import services
from tests import factories as f
from tests.delivery.helpers import meet_delivery
from tests.engagements.helpers import advance_to

OBJECTIVES = [
    {"objective": "通过安全生产标准化二级评审", "verdict": "met",
     "evidence": "评审组现场评审通过，得分 82 分"},
    {"objective": "建立双重预防机制", "verdict": "partly",
     "evidence": "风险分级管控清单已建立，隐患排查治理台账待完善"},
]


def handed_over(w, **kwargs):
    """A new engagement of world ``w`` taken to evaluation (clause 8 met, handed over)."""
    engagement = f.EngagementFactory(client=w.client, lead_consultant=w.consultant, **kwargs)
    advance_to(engagement, Stage.DELIVERY)
    meet_delivery(engagement)
    engagement_services.engagement_hand_over(engagement=engagement, by=w.consultant)
    assert engagement.stage == Stage.EVALUATION
    return engagement


def meet(code, engagement, w):
    today = timezone.localdate()
    if code == "E.acceptance":
        services.acceptance_record(engagement=engagement, by=w.consultant, contact=w.contact,
                                   accepted_on=today, verdict="accepted")
    elif code == "E.review":
        services.review_save(engagement=engagement, by=w.consultant, reviewer=w.consultant,
                             reviewed_on=today, objectives=OBJECTIVES, conclusion="目标基本实现")
    elif code == "9.1.guidance":
        services.follow_up_guidance_save(engagement=engagement, by=w.consultant, given_on=today,
                                         given_by=w.consultant, topic="隐患排查台账",
                                         advice="按月更新隐患排查治理台账")
        end_guidance_period(engagement)
    elif code == "9.2.visits":
        contract = engagement.contracts.order_by("-version").first()
        for i in range(contract.follow_up_visits):
            services.follow_up_visit_save(
                engagement=engagement, by=w.consultant, visited_on=today,
                visitors=[w.consultant], discussed=f"第 {i + 1} 次回访：制度执行情况",
                plan_needs_adjusting=False)
    elif code == "9.4.complaints":
        pass  # met while no complaint is open
    elif code == "9.5.survey":
        send_survey(engagement, w)


def send_survey(engagement, w, contacts=None):
    """survey_send, with its on-commit mail tasks run (test transactions never commit)."""
    with on_commit():
        return services.survey_send(engagement=engagement, by=w.consultant, contacts=contacts)


def on_commit():
    """Run the on-commit callbacks registered inside the block, as a commit would."""
    from django.test import TestCase

    return TestCase.captureOnCommitCallbacks(execute=True)


def end_guidance_period(engagement, days_ago=None):
    """Let time pass: the hand-over happened long enough ago for the contracted guidance
    period to have ended."""
    contract = engagement.contracts.order_by("-version").first()
    days = contract.guidance_period_days if days_ago is None else days_ago
    StageTransition.objects.filter(engagement=engagement, to_stage=Stage.EVALUATION).update(
        at=timezone.now() - datetime.timedelta(days=days))
    # Time passing is a new day in the page cache's key (tenancy.pagecache); moving the
    # hand-over back below the services is not a write it sees: the firm's pages renewed.
    pagecache.firm_changed(engagement.firm_id)


def to_follow_up(engagement, w):
    meet("E.acceptance", engagement, w)
    meet("E.review", engagement, w)
    engagement_services.engagement_accept(engagement=engagement, by=w.consultant)
    assert engagement.stage == Stage.FOLLOW_UP
    return engagement


EVALUATION_CODES = ["E.acceptance", "E.review"]
FOLLOW_UP_CODES = ["9.1.guidance", "9.2.visits", "9.4.complaints", "9.5.survey"]
