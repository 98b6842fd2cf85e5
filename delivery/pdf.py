"""The PDFs of clause 8 (consultancy.documents renders them in the background): the
consulting plan issued in writing (8.3.1) and the hand-over list of the technical
documents delivered to the client (8.5.2). Both are formal documents, in Chinese."""

from consultancy.documents.registry import PdfSpec

from .models import DocumentDelivery, PlanMilestone, TeamMember

PLAN_TITLE = "安全生产技术咨询方案"
HANDOVER_TITLE = "技术资料移交清单"

# The sections of 8.3.2, in the order the plan sets them out (tests read these too).
PLAN_SECTIONS = {
    "division_of_work": "工作分工",
    "schedule": "进度安排",
    "client_cooperation": "需委托方配合的事项",
    "anomalies": "异常情况沟通渠道及突发情况处理",
    "training": "培训计划",
    "other": "其他",
}

# The 8.5.1 categories (Deliverable.Category), as the hand-over list's narrow column
# names them.
CATEGORY_ZH = {
    "standardization": "安全标准化制度",
    "ledger": "安全台账",
    "risk_grading": "风险分级管控体系",
    "other": "其他技术资料",
}


def _paragraphs(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def plan_doc_number(plan) -> str:
    return f"FA-{plan.engagement.number}-V{plan.version}"


def plan_pdf_spec(plan) -> PdfSpec:
    engagement = plan.engagement
    team = list(TeamMember.objects.filter(engagement=engagement)
                .select_related("user", "contact").order_by("-side", "pk"))  # ours first
    sections = [
        {"key": "division_of_work", "paragraphs": _paragraphs(plan.division_of_work)},
        {"key": "schedule", "paragraphs": _paragraphs(plan.schedule)},
        {"key": "client_cooperation", "paragraphs": _paragraphs(plan.client_cooperation)},
        {"key": "anomalies", "paragraphs": [], "parts": [
            {"title": "异常情况沟通渠道", "paragraphs": _paragraphs(plan.anomaly_channel)},
            {"title": "突发情况处理方式", "paragraphs": _paragraphs(plan.emergency_handling)},
        ]},
        {"key": "training", "paragraphs": _paragraphs(plan.training_plan)},
        {"key": "other", "paragraphs": _paragraphs(plan.other)},
    ]
    for section in sections:
        section["title"] = PLAN_SECTIONS[section["key"]]
    return PdfSpec(
        template_name="pdf/plan.html",
        context={
            "plan": plan,
            "engagement": engagement,
            "client": engagement.client,
            "title": PLAN_TITLE,
            "doc_number": plan_doc_number(plan),
            "sections": sections,
            "milestones": list(PlanMilestone.objects.filter(plan=plan)),
            "team": team,
            "training_na": plan.training_not_applicable and not plan.training_plan.strip(),
            "change_reason": _paragraphs(plan.change_reason) if plan.version > 1 else [],
        },
        filename=f"咨询方案-{engagement.number}-V{plan.version}.pdf",
    )


def handover_pdf_spec(engagement) -> PdfSpec:
    from contracts.models import Contract

    deliveries = list(
        DocumentDelivery.objects.filter(engagement=engagement)
        .select_related("version__document", "acknowledged_by", "delivered_by")
        .order_by("delivered_on", "pk")
    )
    for delivery in deliveries:
        delivery.category_zh = CATEGORY_ZH.get(delivery.version.document.category, "")
    contract = Contract.objects.filter(status=Contract.Status.SIGNED).current_for(engagement)
    dates = sorted({d.delivered_on for d in deliveries})
    return PdfSpec(
        template_name="pdf/handover.html",
        context={
            "engagement": engagement,
            "client": engagement.client,
            "contract": contract,
            "title": HANDOVER_TITLE,
            "doc_number": f"YJ-{engagement.number}",
            "deliveries": deliveries,
            "first_date": dates[0] if dates else None,
            "last_date": dates[-1] if dates else None,
            "handed_over_by": sorted({d.delivered_by.full_name for d in deliveries}),
        },
        filename=f"技术资料移交清单-{engagement.number}.pdf",
    )
