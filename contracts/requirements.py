"""The requirements of clause 7 (registered in ``ContractsConfig.ready``): the gate that
leaves ``contracting``."""

from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from engagements.gates import Requirement, batched, engagement_ids, register
from engagements.stages import Stage

from .models import Contract, Deliverable, DocumentSystemRequirement


def current_contracts(engagements):
    """Each engagement's current contract: its latest version (not terminated)."""
    return (Contract.objects.filter(engagement_id__in=engagement_ids(engagements)).newest()
            .exclude(status=Contract.Status.TERMINATED))


@batched
def clauses_met(engagements):
    return (current_contracts(engagements).filter(Contract.clauses_filled_q())
               .values_list("engagement_id", flat=True))


@batched
def deliverables_met(engagements):
    has_deliverable = Deliverable.objects.filter(contract_id=OuterRef("pk"))
    return (current_contracts(engagements)
        .filter(Exists(has_deliverable), guidance_period_days__isnull=False,
                follow_up_visits__isnull=False)
        .values_list("engagement_id", flat=True))


@batched
def document_system_met(engagements):
    """8.5.1: the contract's deliverables include every document system its engagement's
    service type requires (the firm's mapping: 安全生产标准化 → 安全标准化体系资料, 安全台账
    → 安全台账资料, 风险分级管控 → 风险分级管控体系资料); met when the type requires none."""
    required = DocumentSystemRequirement.objects.filter(
        firm_id=OuterRef("firm_id"), service_type=OuterRef("engagement__service_type"))
    missing = required.filter(~Exists(Deliverable.objects.filter(
        contract_id=OuterRef(OuterRef("pk")), category=OuterRef("category"))))
    return (current_contracts(engagements).filter(~Exists(missing))
            .values_list("engagement_id", flat=True))


@batched
def signed_met(engagements):
    return (current_contracts(engagements)
        .filter(status=Contract.Status.SIGNED)
        .filter(Q(firm_signatory__isnull=False), Q(firm_signed_on__isnull=False),
                Q(client_signed_on__isnull=False), ~Q(client_signatory=""),
                ~Q(signed_copy=""), ~Q(signed_copy_sha256=""))
        .values_list("engagement_id", flat=True))


def register_all():
    register(Requirement(
        code="7.clauses", clause="7", stage=Stage.CONTRACTING,
        label=_("A written contract with all eleven clauses of clause 7 filled"),
        met_ids=clauses_met, url_name="contracts:contract",
    ))
    register(Requirement(
        code="7.deliverables", clause="7", stage=Stage.CONTRACTING,
        label=_("The contract lists its deliverables (category, due date) and its follow-up "
                "terms (guidance period, number of follow-up visits)"),
        met_ids=deliverables_met, url_name="contracts:contract",
    ))
    register(Requirement(
        code="7.document_system", clause="8.5.1", stage=Stage.CONTRACTING,
        label=_("The deliverables include the document system the service type requires "
                "(安全生产标准化: safety standardization system documents; 安全台账: safety "
                "ledger documents; 风险分级管控: risk grading and control system documents)"),
        met_ids=document_system_met, url_name="contracts:contract",
    ))
    register(Requirement(
        code="7.signed", clause="7", stage=Stage.CONTRACTING,
        label=_("Signed by both sides (signatories and dates) with the signed copy stored"),
        met_ids=signed_met, url_name="contracts:contract",
    ))
