"""Taking a complaint through its steps (9.4) with the services, each step with a text
that says something and, for closing, the corrective actions settled."""

from django.utils import timezone

from consultancy.tenancy.models import User
from feedback import services
from feedback.models import Complaint, ComplaintAction

TEXT = {
    "acknowledge": {"acknowledgement": "电话告知投诉人已受理，并说明投诉编号和处理时限"},
    "assess": {"severity": "medium", "assessment": "涉及服务质量，影响客户整改进度，需调查核实"},
    "investigate": {"findings": "经查阅工作记录并询问项目组，投诉反映情况属实"},
    "respond": {"decision": "书面说明调查结果，致歉并调整现场人员安排"},
    "close": {"complainant_acceptance": "投诉人电话确认接受处理决定"},
    "escalate": {"escalated_to": "苏州仲裁委员会", "reason": "投诉人不接受处理决定，依合同申请仲裁"},
}
ORDER = ["acknowledge", "assess", "investigate", "respond", "close"]
NO_ACTION = "投诉系对合同条款的误解，经说明后无需采取纠正措施"


def cause_of(complaint, name="服务质量"):
    causes = services.causes_for(complaint.firm_id)
    return next(c for c in causes if c.name == name)


def manager_of(firm_id):
    return User.objects.filter(firm_id=firm_id, role=User.Role.MANAGER, is_active=True).first()


def step(complaint, name, by, **kwargs):
    """One step with the default text of ``name`` (``kwargs`` override it). Closing a
    complaint without actions first has a manager record why none is needed."""
    data = {**TEXT[name], **kwargs}
    if name == "assess":
        data.setdefault("cause", cause_of(complaint))
    if name == "close":
        fresh = Complaint.objects.get(pk=complaint.pk)
        if (not ComplaintAction.objects.filter(complaint=fresh).exists()
                and not fresh.no_action_reason and "no_action_reason" not in data):
            services.complaint_no_action(complaint=fresh, by=manager_of(fresh.firm_id),
                                         reason=NO_ACTION)
    return getattr(services, f"complaint_{name}")(complaint=complaint, by=by, **data)


def walk(complaint, by, until="close", on=None):
    """Every step up to ``until``, each by ``by`` (dated ``on`` when given: every step's
    date argument)."""
    dates = {"acknowledge": "acknowledged_on", "assess": "assessed_on",
             "investigate": "investigated_on", "respond": "responded_on", "close": "closed_on"}
    for name in ORDER[:ORDER.index(until) + 1]:
        extra = {dates[name]: on} if on else {}
        complaint = step(complaint, name, by, **extra)
    return complaint


def today():
    return timezone.localdate()
