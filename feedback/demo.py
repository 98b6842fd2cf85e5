"""Demo of evaluation and clause 9 (see ``manage.py demo``; runs after ``delivery.demo``).

Per firm, through the services only (:mod:`feedback.services`, and the earlier apps'
demo helpers for clauses 5 to 8):

``follow_up``  a new engagement (a second phase of the firm's ``evaluation`` engagement,
               same client and contacts), delivered and handed over, accepted by the
               client, reviewed against its objectives and moved to ``follow_up``; one
               guidance record, the survey sent; no visit yet, so the first contracted
               visit comes due (the reminders job reminds of it).
``closed``     another such engagement taken all the way: guidance, every contracted
               visit (each saying the plan needs no adjusting), the survey sent, a
               complaint handled to closed, then ``close``.

The complaints register of each firm holds complaints in several states: received
(a general one, overdue), acknowledged, investigated, responded, closed and escalated.
At the end the daily reminders job runs for today (its e-mails go to the demo's dummy
backend), so the home page shows reminders.

Time is compressed, as in the earlier demos (contracts are signed today): the hand-over
of ``closed`` is dated back past the contracted guidance period, and that of
``follow_up`` 40 days back, so that 9.1 is met for the one and a visit is coming due for
the other. This is the one write that is not a service call: it moves the
``StageTransition`` row of the hand-over, as the tests' ``end_guidance_period`` does.

Idempotent: engagements are keyed by (firm, title), complaints by (firm, complainant),
and each step runs only when its record does not exist yet; the reminders job never
writes a reminder twice.
"""

import copy
import datetime

from django.utils import timezone

from delivery.demo import HAND_OVER_NOTE, NEW, _contact, _deliver, _signed_engagement
from engagements import services as engagement_services
from engagements.models import StageTransition
from engagements.stages import Stage

from . import demo_history, services, tasks
from .models import (
    ClientAcceptance,
    Complaint,
    FollowUpGuidance,
    FollowUpVisit,
    OutcomeReview,
    SurveyInvitation,
)
from .selectors import current_contract, review_objectives_suggested

ACCEPT_NOTE = "委托方已签署成果验收意见，我方完成成果评价，转入后续服务阶段（第 9 章）。"
CLOSE_NOTE = "技术指导期届满，合同约定的回访已全部完成，满意度调查已发送，无未结投诉，项目关闭。"

# Each firm's two new engagements: a phase of the ``evaluation`` engagement of
# delivery.demo (its client, contacts, team and deliverables), with its own title.
PHASES = {
    "antai": {
        "follow_up": ("通达仓储物流叉车与货架作业安全专项整治咨询（二期：3 号仓库）",
                      "二期覆盖新启用的 3 号仓库（驶入式货架 400 余组、叉车 4 台）。"),
        "closed": ("通达仓储物流叉车与货架作业安全专项整治咨询（试点：1 号仓库）",
                   "试点阶段先在 1 号仓库完成整治，验证检查表和台账样表。"),
    },
    "huaan": {
        "follow_up": ("海联石化储运部罐区及装卸站安全管理台账规范化（二期：铁路装卸栈桥）",
                      "二期将台账规范化推广到铁路装卸栈桥和火车槽车作业。"),
        "closed": ("海联石化储运部罐区及装卸站安全管理台账规范化（试点：原油罐组）",
                   "试点阶段先在原油罐组完成台账规范化，验证台账样表。"),
    },
}

REVIEW = {
    "conclusion": "合同目标总体实现；建议下一期将日常检查台账纳入客户绩效考核，巩固整治成效。",
    "evidence": "交付成果均经委托方签收；现场复查整改项全部关闭，台账已连续使用一个月。",
}
GUIDANCE = [
    ("整改项复查方法", "site",
     "对照整改清单逐项复查，现场拍照留存；未关闭项明确责任人和期限，纳入月度安全例会跟踪。"),
    ("台账填写常见问题", "phone",
     "检查日期、检查人签字和异常处理栏不得空项；发现异常须在当日记录处理措施并闭环。"),
]
VISIT = ("回访检查制度和台账执行情况，抽查近一个月检查记录；委托方反馈执行顺利，"
         "下一阶段工作无需调整咨询方案。")

# (complainant, engagement key or None, days ago received, channel, safety-related,
#  description, remedy sought, the steps to take)
COMPLAINTS = [
    ("匿名来电（委托方员工）", None, 6, "phone", True,
     "来电反映我司人员在客户现场检查时未按要求佩戴安全帽，存在示范不良问题。",
     "要求说明情况并加强现场人员管理。", []),
    ("{contact}", "evaluation", 3, "email", False,
     "交付的检查报告中有 3 处设备编号与现场不一致，需要返工。",
     "更正报告并重新签收。", ["acknowledge"]),
    ("{contact}", "delivery", 9, "in_person", True,
     "现场诊断时发现的一项重大隐患未在当天书面告知，延误了整改。",
     "说明原因，今后重大隐患当日书面告知。", ["acknowledge", "assess", "investigate"]),
    ("{contact}", "follow_up", 12, "letter", False,
     "合同约定的培训课件交付比计划晚了一周。",
     "补充一次现场培训。", ["acknowledge", "assess", "investigate", "respond"]),
    ("{contact}", "closed", 20, "phone", False,
     "试点阶段台账样表字段过多，班组填写负担重。",
     "精简台账样表。", ["acknowledge", "assess", "investigate", "respond", "close"]),
    ("某设备供应商", None, 25, "letter", False,
     "认为我司在整改建议书中点名其设备存在缺陷，影响其商誉。",
     "撤回相关表述并书面致歉。", ["acknowledge", "assess", "escalate"]),
]
STEP_TEXT = {
    "acknowledge": {"note": "已电话告知投诉人受理，并说明处理时限。"},
    "assess": {"severity": "medium", "assessment": "涉及服务质量，影响客户整改进度，需调查核实。"},
    "investigate": {"findings": "经查阅工作记录并询问项目组，投诉反映情况属实，原因是内部复核环节遗漏。"},
    "respond": {"decision": "向投诉人书面说明调查结果和改进措施，按其要求补充服务，费用由我司承担。"},
    "close": {"complainant_acceptance": "投诉人书面确认接受处理决定，对补充服务表示满意。"},
    "escalate": {"escalated_to": "苏州仲裁委员会",
                 "reason": "投诉人不接受我司的说明，依合同争议解决条款申请仲裁。"},
}


def _phase_spec(key, name):
    """The ``evaluation`` engagement's spec of delivery.demo, as a new phase."""
    new = copy.deepcopy(NEW[key]["evaluation"])
    title, scope = PHASES[key][name]
    new["spec"]["title"] = title
    new["spec"]["description"] = f"{new['spec']['description']}{scope}"
    return new


def _handed_over(key, name, data, today, back_days):
    new = _phase_spec(key, name)
    engagement = _signed_engagement(
        new["spec"], firm=data["firm"], people=data["people"], clients=data["clients"],
        terms=new["terms"], client_signatory=new["client_signatory"], today=today,
    )
    _deliver(engagement, new["work"], data["people"], today, complete=True)
    if engagement.stage == Stage.DELIVERY:
        engagement_services.engagement_hand_over(
            engagement=engagement, by=engagement.lead_consultant, note=HAND_OVER_NOTE)
        contract = current_contract(engagement)
        days = back_days if back_days is not None else (contract.guidance_period_days or 0) + 7
        StageTransition.objects.filter(engagement=engagement, to_stage=Stage.EVALUATION).update(
            at=timezone.now() - datetime.timedelta(days=days))
    return engagement


def _evaluate(engagement, today):
    if engagement.stage != Stage.EVALUATION:
        return
    lead = engagement.lead_consultant
    if not ClientAcceptance.objects.filter(engagement=engagement).exists():
        services.acceptance_record(engagement=engagement, by=lead, contact=_contact(engagement),
                                   accepted_on=today, verdict="accepted")
    if not OutcomeReview.objects.filter(engagement=engagement).exists():
        objectives = review_objectives_suggested(engagement) or [engagement.title]
        services.review_save(
            engagement=engagement, by=lead, reviewer=lead, reviewed_on=today,
            conclusion=REVIEW["conclusion"],
            objectives=[{"objective": o, "verdict": "met", "evidence": REVIEW["evidence"]}
                        for o in objectives])
    engagement_services.engagement_accept(engagement=engagement, by=lead, note=ACCEPT_NOTE)


def _follow_up(engagement, today, *, guidance, visits):
    if engagement.stage != Stage.FOLLOW_UP:
        return
    lead = engagement.lead_consultant
    done = FollowUpGuidance.objects.filter(engagement=engagement).count()
    for topic, channel, advice in GUIDANCE[done:guidance]:
        services.follow_up_guidance_save(engagement=engagement, by=lead, given_on=today,
                                         given_by=lead, topic=topic, advice=advice,
                                         channel=channel)
    contract = current_contract(engagement)
    wanted = (contract.follow_up_visits or 0) if visits == "all" else visits
    for _ in range(FollowUpVisit.objects.filter(engagement=engagement).count(), wanted):
        services.follow_up_visit_save(
            engagement=engagement, by=lead, visited_on=today,
            visitors=[lead, *engagement.consultants.all()], discussed=VISIT,
            plan_needs_adjusting=False, client_participants=_contact(engagement).name)
    if not SurveyInvitation.objects.filter(survey__engagement=engagement).exists():
        survey = services.survey_send(engagement=engagement, by=lead)
        # The e-mails go out on commit; the demo commits once at its end, so they are sent
        # now (the task skips a link already mailed).
        for invitation in survey.invitations.all():
            tasks.mail_survey_invitation(engagement.firm_id, invitation.pk)


def _complaints(data, engagements, today):
    firm, manager = data["firm"], data["people"]["manager"]
    for (who, on, days_ago, channel, safety, description, remedy,
         steps) in COMPLAINTS:
        engagement = engagements.get(on) if on else None
        if on and engagement is None:
            continue
        contact = _contact(engagement) if engagement is not None else None
        name = who.format(contact=contact.name if contact else "")
        if Complaint.objects.filter(firm=firm, complainant_name=name,
                                    description=description).exists():
            continue
        complaint = services.complaint_receive(
            firm=firm, by=manager, received_on=today - datetime.timedelta(days=days_ago),
            channel=channel, complainant_name=name, description=description,
            remedy_sought=remedy, safety_related=safety, contact=contact, engagement=engagement,
            complainant_contact=contact.phone if contact is not None else "")
        by = engagement.lead_consultant if engagement is not None else manager
        for step in steps:
            getattr(services, f"complaint_{step}")(complaint=complaint, by=by,
                                                   **STEP_TEXT[step])


def load(ctx):
    today = timezone.localdate()
    for key in PHASES:
        data = ctx.data["firms"][key]
        engagements = data["engagements"]

        follow_up = _handed_over(key, "follow_up", data, today, back_days=40)
        _evaluate(follow_up, today)
        _follow_up(follow_up, today, guidance=1, visits=0)
        engagements["follow_up"] = follow_up

        closed = _handed_over(key, "closed", data, today, back_days=None)
        _evaluate(closed, today)
        _follow_up(closed, today, guidance=2, visits="all")
        engagements["closed"] = closed

        _complaints(data, engagements, today)
        if closed.stage == Stage.FOLLOW_UP:
            engagement_services.engagement_close(engagement=closed, by=closed.lead_consultant,
                                                 note=CLOSE_NOTE)

        tasks.send_daily_reminders(data["firm"].pk, today.isoformat())

    # Two years of answered surveys of imported, closed engagements (9.5's statistics
    # archive has something real to show).
    demo_history.load(ctx)
