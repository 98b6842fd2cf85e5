"""A client's engagement taken to the point where things await the client in the portal."""

import datetime
import hashlib

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from contracts.models import Contract, Deliverable
from delivery import services
from delivery.models import ConsultingPlan
from engagements.stages import Stage
from tests import factories as f
from tests.delivery.helpers import PLAN, approve, meet, pdf_ready
from tests.engagements.helpers import advance_to
from tests.scoping import scopes_disabled
from tests.uploads import pdf_bytes

PLAN_PDF = b"%PDF-1.7 plan"


def in_delivery(w, **kwargs):
    """An engagement of world ``w`` in the service stage with its research, working group,
    a shared progress report and a risk (nothing awaits the client yet)."""
    with scopes_disabled():
        e = advance_to(f.EngagementFactory(client=w.client, lead_consultant=w.consultant,
                                           **kwargs), Stage.DELIVERY)
        for code in ("8.1.1.site_research", "8.1.2.resource_research", "8.2.1.joint_team",
                     "8.4.progress", "8.4.risks"):
            meet(code, e)
    return e


def issue_plan(e, **fields):
    """Save (or start a new version of), approve and issue the plan: it awaits the client."""
    by = e.lead_consultant
    today = timezone.localdate()
    with scopes_disabled():
        current = services.current_plan(e)
        data = dict(PLAN, **fields)
        if current is not None and current.is_approved:
            data.setdefault("change_reason", "现场工艺变更")
        plan = services.plan_save(
            engagement=e, by=by, **data,
            milestones=[{"title": "诊断报告", "due_date": today + datetime.timedelta(days=20)}])
        plan = approve(plan, by)
        plan = services.plan_issue(plan=plan, by=by)
        doc = plan.issued_pdf
        doc.file.save(f"plan-{plan.pk}-v{plan.version}.pdf", ContentFile(PLAN_PDF), save=False)
        pdf_ready(doc)
        doc.sha256 = hashlib.sha256(PLAN_PDF).hexdigest()
        doc.save()
        return ConsultingPlan.objects.get(pk=plan.pk)


DELIVERABLE_PDF = pdf_bytes(b"deliverable")


def deliver(e, n=1, content=DELIVERABLE_PDF):
    """Deliver ``n`` documents (the first fulfils the contract's deliverable)."""
    by = e.lead_consultant
    with scopes_disabled():
        contract = Contract.objects.filter(engagement=e).order_by("-version").first()
        deliverable = Deliverable.objects.filter(contract=contract).first()
        versions = []
        for i in range(n):
            doc = services.document_create(
                engagement=e, by=by, category="standardization", title=f"制度汇编{i + 1}",
                deliverable=deliverable if i == 0 else None,
                file=SimpleUploadedFile(f"doc{i + 1}.pdf", content))
            versions.append(doc.versions.get())
        return services.documents_deliver(engagement=e, versions=versions,
                                          delivered_on=timezone.localdate(), by=by)


PORTAL_ENGAGEMENT_TABS = ("portal:engagement", "portal:engagement_progress",
                          "portal:engagement_documents",
                          "portal:engagement_risks", "portal:engagement_follow_up")


def engagement_tabs(client, pk):
    """Every tab of the client's engagement page, concatenated (each answered 200)."""
    pages = []
    for name in PORTAL_ENGAGEMENT_TABS:
        response = client.get(reverse(name, args=[pk]))
        assert response.status_code == 200, name
        pages.append(response.content.decode())
    return "\n".join(pages)
