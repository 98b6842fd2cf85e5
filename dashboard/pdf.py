"""The engagement dossier: every record of every clause of one engagement in one PDF, for
audits, with a table of contents by clause (5; 6.1–6.4; 7; 8.1–8.5; evaluation; 9.1,
9.2, 9.4, 9.5) and the stage history at the end.

The builder collects the records into *sections*; each section is a list of *blocks*
that ``templates/pdf/dossier.html`` renders the same way whatever the record:
``record`` (a titled list of label/value rows: each field's verbose name and its value),
``table`` (a header and rows) and ``svg`` (a chart, as a data: URL). Field labels are the
models' verbose names, so the dossier says what the forms say.
"""

import base64
import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.db.models import Prefetch
from django.utils import timezone, translation

from consultancy.activity.selectors import described, engagement_events
from consultancy.documents.registry import PdfSpec
from consultancy.documents.services import pdf_request
from consultancy.tenancy.models import Qualification
from contracts.models import Contract
from delivery import selectors as delivery_selectors
from delivery import services as delivery_services
from delivery.models import (
    ConsultingPlan,
    DocumentDelivery,
    GuidanceLog,
    PlanReview,
    ProgressReport,
    ResourceResearch,
    RiskItem,
    RseJustification,
    SiteResearch,
)
from delivery.risk import risk_chart_svg
from engagements.models import (
    CommunicationRecord,
    ExchangeRecord,
    NeedsAssessment,
    ProjectFramework,
    SiteVisit,
    StageTransition,
)
from feedback.models import (
    ClientAcceptance,
    Complaint,
    ComplaintAction,
    ComplaintNotice,
    ComplaintReply,
    ComplaintStep,
    FollowUpGuidance,
    FollowUpVisit,
    ObjectiveReview,
    OutcomeReview,
    Survey,
    SurveyAnswer,
    SurveyInvitation,
    SurveyResponse,
)
from hazards import selectors as hazard_selectors
from hazards.models import HiddenDanger, HiddenDangerStep

KIND = "engagement_dossier"
COMPLAINT_STEPS_ZH = {"receive": "接收", "acknowledge": "确认收到", "assess": "评估",
                      "investigate": "调查", "respond": "答复", "close": "关闭",
                      "escalate": "提交外部解决"}
TITLE = "安全生产技术咨询项目档案"

# (key, clause, Chinese title) of each section, in the order of the standard. The
# chapters group them in the table of contents.
CHAPTERS = [
    ("5", "5 需求分析", [("5", "5", "需求分析")]),
    ("6", "6 沟通与确认", [
        ("6.1", "6.1", "现场走访"),
        ("6.2", "6.2", "沟通记录"),
        ("6.3", "6.3", "交流记录"),
        ("6.4", "6.4", "项目框架及确认"),
    ]),
    ("7", "7 签订合同", [("7", "7", "合同及补充协议")]),
    ("8", "8 提供咨询服务", [
        ("8.1", "8.1", "项目调研"),
        ("8.2", "8.2", "项目工作组"),
        ("8.3", "8.3", "咨询方案及确认"),
        ("8.4.guidance", "8.4", "技术指导"),
        ("8.4.progress", "8.4", "进度报告"),
        ("8.4.risks", "8.4", "风险辨识清单"),
        ("8.4.hazards", "8.4", "隐患排查治理"),
        ("8.5", "8.5", "技术资料交付及签收"),
    ]),
    ("E", "评价", [("E.acceptance", "", "验收"), ("E.review", "", "成果评价")]),
    ("9", "9 跟踪与改进", [
        ("9.1", "9.1", "后续技术指导"),
        ("9.2", "9.2", "回访"),
        ("9.4", "9.4", "投诉处理"),
        ("9.5", "9.5", "满意度调查"),
    ]),
]


@dataclass
class Section:
    key: str
    clause: str
    title: str
    blocks: list = field(default_factory=list)

    @property
    def anchor(self):
        return "s-" + self.key.replace(".", "-")

    @property
    def heading(self):
        return f"{self.clause}　{self.title}" if self.clause else self.title


# -- turning a record into label/value rows --------------------------------------------


def display(obj, name) -> str:
    """A field's value as the dossier prints it."""
    f = obj._meta.get_field(name)
    if f.many_to_many:
        return "、".join(str(x) for x in getattr(obj, name).all())
    if getattr(f, "choices", None):
        return str(getattr(obj, f"get_{name}_display")())
    value = getattr(obj, name)
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, datetime.date):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, Decimal):
        return f"{value:,.2f}"
    if hasattr(value, "url") and hasattr(value, "name"):  # a stored file
        return value.name.rsplit("/", 1)[-1] if value else ""
    if hasattr(value, "full_name"):
        return value.full_name
    return str(value)


def record(obj, fields, title=None, extra=()) -> dict:
    rows = [(str(obj._meta.get_field(n).verbose_name), display(obj, n)) for n in fields]
    rows += list(extra)
    rows.append(("记录人", getattr(getattr(obj, "created_by", None), "full_name", "")))
    return {"kind": "record", "title": title or str(obj),
            "rows": [(label, value) for label, value in rows if value != ""]}


def table(header, rows, title="") -> dict:
    return {"kind": "table", "title": title, "header": header, "rows": rows}


def svg_block(svg: str, title="") -> dict:
    data = base64.b64encode(svg.encode("utf-8")).decode("ascii")
    return {"kind": "svg", "title": title, "src": f"data:image/svg+xml;base64,{data}"}


def _date(value):
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
    return value.strftime("%Y-%m-%d")


# -- the sections ------------------------------------------------------------------------


def _needs(e):
    a = (NeedsAssessment.objects.filter(engagement=e)
         .select_related("assessor", "created_by", "blocker_approved_by").first())
    if a is None:
        return []
    fields = [n for n in NeedsAssessment.required_fields()] + [
        "other_finding", "other_verdict", "decision_reasons"]
    extra = []
    blockers = a.blockers()
    if blockers:  # 5: a blocker is a manager's decision (who, when, why)
        extra.append(("“不可行”结论", "、".join(blockers)))
        if a.blocker_approved:
            extra += [("经理决定继续", f"{a.blocker_approved_by.full_name}　"
                                     f"{_date(a.blocker_approved_at)}"),
                      ("决定理由", a.blocker_approval_reason)]
        elif a.blocker_approved_by_id:
            extra.append(("经理决定继续", "经理批准的是此前的评估内容，已失效"))
        else:
            extra.append(("经理决定继续", "尚未批准"))
    return [record(a, fields, title="需求评估", extra=extra)]


def _visits(e):
    return [record(v, ["visited_on", "visitors", "client_people", "findings", "need_exists",
                       "notes"])
            for v in SiteVisit.objects.filter(engagement=e).select_related("created_by")
            .prefetch_related("visitors").order_by("visited_on", "pk")]


def _communications(e):
    return [record(c, ["held_on", "channel", "participants", "basic_situation",
                       "explicit_needs", "latent_needs"])
            for c in CommunicationRecord.objects.filter(engagement=e)
            .select_related("created_by").order_by("held_on", "pk")]


def _exchanges(e):
    return [record(x, ["held_on", "participants", "objectives", "main_content",
                       "implementation_approach", "rights_and_obligations"])
            for x in ExchangeRecord.objects.filter(engagement=e).select_related("created_by")
            .order_by("held_on", "pk")]


def _frameworks(e):
    return [record(p, ["version", "objectives", "scope", "approach", "timetable", "budget",
                       "confirmed_by", "confirmed_on", "confirmation_recorded_by"])
            for p in ProjectFramework.objects.filter(engagement=e)
            .select_related("created_by", "confirmed_by", "confirmation_recorded_by")
            .order_by("version")]


def _contracts(e):
    from contracts.clauses import CLAUSE_KEYS, CLAUSE_NAMES_ZH, clause_field

    blocks = []
    contracts = (Contract.objects.filter(engagement=e)
                 .select_related("created_by", "firm_signatory", "issued_pdf", "amends")
                 .prefetch_related("personnel", "deliverables").order_by("version"))
    for c in contracts:
        title = (f"合同 {c.number}（第 {c.version} 版）" if c.version == 1
                 else f"补充协议 {c.number}（第 {c.version} 版，变更 {c.amends.number}）")
        extra = [("已签发 PDF 的 SHA-256", c.issued_pdf_sha256),
                 ("签字盖章件的 SHA-256", c.signed_copy_sha256)]
        block = record(c, ["number", "status", "fee", "start_date", "end_date", "personnel",
                           "guidance_period_days", "guidance_sessions", "follow_up_visits",
                           "issued_at",
                           "firm_signatory", "firm_signed_on", "client_signatory",
                           "client_signed_on", "signed_copy", "termination_reason"],
                       title=title, extra=extra)
        block["sha"] = True
        blocks.append(block)
        clauses = [(CLAUSE_NAMES_ZH[k], getattr(c, clause_field(k))) for k in CLAUSE_KEYS]
        blocks.append(table(["条款", "内容"], [[n, v] for n, v in clauses if v.strip()],
                            title=f"{c.number} 合同条款"))
        deliverables = list(c.deliverables.all())
        if deliverables:
            blocks.append(table(["类别", "交付成果", "交付期限"],
                                [[d.get_category_display(), d.title, _date(d.due_date)]
                                 for d in deliverables], title=f"{c.number} 交付成果"))
    return blocks


def _qualified(research) -> str:
    """8.1.1: each researcher's safety-related certificates valid on the day."""
    parts = []
    for u in research.researchers.all():
        held = [f"{q.kind_label} {q.number}" for q in u.qualifications.all()
                if q.is_safety_related and q.is_valid_on(research.researched_on)]
        parts.append(f"{u.full_name}：{'、'.join(held) or '无有效安全相关资质'}")
    return "；".join(parts)


def _research(e):
    blocks = [record(r, ["researched_on", "researchers", "location", "collected", "notes"],
                     title=f"现场调研 {_date(r.researched_on)}",
                     extra=[("调研人员的安全相关资质（8.1.1）", _qualified(r))])
              for r in SiteResearch.objects.filter(engagement=e).select_related("created_by")
              .prefetch_related(Prefetch("researchers__qualifications",
                                         queryset=Qualification.objects.select_related(
                                             "qualification_kind")))
              .order_by("researched_on", "pk")]
    blocks += [record(r, ["researched_on", "resources_needed", "findings", "gaps"],
                      title=f"资源调研 {_date(r.researched_on)}")
               for r in ResourceResearch.objects.filter(engagement=e)
               .select_related("created_by").order_by("researched_on", "pk")]
    return blocks


def _team(e):
    rows = []
    members = delivery_selectors.team_with_certificates(e)
    for m in members:
        certs = "；".join(f"{q.number} {q.get_specialty_display()}"
                         f"（{_date(q.valid_from)} 至 {_date(q.valid_until)}）"
                         for q in m.rse_certificates)
        rows.append([m.get_side_display(), str(m.person), m.role, m.responsibilities,
                     certs or "—"])
    blocks = [table(["方", "成员", "角色", "职责与任务", "注册安全工程师证书（专业）"], rows)] \
        if rows else []
    # 8.2.2 相关经验和能力: the engineers' fit to the client, or a manager's justification.
    fit = delivery_services.rse_fit(e, [m for m in members if m.side == "provider"])
    justifications = list(RseJustification.objects.filter(engagement=e)
                          .select_related("holder", "created_by").order_by("pk"))
    fit_rows = [[m.user.full_name, m.valid_rse.get_specialty_display(),
                 "符合" if fit.get(m.user_id) else "不符合"]
                for m in members if m.side == "provider" and m.valid_rse]
    if fit_rows:
        blocks.append(table(["注册安全工程师", "专业", f"与委托方行业（{e.client.get_industry_display()}）"],
                            fit_rows, title="注册安全工程师专业与委托方行业的匹配"))
    for j in justifications:
        blocks.append({"kind": "record", "title": f"注册安全工程师相关经验说明：{j.holder.full_name}",
                       "rows": [("相关经验和能力", j.experience),
                                ("记录人（管理人员）", j.created_by.full_name),
                                ("记录时间", _date(j.created_at))]})
    return blocks


def _plans(e):
    blocks = []
    plans = (ConsultingPlan.objects.filter(engagement=e)
             .select_related("created_by", "approved_by", "confirmed_by", "issued_pdf")
             .prefetch_related(Prefetch("review", queryset=PlanReview.objects
                                        .select_related("approved_by", "recorded_by")
                                        .prefetch_related("participants")))
             .order_by("version"))
    members = {m.user_id: m for m in delivery_selectors.team_with_certificates(e) if m.user_id}
    for p in plans:
        blocks.append(record(
            p, ["version", "change_reason", "division_of_work", "schedule",
                "client_cooperation", "anomaly_channel", "emergency_handling", "training_plan",
                "training_not_applicable", "training_na_reason", "other", "approved_on",
                "approved_by", "approval_notes", "issued_at", "confirmed_by", "confirmed_on",
                "after_delivery"],
            title=f"咨询方案 第 {p.version} 版",
            extra=[("书面方案 PDF 的 SHA-256",
                    p.issued_pdf.sha256 if p.issued_pdf_id and p.issued_pdf.is_ready else "")]))
        review = getattr(p, "review", None) if p.is_approved else None
        if review is not None:
            # 8.3.1 经项目小组讨论通过: who of the working group took part.
            rows = []
            for u in review.participants.all():
                m = members.get(u.pk)
                marks = [x for x in (
                    "项目负责人" if u.pk == e.lead_consultant_id else "",
                    "注册安全工程师" if m is not None and m.rse_certificates and any(
                        q.is_valid_on(review.reviewed_on) for q in m.rse_certificates) else "",
                ) if x]
                rows.append([u.full_name, m.role if m else "（已不在工作组）", "、".join(marks)])
            blocks.append(table(
                ["参加讨论的项目小组成员", "组内角色", "备注"], rows,
                title=(f"第 {p.version} 版方案项目小组讨论：{_date(review.reviewed_on)}，"
                       f"批准人 {review.approved_by.full_name}；结论：{review.conclusion}")))
    return blocks


def _guidance(e):
    logs = list(GuidanceLog.objects.filter(engagement=e).select_related("given_by")
                .order_by("given_on", "pk"))
    if not logs:
        return []
    return [table(["日期", "指导人", "主题", "指导内容"],
                  [[_date(g.given_on), g.given_by.full_name, g.topic, g.advice] for g in logs])]


def _progress(e):
    return [record(p, ["period_start", "period_end", "work_done", "issues", "next_steps",
                       "shared_at"], title=f"进度报告 {p}")
            for p in ProgressReport.objects.filter(engagement=e).select_related("created_by")
            .order_by("period_start", "pk")]


def _risks(e):
    items = list(RiskItem.objects.filter(engagement=e).select_related("unit")
                 .order_by("-score", "pk"))
    units = delivery_selectors.register_coverage(e, items)
    if not items and not units:
        return []
    blocks = []
    if units:
        # 8.4 全方位的风险识别: the units of the site and the risks assessed in each.
        blocks.append(table(
            ["单元或区域", "范围", "已评价风险数", "最高风险等级"],
            [[u.name, u.description, str(u.risk_count) if u.risk_count else "0（未评价）",
              u.top_label or "—"] for u in units],
            title=f"风险辨识覆盖的单元：共 {len(units)} 个，"
                  f"已评价 {sum(1 for u in units if u.risk_count)} 个"))
    if items:
        blocks.append(svg_block(risk_chart_svg(delivery_selectors.risk_counts(e)),
                                title="风险等级分布"))
        blocks.append(table(
            ["单元 · 作业活动或设备设施", "危险因素", "事故类型", "现有管控措施", "方法", "分值",
             "等级", "管控层级 · 责任人", "管控措施（责任人，完成期限）", "辨识日期"],
            [[r.where, r.hazard, r.get_accident_type_display(), r.existing_controls,
              r.method, f"{r.score:g}", r.get_level_display(),
              "，".join(x for x in (r.get_control_level_display(), r.responsible_person) if x),
              r.controls + (f"（{r.measures_responsible}，{_date(r.measures_due_on)}）"
                            if r.measures_responsible or r.measures_due_on else ""),
              _date(r.identified_on)] for r in items]))
    return blocks


def _percent(value):
    return "—" if value is None else f"{value:g}%"


def _days(value):
    return "—" if value is None else f"{value:g}"


def _hazards(e):
    """8.4 (and the Work Safety Law, art. 41): the hidden dangers found on the client's
    site — the figures by grade and category, the ledger (隐患台账) with each one's unit,
    grade, deadline, state and rectification, and the steps of the major ones and of any
    the client refused. Labels in the dossier's language (Chinese, or English)."""
    from django.utils.translation import gettext as _

    dangers = list(HiddenDanger.objects.filter(engagement=e)
                   .select_related("unit", "criterion", "verified_by").order_by("seq"))
    if not dangers:
        return []
    stats = hazard_selectors.engagement_statistics(e, by_consultant=False)
    header = [_("Grade or category"), _("Found"), _("Closed out"), _("Still open"),
              _("Refused"), _("Overdue")]
    rows = [[str(r["label"]), str(r["found"]), str(r["closed"]), str(r["open"]),
             str(r["refused"]), str(r["overdue"])]
            for r in [*stats["by_grade"], *stats["by_category"]]]
    blocks = [table(header, rows, title=_(
        "Hidden dangers found: %(found)s; rectification rate %(rate)s; median days from "
        "found to rectified %(days)s") % {"found": stats["total"]["found"],
                                           "rate": _percent(stats["rate"]),
                                           "days": _days(stats["median_days"])})]
    blocks.append(table(
        [_("No."), _("Found on"), _("Unit or area"), _("Description of the hidden danger"),
         _("Category"), _("Grade"), _("Rectify by"), _("State"), _("Measures taken"),
         _("Rectified on"), _("Verified on")],
        [[d.number, _date(d.found_on), d.place, d.description,
          f"{d.get_category_display()} · {d.subtype_label}",
          str(d.get_grade_display()) + (f"（{d.criterion.code}）" if d.criterion else ""),
          _date(d.deadline), str(d.get_state_display()), d.measures, _date(d.rectified_on),
          _date(d.verified_at)] for d in dangers],
        title=_("Hidden danger ledger")))
    marked = [d for d in dangers if d.is_major or d.refused_at]
    if marked:
        steps = {}
        for s in (HiddenDangerStep.objects.filter(danger__in=marked).select_related("by")
                  .order_by("at", "pk")):
            steps.setdefault(s.danger_id, []).append(s)
        for d in marked:
            extra = []
            if d.refused_at:
                extra = [(_("The client's reason for refusing"), d.refusal_reason),
                         (_("Our advice to the client"), d.refusal_advice),
                         (_("Client informed in writing on"), _date(d.informed_in_writing_on))]
            blocks.append(table(
                [_("Time"), _("Step"), _("State"), _("Done by"), _("Note")],
                [[_date(s.at), s.transition, str(s.get_to_state_display()),
                  getattr(s.by, "full_name", "") or str(s.by), s.note]
                 for s in steps.get(d.pk, [])] + [[label, "", "", "", value]
                                                   for label, value in extra if value],
                title=f"{d.number} · {d.get_grade_display()} · {d.place}"))
    return blocks


def _deliveries(e):
    rows = [[d.version.document.title, d.version.document.get_category_display(),
             f"V{d.version.version}", d.version.sha256, _date(d.delivered_on),
             d.delivered_by.full_name, d.acknowledged_by.name if d.acknowledged_by_id else "",
             _date(d.acknowledged_on)]
            for d in DocumentDelivery.objects.filter(engagement=e)
            .select_related("version__document", "delivered_by", "acknowledged_by")
            .order_by("delivered_on", "pk")]
    if not rows:
        return []
    block = table(["资料名称", "类别", "版本", "SHA-256", "交付日期", "交付人", "签收人",
                   "签收日期"], rows)
    block["sha_column"] = 3
    return [block]


def _acceptance(e):
    return [record(a, ["contact", "accepted_on", "verdict", "reasons"], title=f"验收 {a}")
            for a in ClientAcceptance.objects.filter(engagement=e)
            .select_related("contact", "created_by").order_by("pk")]


def _review(e):
    blocks = []
    for r in (OutcomeReview.objects.filter(engagement=e).select_related("reviewer", "created_by")
              .prefetch_related(Prefetch("objectives",
                                         queryset=ObjectiveReview.objects.order_by("order",
                                                                                   "pk")))):
        blocks.append(record(r, ["reviewed_on", "reviewer", "conclusion"], title="成果评价"))
        blocks.append(table(["合同目标", "评价", "依据"],
                            [[o.objective, o.get_verdict_display(), o.evidence]
                             for o in r.objectives.all()]))
    return blocks


def _follow_up_guidance(e):
    rows = [[_date(g.given_on), g.given_by.full_name, g.get_channel_display(), g.topic, g.advice]
            for g in FollowUpGuidance.objects.filter(engagement=e).select_related("given_by")
            .order_by("given_on", "pk")]
    return [table(["日期", "指导人", "方式", "主题", "指导内容"], rows)] if rows else []


def _follow_up_visits(e):
    return [record(v, ["visited_on", "visitors", "client_participants", "discussed",
                       "plan_needs_adjusting", "adjustment_notes", "site_changes"],
                   title=f"回访 {_date(v.visited_on)}")
            for v in FollowUpVisit.objects.filter(engagement=e).select_related("created_by")
            .prefetch_related("visitors").order_by("visited_on", "pk")]


COMPLAINT_NOTICES_ZH = {"acknowledged": "确认受理通知", "answered": "书面答复通知",
                        "closed": "结案通知"}
COMPLAINT_ACTION_KINDS_ZH = {"corrective": "纠正措施", "preventive": "预防措施"}


def _complaints(e):
    """9.4: each complaint of the engagement with the limits it was held to, its steps,
    the notices the complainant was sent, their replies and the corrective and
    preventive actions."""
    blocks = []
    for c in (Complaint.objects.filter(engagement=e).order_by("received_on", "pk")
              .select_related("cause", "limits_contract", "no_action_by")
              .prefetch_related(
                  Prefetch("steps", queryset=ComplaintStep.objects.select_related("by")
                           .order_by("at", "pk")),
                  Prefetch("notices", queryset=ComplaintNotice.objects.order_by("created_at",
                                                                                "pk")),
                  Prefetch("replies", queryset=ComplaintReply.objects.select_related("contact")
                           .order_by("at", "pk")),
                  Prefetch("actions", queryset=ComplaintAction.objects
                           .select_related("owner", "verified_by", "plan_version")
                           .order_by("due_on", "pk")))):
        limits = "合同 " + c.limits_contract.number if c.limits_contract_id else "本机构投诉处理设置"
        unit = "个工作日" if c.limits_working_days else "日"
        blocks.append(record(c, ["number", "received_on", "channel", "complainant_name",
                                 "description", "remedy_sought", "safety_related", "status",
                                 "acknowledgement", "acknowledged_on", "severity", "cause",
                                 "assessment", "assessed_on", "findings", "investigated_on",
                                 "decision", "responded_on", "complainant_acceptance",
                                 "closed_on", "escalated_to", "escalation_reason",
                                 "escalated_on", "no_action_reason", "no_action_by",
                                 "no_action_on"],
                             title=f"投诉 {c.number}",
                             extra=[("处理时限依据", limits),
                                    ("确认受理时限", f"自收到之日起 {c.acknowledge_limit_days} {unit}，"
                                                   f"至 {_date(c.acknowledge_due_on)}"
                                     if c.acknowledge_limit_days else ""),
                                    ("书面答复时限", f"自收到之日起 {c.respond_limit_days} {unit}，"
                                                   f"至 {_date(c.respond_due_on)}"
                                     if c.respond_limit_days else "")]))
        blocks.append(table(["日期", "步骤", "状态", "处理人", "说明", "记录时间"],
                            [[_date(s.on), COMPLAINT_STEPS_ZH.get(s.step, s.step),
                              s.get_to_status_display(), s.by.full_name, s.note, _date(s.at)]
                             for s in c.steps.all()], title="处理步骤"))
        notices = list(c.notices.all())
        if notices:
            blocks.append(table(["通知", "生成时间", "发送至", "发送时间"],
                                [[COMPLAINT_NOTICES_ZH.get(n.kind, n.kind), _date(n.created_at),
                                  n.email or "（无电子邮件地址）", _date(n.sent_at)]
                                 for n in notices], title="给投诉人的通知"))
        replies = list(c.replies.all())
        if replies:
            blocks.append(table(["时间", "投诉人", "是否接受答复", "处理评价", "意见"],
                                [[_date(r.at), r.contact.name, "接受" if r.accepts else "不接受",
                                  f"{r.handling_rating} / 5", r.comment] for r in replies],
                                title="投诉人的答复"))
        actions = list(c.actions.all())
        if actions:
            blocks.append(table(
                ["类别", "措施", "责任人", "期限", "完成日期", "完成情况", "验证人", "验证日期",
                 "验证结果"],
                [[COMPLAINT_ACTION_KINDS_ZH.get(a.kind, a.kind)
                  + (f"（方案第 {a.plan_version.version} 版）" if a.plan_version_id else ""),
                  a.description, a.owner.full_name, _date(a.due_on), _date(a.done_on),
                  a.done_note, a.verified_by.full_name if a.verified_by_id else "",
                  _date(a.verified_on), a.verification] for a in actions],
                title="纠正和预防措施"))
    return blocks


def _surveys(e):
    blocks = []
    for s in (Survey.objects.filter(engagement=e).select_related("sent_by").order_by("sent_at")
              .prefetch_related(
                  Prefetch("invitations", queryset=SurveyInvitation.objects
                           .select_related("contact").order_by("pk")),
                  Prefetch("responses", queryset=SurveyResponse.objects
                           .select_related("contact").order_by("submitted_at")
                           .prefetch_related(Prefetch(
                               "answers", queryset=SurveyAnswer.objects
                               .select_related("question")))))):
        invitations = list(s.invitations.all())
        answered = [i for i in invitations if i.used_at]
        blocks.append({"kind": "record", "title": f"满意度调查 {_date(s.sent_at)}", "rows": [
            ("发出时间", _date(s.sent_at)), ("发出人", s.sent_by.full_name),
            ("发送对象", "、".join(f"{i.contact.name}（{i.email}）" for i in invitations)),
            ("已答复", f"{len(answered)} / {len(invitations)}"),
        ]})
        for r in s.responses.all():
            blocks.append(table(
                ["问题", "答复"],
                [[a.question.label_zh, str(a.score) if a.score is not None else a.text]
                 for a in r.answers.all()],
                title=f"{r.contact.name} 的答复（{_date(r.submitted_at)}）"))
    return blocks


BUILDERS = {
    "5": _needs, "6.1": _visits, "6.2": _communications, "6.3": _exchanges,
    "6.4": _frameworks, "7": _contracts, "8.1": _research, "8.2": _team, "8.3": _plans,
    "8.4.guidance": _guidance, "8.4.progress": _progress, "8.4.risks": _risks,
    "8.4.hazards": _hazards,
    "8.5": _deliveries, "E.acceptance": _acceptance, "E.review": _review,
    "9.1": _follow_up_guidance, "9.2": _follow_up_visits, "9.4": _complaints,
    "9.5": _surveys,
}


# A dossier past DOSSIER_VOLUME_RECORDS records (settings) is made in these volumes, one
# PDF each: (volume, the chapters it holds, its title). "log" holds the stage history and
# the activity log, which close a whole dossier.
VOLUMES = [
    ("1", ["5", "6"], "第一卷　需求分析、沟通与确认（第5、6条）"),
    ("2", ["7"], "第二卷　签订合同（第7条）"),
    ("3", ["8"], "第三卷　提供咨询服务（第8条）"),
    ("4", ["E", "9"], "第四卷　评价、跟踪与改进（第9条）"),
    ("log", [], "第五卷　项目阶段变更记录及活动记录"),
]
VOLUME_KEYS = [v[0] for v in VOLUMES]

# The records a dossier prints, counted to decide whether it needs volumes: each model's
# rows of the engagement (the activity log's events are counted apart: many small rows).
SIZE_MODELS = [NeedsAssessment, SiteVisit, CommunicationRecord, ExchangeRecord,
               ProjectFramework, Contract, SiteResearch, ResourceResearch, ConsultingPlan,
               GuidanceLog, ProgressReport, RiskItem, HiddenDanger, DocumentDelivery, ClientAcceptance,
               OutcomeReview, FollowUpGuidance, FollowUpVisit, Complaint, Survey]
EVENTS_PER_RECORD = 10  # about ten activity-log lines take the room of one record


def dossier_size(engagement) -> int:
    """How many records the engagement's dossier would print (activity-log lines count
    for a tenth each): one COUNT per model, whatever the engagement."""
    from django.db.models import Count

    records = 0
    for model in SIZE_MODELS:
        records += model.objects.filter(engagement=engagement).aggregate(n=Count("pk"))["n"]
    events = engagement_events(firm_id=engagement.firm_id,
                               engagement_id=engagement.pk).count()
    return records + events // EVENTS_PER_RECORD


def dossier_volumes(engagement) -> list[str]:
    """``[""]`` (one file) or the volume keys, when the dossier is past the limit."""
    from django.conf import settings

    if dossier_size(engagement) > settings.DOSSIER_VOLUME_RECORDS:
        return list(VOLUME_KEYS)
    return [""]


@transaction.atomic
def request_dossier(engagement, *, by) -> list:
    """Ask for the dossier: one PDF, or its volumes when the engagement has too many
    records for one (``dossier_volumes``). Returns the pending documents (a volume
    already pending is reused)."""
    return [pdf_request(owner=engagement, kind=KIND, by=by, volume=volume)
            for volume in dossier_volumes(engagement)]


def dossier_chapters(engagement, only=None) -> list[dict]:
    """``[{"key", "title", "sections": [Section, …]}]``: every record, by clause (only the
    chapters whose keys are in ``only``, when given)."""
    chapters = []
    for key, title, sections in CHAPTERS:
        if only is not None and key not in only:
            continue
        chapters.append({"key": key, "title": title, "anchor": f"c-{key}", "sections": [
            Section(skey, clause, stitle, BUILDERS[skey](engagement))
            for skey, clause, stitle in sections]})
    return chapters


def stage_history(engagement) -> list[StageTransition]:
    return list(StageTransition.objects.filter(engagement=engagement).select_related("by")
                .order_by("at", "pk"))


def activity_log(engagement) -> list:
    """Every event of the engagement, oldest first, its message in Chinese (the dossier's
    language)."""
    events = engagement_events(firm_id=engagement.firm_id, engagement_id=engagement.pk)
    with translation.override("zh-hans"):
        events = described(events.order_by("at", "pk"))
        for event in events:
            event.who = str(event.actor_label)
    return events


def dossier_pdf_spec(engagement, volume: str = "") -> PdfSpec:
    """The whole dossier, or one of its ``VOLUMES``."""
    spec = dict((v[0], v) for v in VOLUMES).get(volume)
    if volume and spec is None:
        raise ValueError(f"No dossier volume {volume!r}.")
    with_log = not volume or volume == "log"
    chapters = dossier_chapters(engagement, only=spec[1] if spec else None)
    return PdfSpec(
        template_name="pdf/dossier.html",
        context={
            "engagement": engagement,
            "client": engagement.client,
            "title": TITLE,
            "volume_title": spec[2] if spec else "",
            "volume_count": len(VOLUMES),
            "doc_number": f"DA-{engagement.number}" + (f"-{volume.upper()}" if volume else ""),
            "chapters": chapters,
            "sections": [s for c in chapters for s in c["sections"]],
            "with_log": with_log,
            "transitions": stage_history(engagement) if with_log else [],
            "activity": activity_log(engagement) if with_log else [],
            "generated_on": timezone.localdate(),
        },
        filename=(f"项目档案-{engagement.number}"
                  + (f"-第{VOLUME_KEYS.index(volume) + 1}卷" if volume else "") + ".pdf"),
    )


def may_see_dossier(user, engagement) -> bool:
    """The firm's managers, and the staff who may see the engagement (its lead, assigned
    consultants and working group)."""
    from engagements.selectors import engagements_visible_to

    if not (getattr(user, "is_authenticated", False) and user.is_firm_staff
            and user.firm_id == engagement.firm_id):
        return False
    if user.is_manager or getattr(engagement, "visible_to_user_pk", None) == user.pk:
        return True  # (the engagement page read it through engagements_visible_to)
    return engagements_visible_to(user).filter(pk=engagement.pk).exists()
