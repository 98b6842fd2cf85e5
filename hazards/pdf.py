"""The ledger of hidden dangers (隐患台账) as a PDF, rendered by consultancy.documents in the
background: every hidden danger of the engagement with its grade, deadline, rectification
and verification, and the counts and the rectification rate. A formal document, in
Chinese."""

from django.utils import timezone

from consultancy.documents.registry import PdfSpec

from . import selectors
from .models import Category, Grade, HiddenDanger, State

LEDGER_TITLE = "隐患排查治理台账"
GRADE_ZH = {Grade.GENERAL: "一般", Grade.MAJOR: "重大"}
CATEGORY_ZH = {Category.BASIC: "基础管理类", Category.SITE: "现场管理类"}
STATE_ZH = {State.FOUND: "已发现", State.NOTIFIED: "已告知", State.ACKNOWLEDGED: "整改中",
            State.SUBMITTED: "待复查", State.CLOSED: "已销号", State.REFUSED: "拒绝整改"}


def ledger_pdf_spec(engagement) -> PdfSpec:
    today = timezone.localdate()
    dangers = list(HiddenDanger.objects.filter(engagement=engagement)
                   .select_related("unit", "criterion", "verified_by").order_by("seq"))
    for d in dangers:
        d.grade_zh = GRADE_ZH[d.grade]
        d.category_zh = CATEGORY_ZH[d.category]
        d.state_zh = STATE_ZH[d.state]
        d.overdue = d.is_overdue_on(today)
    # the same figures as the engagement's page (one computation: selectors.statistics)
    stats = selectors.engagement_statistics(engagement, by_consultant=False, today=today)
    return PdfSpec(
        template_name="pdf/hazard_ledger.html",
        context={"engagement": engagement, "client": engagement.client,
                 "title": LEDGER_TITLE, "doc_number": f"YH-{engagement.number}",
                 "dangers": dangers, "stats": stats, "today": today},
        filename=f"隐患台账-{engagement.number}.pdf",
    )


def ledger_access(user, engagement) -> bool:
    """The staff who see the engagement."""
    from engagements.selectors import engagements_visible_to

    return engagements_visible_to(user).filter(pk=engagement.pk).exists()
