from dataclasses import dataclass

import pytest
from django.urls import reverse
from django.utils import timezone

from consultancy.clients.models import ClientContact
from engagements.stages import Stage
from feedback import services as feedback_services
from feedback.models import SurveyInvitation
from tests import factories as f
from tests.engagements.helpers import advance_to
from tests.feedback.helpers import handed_over, send_survey
from tests.portal.helpers import deliver, in_delivery, issue_plan
from tests.scoping import scopes_disabled


@dataclass
class PortalWorld:
    e_delivery: object      # plan v1 issued, two documents delivered, nothing confirmed
    e_communication: object  # framework v1 awaiting confirmation
    e_evaluation: object    # handed over, a survey sent to the contact
    plan: object
    deliveries: list
    framework: object
    contract: object
    invitation: object
    complaint: object


def build_world(w) -> PortalWorld:
    e_delivery = in_delivery(w, title="危化品企业安全生产标准化咨询")
    plan = issue_plan(e_delivery)
    deliveries = deliver(e_delivery, 2)
    with scopes_disabled():
        e_comm = advance_to(f.EngagementFactory(client=w.client, lead_consultant=w.consultant,
                                                title="双重预防机制建设咨询"),
                            Stage.COMMUNICATION)
        framework = f.ProjectFrameworkFactory(engagement=e_comm)
        e_eval = handed_over(w, title="安全生产台账咨询")
        send_survey(e_eval, w, contacts=[w.contact])
        invitation = SurveyInvitation.objects.get(survey__engagement=e_eval, contact=w.contact)
        complaint = feedback_services.complaint_receive(
            firm=w.firm, by=w.contact.user, received_on=timezone.localdate(), channel="portal",
            complainant_name=w.contact.name, description="现场诊断人员迟到", contact=w.contact,
            engagement=e_delivery)
        contract = e_delivery.contracts.order_by("-version").first()
    return PortalWorld(e_delivery, e_comm, e_eval, plan, deliveries, framework, contract,
                       invitation, complaint)


@pytest.fixture
def world(a):
    return build_world(a)


def read_urls(pw):
    e = pw.e_delivery
    return [
        reverse("portal:engagement", args=[e.pk]),
        reverse("portal:engagement_progress", args=[e.pk]),
        reverse("portal:engagement_documents", args=[e.pk]),
        reverse("portal:engagement_risks", args=[e.pk]),
        reverse("portal:engagement_follow_up", args=[e.pk]),
        reverse("portal:contract_pdf", args=[e.pk, pw.contract.pk]),
        reverse("portal:contract_signed", args=[e.pk, pw.contract.pk]),
        reverse("portal:plan_pdf", args=[e.pk, pw.plan.pk]),
        reverse("portal:delivery_file", args=[e.pk, pw.deliveries[0].pk]),
        reverse("portal:survey", args=[pw.invitation.pk]),
        reverse("portal:complaint", args=[pw.complaint.pk]),
        reverse("portal:engagement", args=[pw.e_communication.pk]),
        reverse("portal:engagement", args=[pw.e_evaluation.pk]),
    ]


def act_urls(pw):
    e = pw.e_delivery
    return [
        (reverse("portal:framework_confirm", args=[pw.e_communication.pk, pw.framework.pk]), {}),
        (reverse("portal:plan_confirm", args=[e.pk, pw.plan.pk]), {}),
        (reverse("portal:delivery_acknowledge", args=[e.pk, pw.deliveries[0].pk]), {}),
        (reverse("portal:acceptance", args=[pw.e_evaluation.pk]), {"verdict": "accepted"}),
        (reverse("portal:survey", args=[pw.invitation.pk]),
         {"q-overall": "5", "q-nps": "9"}),
    ]


@pytest.fixture
def other_company_contact(a):
    """A portal contact of another client company of the same firm."""
    with scopes_disabled():
        other = f.ClientFactory(firm=a.firm, name="另一家客户有限公司")
        return f.PortalContactFactory(client=other, email="other@a.test")


def snapshot():
    """Counts and states of everything a portal request could write."""
    from delivery.models import ConsultingPlan, DocumentDelivery
    from engagements.models import ProjectFramework, StageTransition
    from feedback.models import ClientAcceptance, Complaint, ComplaintStep, SurveyResponse

    with scopes_disabled():
        return {
            "plans_confirmed": ConsultingPlan.objects.filter(confirmed_on__isnull=False).count(),
            "frameworks_confirmed": ProjectFramework.objects.filter(
                confirmed_on__isnull=False).count(),
            "acknowledged": DocumentDelivery.objects.filter(acknowledged_on__isnull=False).count(),
            "acceptances": ClientAcceptance.objects.count(),
            "responses": SurveyResponse.objects.count(),
            "complaints": Complaint.objects.count(),
            "steps": ComplaintStep.objects.count(),
            "transitions": StageTransition.objects.count(),
            "contacts": ClientContact.objects.count(),
        }
