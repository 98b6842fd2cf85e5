"""One engagement, from the needs analysis to closed, through the services alone."""

import datetime
import re

import pytest
from django.core import mail
from django.utils import timezone

from engagements import services as es
from engagements.models import (
    CommunicationRecord,
    ExchangeRecord,
    SiteVisit,
    StageTransition,
)
from engagements.stages import Stage
from feedback import services as fs
from feedback.models import Complaint, SurveyResponse
from feedback.selectors import follow_up_summary, review_objectives_suggested
from tests.delivery.helpers import meet_delivery
from tests.engagements.helpers import meet_contracting
from tests.feedback.helpers import end_guidance_period, on_commit
from tests.feedback.steps import cause_of, step
from tests.scoping import scopes_disabled

pytestmark = pytest.mark.django_db


def test_an_engagement_goes_through_every_stage(a):
    with scopes_disabled():
        _walk(a)


def _walk(a):
    today = timezone.localdate()
    by = a.consultant

    # clause 4: a proactive engagement
    e = es.engagement_create(firm=a.firm, by=a.manager, client=a.client, title="危化品企业标准化咨询",
                             service_type="standardization", origin="proactive",
                             lead_consultant=by)
    assert e.stage == Stage.NEEDS_ANALYSIS

    # clause 5
    es.needs_assessment_save(
        engagement=e, by=by, scope_finding="属于服务范围", scope_verdict="fine",
        capability_finding="有化工专业注安师", capability_verdict="fine",
        client_resources_finding="安全部可配合", client_resources_verdict="fine",
        risks_finding="资料不全", risks_verdict="concern", schedule_finding="三个月可完成",
        schedule_verdict="fine", budget_finding="与同类项目相当", budget_verdict="fine",
        budget_min=80000, budget_max=120000, measures="提前发放资料清单", assessor=by,
        assessed_on=today, decision="proceed")
    es.engagement_confirm_needs(engagement=e, by=by)

    # clause 6
    es.record_save(record=SiteVisit(engagement=e, visited_on=today, findings="消防通道堵塞",
                                    need_exists="yes"), by=by, m2m={"visitors": [by]})
    es.record_save(record=CommunicationRecord(
        engagement=e, held_on=today, participants="客户安全总监", basic_situation="员工 300 人",
        explicit_needs="通过二级评审", latent_needs="双重预防机制"), by=by)
    es.record_save(record=ExchangeRecord(
        engagement=e, held_on=today, participants="双方负责人", objectives="年内通过评审",
        main_content="制度编制", implementation_approach="驻场", rights_and_obligations="按期交付"),
        by=by)
    framework = es.framework_save(engagement=e, by=by,
                                  objectives="1. 通过安全生产标准化二级评审\n2. 建立双重预防机制",
                                  scope="全厂区", approach="诊断—整改—评审辅导",
                                  timetable="三个月", budget=100000)
    es.framework_confirm(framework=framework, contact=a.contact, confirmed_on=today, by=by)
    es.engagement_confirm_framework(engagement=e, by=by)

    # clause 7 (contract services: draft, fill, issue, sign)
    contract = meet_contracting(e, render=False)
    assert (contract.guidance_period_days, contract.follow_up_visits) == (90, 2)
    es.engagement_sign_contract(engagement=e, by=by)

    # clause 8 (delivery services)
    meet_delivery(e)
    es.engagement_hand_over(engagement=e, by=by)
    assert e.stage == Stage.EVALUATION

    # evaluation: not accepted first, then accepted after rework; the review
    fs.acceptance_record(engagement=e, by=by, contact=a.contact, accepted_on=today,
                         verdict="not_accepted", reasons="风险清单缺少储罐区")
    objectives = review_objectives_suggested(e)
    assert objectives == ["通过安全生产标准化二级评审", "建立双重预防机制"]
    fs.review_save(engagement=e, by=by, reviewer=by, reviewed_on=today, objectives=[
        {"objective": objectives[0], "verdict": "met", "evidence": "评审通过"},
        {"objective": objectives[1], "verdict": "partly", "evidence": "清单已建，台账待完善"},
    ])
    with pytest.raises(es.GateClosed):
        es.engagement_accept(engagement=e, by=by)
    assert e.stage == Stage.EVALUATION
    fs.acceptance_record(engagement=e, by=by, contact=a.contact, accepted_on=today,
                         verdict="accepted")
    es.engagement_accept(engagement=e, by=by)
    assert e.stage == Stage.FOLLOW_UP

    # 9.1 and 9.2
    fs.follow_up_guidance_save(engagement=e, by=by, given_on=today, given_by=by,
                               topic="隐患排查", advice="每月组织一次综合检查")
    for discussed in ("制度执行情况", "下一阶段培训安排"):
        fs.follow_up_visit_save(engagement=e, by=by, visited_on=today, visitors=[by],
                                discussed=discussed, plan_needs_adjusting=False)
    assert follow_up_summary(e).visits_done == 2

    # 9.4: a complaint, handled to the end
    complaint = fs.complaint_receive(
        firm=a.firm, by=a.manager, received_on=today, channel="phone",
        complainant_name=a.contact.name, contact=a.contact, engagement=e,
        description="回访人员迟到", remedy_sought="说明原因")
    with pytest.raises(es.GateClosed):
        es.engagement_close(engagement=e, by=by)
    step(complaint, "acknowledge", a.manager)
    step(complaint, "assess", a.manager, severity="low", cause=cause_of(complaint, "沟通"))
    step(complaint, "investigate", a.manager, findings="交通拥堵导致回访人员迟到")
    step(complaint, "respond", a.manager, decision="致歉，今后回访提前出发")
    step(complaint, "close", a.manager, complainant_acceptance="客户表示理解并接受")
    assert complaint.status == Complaint.Status.CLOSED

    # 9.5: the survey, answered through its link
    mail.outbox.clear()
    with on_commit():
        fs.survey_send(engagement=e, by=by)
    token = re.search(r"/survey/([A-Za-z0-9_\-]+)/", mail.outbox[0].body).group(1)
    fs.survey_answer(token=token, answers={"competence": 5, "timeliness": 4, "communication": 5,
                                           "deliverables": 5, "on_site": 4, "overall": 5,
                                           "recommend": 10})
    assert SurveyResponse.objects.filter(engagement=e).count() == 1

    # time passes: the guidance period ends; then the engagement closes
    with pytest.raises(es.GateClosed) as exc:
        es.engagement_close(engagement=e, by=by)
    assert [r.code for r in exc.value.missing] == ["9.1.guidance"]
    end_guidance_period(e)
    assert follow_up_summary(e).guidance_ends_on == today
    es.engagement_close(engagement=e, by=by)
    assert e.stage == Stage.CLOSED

    path = list(StageTransition.objects.filter(engagement=e).order_by("pk")
                .values_list("from_stage", "to_stage"))
    assert path == [
        ("needs_analysis", "communication"), ("communication", "contracting"),
        ("contracting", "delivery"), ("delivery", "evaluation"), ("evaluation", "follow_up"),
        ("follow_up", "closed"),
    ]
    assert follow_up_summary(e).handed_over_on == today - datetime.timedelta(days=90)
