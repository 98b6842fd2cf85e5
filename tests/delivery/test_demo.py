"""``manage.py demo``: the service stage (clause 8) it builds, through the services,
idempotently."""

from io import StringIO

import pytest
from django.core.management import call_command

from consultancy.demo import delivery as demo
from consultancy.demo import feedback as feedback_demo
from consultancy.documents.models import GeneratedDocument
from consultancy.tenancy.models import Firm
from contracts.models import Contract
from delivery.models import (
    ConsultingPlan,
    DocumentDelivery,
    DocumentVersion,
    GuidanceLog,
    PlanMilestone,
    PlanReview,
    ProgressReport,
    ProjectDocument,
    ResourceResearch,
    RiskItem,
    RseJustification,
    SiteResearch,
    SiteUnit,
    TeamMember,
)
from engagements.gates import gate_is_open
from engagements.models import Engagement, StageTransition
from engagements.stages import Stage
from feedback.models import (
    ClientAcceptance,
    Complaint,
    ComplaintStep,
    FollowUpGuidance,
    FollowUpVisit,
    OutcomeReview,
    Reminder,
    Survey,
)
from hazards.models import HiddenDanger
from tests.scoping import scopes_disabled

FIRMS = {"antai": "安泰安全技术咨询有限公司", "huaan": "华安企业安全咨询有限公司"}
MODELS = [Engagement, StageTransition, Contract, GeneratedDocument, SiteResearch,
          ResourceResearch, TeamMember, ConsultingPlan, PlanMilestone, RiskItem, GuidanceLog,
          ProgressReport, ProjectDocument, DocumentVersion, DocumentDelivery]
MODELS += [ClientAcceptance, OutcomeReview, FollowUpGuidance, FollowUpVisit, Complaint,
           ComplaintStep, Survey, Reminder]


def _counts(firm):
    return {model.__name__: model.objects.filter(firm=firm).count() for model in MODELS}


def _out_of_order(firm):
    """The demo's records that break the standard's order (engagements.chronology)."""
    from django.apps import apps

    from engagements import chronology

    found = []
    for label in sorted({rule.record for rule in chronology.RULES}):
        for record in apps.get_model(label).objects.filter(firm=firm):
            problems = chronology.problems(record)
            if problems:
                found.append((label, record.pk, problems))
    return found


def _unmet(engagement):
    return {r.code for r in engagement.requirements(Stage.DELIVERY) if not r.met}


@pytest.mark.django_db
def test_demo_delivery_one_held_one_ready_one_handed_over_and_a_second_run_adds_nothing():
    call_command("demo", stdout=StringIO())
    with scopes_disabled():
        firms = {key: Firm.objects.get(name=name) for key, name in FIRMS.items()}
        first = {key: _counts(firm) for key, firm in firms.items()}
    call_command("demo", stdout=StringIO())
    with scopes_disabled():
        for key, firm in firms.items():
            assert _counts(firm) == first[key], key

            in_delivery = list(Engagement.objects.filter(firm=firm, stage=Stage.DELIVERY))
            assert len(in_delivery) == 2, key
            held = [e for e in in_delivery if not gate_is_open(e)]
            ready = [e for e in in_delivery if gate_is_open(e)]
            assert len(held) == 1 and len(ready) == 1, key

            # Part of clause 8: the plan in draft, the report not shared, nothing delivered.
            held = held[0]
            # The chemical plant's hand-over is also held by its open 重大隐患 (the demo of
            # hidden dangers, consultancy.demo.hazards).
            major_open = HiddenDanger.objects.filter(engagement=held, grade="major",
                                                     state="notified").exists()
            assert _unmet(held) == {"8.3.1.plan_confirmed", "8.4.progress",
                                    "8.5.deliverables"} | (
                {"8.4.major_hazards"} if major_open else set()), key
            assert {r.level for r in RiskItem.objects.filter(engagement=held)} == {
                "major", "large", "general", "low"}, key
            assert {r.method for r in RiskItem.objects.filter(engagement=held)} == {"LEC", "LS"}
            # 8.4: the register covers the plant's units, each risk complete
            units = list(SiteUnit.objects.filter(engagement=held))
            assert len(units) >= 4, key
            assert all(u.risks.exists() for u in units), key
            assert not [r for r in RiskItem.objects.filter(engagement=held) if r.missing()], key
            plan = ConsultingPlan.objects.get(engagement=held)
            assert not plan.is_approved and not plan.missing_content()
            assert not ProgressReport.objects.get(engagement=held).shared_at
            assert TeamMember.objects.filter(engagement=held, side="client",
                                             contact__user__isnull=False).exists()

            # Every requirement met, the gate open, the PDFs rendered.
            ready = ready[0]
            assert ready.title == demo.NEW[key]["delivery_ready"]["spec"]["title"]
            assert not _unmet(ready)
            plan = ConsultingPlan.objects.get(engagement=ready)
            assert plan.is_confirmed and plan.issued_pdf.status == GeneratedDocument.Status.READY
            # 8.3.1: passed by the working group, the lead and a valid RSE holder taking part
            review = PlanReview.objects.get(plan=plan)
            participants = set(review.participants.all())
            assert ready.lead_consultant in participants and len(participants) >= 2, key
            assert review.conclusion, key
            # 8.2.2: the client is a construction company or a cold store; the engineer's
            # specialty (chemical) does not fit, so a manager recorded the experience
            justification = RseJustification.objects.get(engagement=ready)
            assert justification.created_by.role == "manager" and justification.experience
            handover = GeneratedDocument.objects.get(firm=firm, kind="handover",
                                                     owner_id=ready.pk)
            assert handover.status == GeneratedDocument.Status.READY and handover.pages >= 1
            for version in DocumentVersion.objects.filter(document__engagement=ready):
                with version.file.open("rb") as handle:
                    assert handle.read(5) == b"%PDF-"

            # Handed over: in evaluation, clause 8 complete.
            evaluation = Engagement.objects.get(
                firm=firm, title=demo.NEW[key]["evaluation"]["spec"]["title"])
            assert evaluation.stage == Stage.EVALUATION
            assert evaluation.transitions.filter(from_stage=Stage.DELIVERY,
                                                 to_stage=Stage.EVALUATION).count() == 1
            assert not _unmet(evaluation)

            # Evaluation and clause 9 (feedback.demo): one engagement in follow-up, one
            # closed, complaints in every state, one overdue, the day's reminders.
            titles = {name: title for name, (title, _scope) in feedback_demo.PHASES[key].items()}
            follow_up = Engagement.objects.get(firm=firm, title=titles["follow_up"])
            assert follow_up.stage == Stage.FOLLOW_UP, key
            assert all(r.met for r in follow_up.requirements(Stage.EVALUATION)), key
            closed = Engagement.objects.get(firm=firm, title=titles["closed"])
            assert closed.stage == Stage.CLOSED, key
            assert all(r.met for r in closed.requirements(Stage.FOLLOW_UP)), key
            assert closed.transitions.filter(to_stage=Stage.CLOSED).count() == 1, key
            complaints = list(Complaint.objects.filter(firm=firm))
            assert {c.status for c in complaints} == {
                "received", "acknowledged", "investigated", "responded", "closed",
                "escalated"}, key
            assert [c.status for c in complaints if c.is_overdue] == ["received"], key
            assert not Complaint.objects.filter(engagement=closed).exclude(
                status="closed").exists(), key
            kinds = set(Reminder.objects.filter(firm=firm).values_list("kind", flat=True))
            assert {"visit_due", "complaint_overdue"} <= kinds, key

            # Every stage is built under the standard's order: no record dated before its
            # engagement opened, in the future, or before the event it follows.
            assert _out_of_order(firm) == [], key

@pytest.mark.django_db
def test_demo_hidden_dangers_a_chemical_plant_with_a_dozen_in_every_state():
    call_command("demo", stdout=StringIO())
    with scopes_disabled():
        dangers = list(HiddenDanger.objects.select_related("engagement__client"))
        assert len(dangers) == 12
        assert {d.engagement.client.industry for d in dangers} == {"chemical"}
        assert {d.state for d in dangers} == {"found", "notified", "acknowledged", "submitted",
                                              "closed", "refused"}
        assert sum(d.is_major for d in dangers) == 2
        assert all(d.photos.exists() for d in dangers)
        assert any(d.is_overdue for d in dangers)
        assert any(d.failed_verifications for d in dangers)
        # a second run adds nothing
        call_command("demo", stdout=StringIO())
        assert HiddenDanger.objects.count() == 12
