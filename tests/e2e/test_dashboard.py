"""The manager's dashboard in the browser, in Chinese, with its server-drawn
charts; a screenshot for docs/screenshots/dashboard-zh.png."""

import datetime

import pytest
from django.utils import timezone

from dashboard import selectors
from engagements.models import Engagement
from engagements.stages import Stage
from feedback import services as feedback_services
from feedback.models import SurveyAnswer, SurveyInvitation, SurveyQuestion, SurveyResponse
from tests import factories as f
from tests.dashboard.helpers import answer_survey
from tests.engagements.helpers import advance_to, meet_contracting
from tests.factories import PASSWORD
from tests.feedback.helpers import handed_over, to_follow_up
from tests.scoping import scopes_disabled

pytestmark = pytest.mark.django_db(transaction=True)

TITLES = ["危化品企业安全生产标准化二级达标", "机械制造企业双重预防机制建设", "仓储物流安全台账整理",
          "食品加工企业安全顾问服务", "建筑施工企业风险分级管控"]


def _earlier_answers(engagement, w, scores):
    """Overall-satisfaction answers in earlier quarters (one contact per answer)."""
    survey = engagement.surveys.first()
    overall = SurveyQuestion.objects.get(firm=w.firm, code="overall")
    start = selectors.quarter_start(timezone.localdate())
    for i, score in enumerate(scores):
        start = selectors.previous_quarter(start)
        at = timezone.make_aware(datetime.datetime.combine(start + datetime.timedelta(days=20),
                                                           datetime.time(10)))
        contact = f.ClientContactFactory(client=w.client, email=f"q{i}@a.test")
        invitation = SurveyInvitation.objects.create(
            firm=w.firm, survey=survey, contact=contact, email=contact.email, expires_at=at,
            used_at=at)
        response = SurveyResponse.objects.create(firm=w.firm, invitation=invitation,
                                                 survey=survey, engagement=engagement,
                                                 contact=contact, submitted_at=at)
        SurveyAnswer.objects.create(firm=w.firm, response=response, question=overall,
                                    score=score)


def _build(a, b):
    today = timezone.localdate()
    with scopes_disabled():
        for title in TITLES[:2]:
            f.EngagementFactory(client=a.client, lead_consultant=a.consultant, title=title)
        contracting = advance_to(f.EngagementFactory(client=a.client, title=TITLES[2],
                                                     lead_consultant=a.consultant),
                                 Stage.CONTRACTING)
        meet_contracting(contracting, sign=False, render=False)
        delivery = advance_to(f.EngagementFactory(client=a.client, title=TITLES[3],
                                                  lead_consultant=a.consultant), Stage.DELIVERY)
        Engagement.objects.filter(pk=delivery.pk).update(
            stage_entered_at=timezone.now() - datetime.timedelta(days=45))
        follow_up = to_follow_up(handed_over(a, title=TITLES[4]), a)
        answer_survey(follow_up, a, overall=5)
        _earlier_answers(follow_up, a, [4, 4, 3, 5, 4])
        feedback_services.complaint_receive(
            firm=a.firm, by=a.manager, received_on=today - datetime.timedelta(days=12),
            channel="phone", complainant_name="李主任", description="方案交付延迟",
            engagement=delivery, safety_related=True)
        feedback_services.complaint_receive(
            firm=a.firm, by=a.manager, received_on=today, channel="email",
            complainant_name="赵经理", description="培训时间需调整", engagement=follow_up)
        f.QualificationFactory(holder=a.consultant, valid_until=today + datetime.timedelta(days=25))
        f.QualificationFactory(holder=a.manager, valid_until=today - datetime.timedelta(days=3))
        f.EngagementFactory(client=b.client, lead_consultant=b.consultant, title="乙方项目")


def test_the_dashboard_in_chinese(browser, live_server, a, b, shot):
    _build(a, b)
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900},
                                  extra_http_headers={"Accept-Language": "zh-CN"})
    page = context.new_page()
    url = live_server.url
    page.goto(f"{url}/accounts/login/")
    page.fill("input[name=username]", a.manager.email)
    page.fill("input[name=password]", PASSWORD)
    page.click("form button[type=submit]")
    page.wait_for_url(f"{url}/")
    page.click("a.nav-link[href='/dashboard/']")
    page.wait_for_selector("#pipeline svg")
    assert page.inner_text("#active-count") == "5"
    assert "乙方项目" not in page.content()
    assert page.locator("#trend svg .series circle").count() == 6
    assert page.locator("#qualifications tr[data-state=expired]").count() == 1
    assert page.locator("#overdue-complaints li").count() == 1
    assert TITLES[3] in page.inner_text("#stuck")
    shot(page, "dashboard-zh")
    context.close()
