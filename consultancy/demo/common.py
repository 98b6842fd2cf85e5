"""What the demo's builders share: the context they fill, their data files, and the steps
more than one of them takes (an engagement through clauses 5–6, its contract through
clause 7, the service stage of clause 8).

Every step goes through the apps' services, so the numbers, the ``StageTransition`` rows,
the record history and the gate checks are the real ones; each is taken only when the
records show it was not, so the demo can run again.
"""

import datetime
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from pathlib import Path

import yaml
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template.loader import render_to_string

from consultancy.clients.models import ClientContact
from consultancy.documents.models import GeneratedDocument
from consultancy.documents.pdf import html_to_pdf
from consultancy.documents.tasks import render_document
from contracts import services as contract_services
from contracts.models import Contract, Deliverable
from delivery import services as delivery_services
from delivery.models import (
    DocumentDelivery,
    DocumentVersion,
    GuidanceLog,
    ProgressReport,
    ProjectDocument,
    ResourceResearch,
    RiskItem,
    RseJustification,
    SiteResearch,
    SiteUnit,
    TeamMember,
)
from engagements import services as engagement_services
from engagements.models import CommunicationRecord, Engagement, ExchangeRecord, SiteVisit
from engagements.stages import Stage

DEMO_PASSWORD = "demo-2026-safety"  # 16 characters: the password policy asks for 12 or more
DATA_DIR = Path(__file__).resolve().parent / "data"

# The amounts of the data files, read as ``Decimal``.
DECIMAL_KEYS = {"budget", "budget_min", "budget_max", "share"}


@dataclass
class DemoContext:
    """What the builders hand on to each other: ``data["firms"][key]`` holds a firm's
    ``firm``, ``people`` (by e-mail local part), ``clients`` and ``engagements``."""

    password: str = DEMO_PASSWORD
    logins: list = field(default_factory=list)  # (firm, role, name, email)
    data: dict = field(default_factory=dict)

    def login(self, firm, role, name, email):
        if (firm, role, name, email) not in self.logins:
            self.logins.append((firm, role, name, email))


def _decimals(node):
    if isinstance(node, dict):
        return {key: Decimal(str(value)) if key in DECIMAL_KEYS and value is not None
                else _decimals(value) for key, value in node.items()}
    if isinstance(node, list):
        return [_decimals(value) for value in node]
    return node


@cache
def data(name):
    """The demo's data file ``data/<name>.yaml`` (read once; copy before changing)."""
    with open(DATA_DIR / f"{name}.yaml", encoding="utf-8") as handle:
        return _decimals(yaml.safe_load(handle))


def days_back(today, days):
    return today - datetime.timedelta(days=days)


def contact(engagement, name=None):
    """The client contact called ``name``, or else the one with a portal login (the
    first contact when none has one)."""
    contacts = ClientContact.objects.filter(client=engagement.client)
    if name:
        return contacts.get(name=name)
    return contacts.filter(user__isnull=False).order_by("pk").first() or contacts.order_by("pk").first()


# -- clauses 5 and 6 ----------------------------------------------------------------------


def _dated(fields, today, name):
    fields = dict(fields)
    fields[name] = days_back(today, fields.pop("days_ago"))
    return fields


def _first_day(spec, today):
    """The day of the earliest record ``spec`` describes (its ``days_ago`` values)."""
    days = [spec.get("confirmed_days_ago") or 0]
    for part in ("assessment", "visit", "communication", "exchange"):
        if part in spec:
            days.append(spec[part].get("days_ago") or 0)
    return days_back(today, max(days))


def build_engagement(spec, *, firm, people, clients, today):
    """A new engagement from ``spec`` (an entry of engagements.yaml) taken through clause 5
    and, when the spec has a communication record, clause 6; with ``key: contracting`` it
    moves on to the contract stage (7)."""
    notes = data("engagements")["notes"]
    lead = people[spec["lead"]]
    client = clients[spec["client"]]
    engagement = engagement_services.engagement_create(
        firm=firm, by=lead, client=client, title=spec["title"],
        service_type=spec["service_type"], origin=spec["origin"], lead_consultant=lead,
        consultants=[people[local] for local in spec["consultants"]],
        description=spec["description"],
    )

    # The engagement's files start before it was entered here: its opening date is set
    # back to its first record (a manager's act, logged), so its records follow it.
    first = _first_day(spec, today)
    if first < engagement.opened_on:
        engagement_services.engagement_set_opened_on(
            engagement=engagement, by=people["manager"], opened_on=first,
            reason=notes["opened_on"])

    # Clause 5: the needs assessment (a draft leaves the date and decision out).
    assessment = dict(spec["assessment"])
    complete = assessment.pop("complete", True)
    days_ago = assessment.pop("days_ago")
    if complete:
        assessment["assessed_on"] = days_back(today, days_ago)
    engagement_services.needs_assessment_save(
        engagement=engagement, by=lead, assessor=lead, **assessment
    )

    if spec.get("decline"):
        engagement_services.engagement_decline(engagement=engagement, by=lead,
                                               reason=spec["decline"])
        return engagement
    if "communication" not in spec:
        return engagement  # stays in needs analysis
    engagement_services.engagement_confirm_needs(engagement=engagement, by=lead,
                                                 note=notes["confirm_needs"])

    # Clause 6.
    if "visit" in spec:
        visit = _dated(spec["visit"], today, "visited_on")
        engagement_services.record_save(
            record=SiteVisit(engagement=engagement, **visit), by=lead,
            m2m={"visitors": [lead, *(people[local] for local in spec["consultants"])]},
        )
    engagement_services.record_save(
        record=CommunicationRecord(
            engagement=engagement, **_dated(spec["communication"], today, "held_on")
        ),
        by=lead,
    )
    if "exchange" in spec:
        engagement_services.record_save(
            record=ExchangeRecord(engagement=engagement,
                                  **_dated(spec["exchange"], today, "held_on")),
            by=lead,
        )
    framework = engagement_services.framework_save(engagement=engagement, by=lead,
                                                   **spec["framework"])
    if spec.get("contact"):
        confirmer = ClientContact.objects.get(firm=firm, client=client, name=spec["contact"])
        engagement_services.framework_confirm(
            framework=framework, contact=confirmer,
            confirmed_on=days_back(today, spec["confirmed_days_ago"]), by=lead,
        )
    if spec["key"] == "contracting":
        engagement_services.engagement_confirm_framework(
            engagement=engagement, by=lead, note=notes["confirm_framework"]
        )
    return engagement


def find_or_build(spec, *, firm, people, clients, today):
    """The firm's engagement titled as ``spec`` says, built if it has none (an existing
    one and its records are left as they are)."""
    found = Engagement.objects.filter(firm=firm, title=spec["title"]).first()
    if found is not None:
        return found
    return build_engagement(spec, firm=firm, people=people, clients=clients, today=today)


# -- clause 7 -------------------------------------------------------------------------------


def _add_months(day, months):
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return day.replace(year=year, month=month, day=min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable")


def _installments(fee, start):
    plan = data("contracts")["payment_plan"]
    rows, paid = [], Decimal("0")
    for i, row in enumerate(plan):
        if i == len(plan) - 1:
            amount = fee - paid  # the last one takes the rounding, so the sum is the fee
        else:
            amount = (fee * row["share"]).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        paid += amount
        due_days = row["due_days"]
        due = start + datetime.timedelta(days=due_days) if due_days is not None else None
        rows.append({"description": row["description"], "amount": amount, "due_date": due})
    return rows


def _render(contract):
    """Render the issued PDF now, if it is still pending (the task leaves a document that
    is not pending alone, so the on-commit render that ``contract_issue`` asked for is a
    no-op afterwards). Returns the document, refreshed."""
    document = contract.issued_pdf
    if document is not None and document.is_pending:
        render_document(contract.firm_id, document.pk)
        document.refresh_from_db()
    return document


def issued_contract(engagement, terms, *, by):
    """The engagement's contract: drafted from the firm's template, filled with ``terms``
    (contracts.yaml), issued and its PDF rendered, if the engagement has none yet. An
    existing contract is left as it is (a user may have withdrawn, edited or signed it),
    but a PDF still pending is rendered."""
    contract = Contract.objects.filter(engagement=engagement).order_by("-version").first()
    if contract is not None:
        _render(contract)
        return contract
    if engagement.stage != Stage.CONTRACTING:
        return None  # moved on without a contract: not the demo's to touch
    contract = contract_services.contract_draft(engagement=engagement, by=by)
    start = contract.start_date
    end = _add_months(start, terms["months"]) - datetime.timedelta(days=1)
    contract = contract_services.contract_update(
        contract=contract, by=by, end_date=end,  # the clauses read it from the contract
        deliverables=[
            {
                "category": d["category"], "title": d["title"],
                "description": d["description"],
                "due_date": start + datetime.timedelta(days=d["due_days"]),
            }
            for d in terms["deliverables"]
        ],
        installments=_installments(contract.fee, start),
    )
    contract = contract_services.contract_issue(contract=contract, by=by)
    document = _render(contract)
    if document.status != GeneratedDocument.Status.READY:
        raise RuntimeError(
            f"The demo contract {contract.number} could not be rendered: {document.error}"
        )
    return contract


def _signed_copy(document):
    with document.file.open("rb") as handle:
        content = handle.read()
    return SimpleUploadedFile(data("contracts")["signed_copy_name"], content,
                              content_type="application/pdf")


def signed_engagement(spec, *, firm, people, clients, terms, client_signatory, today):
    """The engagement of ``spec`` (built if missing) with its contract issued, rendered and
    signed by both sides (the firm's manager, ``client_signatory``), the signed copy
    stored, and moved on to delivery (8)."""
    found = find_or_build(spec, firm=firm, people=people, clients=clients, today=today)
    lead = found.lead_consultant
    had_contract = Contract.objects.filter(engagement=found).exists()
    contract = issued_contract(found, terms, by=lead)
    if contract is not None and not had_contract:
        contract = contract_services.contract_sign(
            contract=contract, by=lead,
            firm_signatory=people["manager"], firm_signed_on=today,
            client_signatory=client_signatory, client_signed_on=today,
            signed_copy=_signed_copy(contract.issued_pdf),
        )
    if (found.stage == Stage.CONTRACTING and contract is not None
            and contract.status == Contract.Status.SIGNED):
        # (refreshes ``found`` in place; returns the StageTransition row)
        engagement_services.engagement_sign_contract(
            engagement=found, by=lead, note=data("contracts")["notes"]["sign_contract"]
        )
    return found


# -- clause 8, step by step (each skipped when its record exists) ---------------------------


def render_pending(owner, kind):
    """Render now the ``kind`` PDFs of ``owner`` still pending; fail loudly if one fails."""
    documents = GeneratedDocument.objects.filter(
        firm_id=owner.firm_id, owner_type=ContentType.objects.get_for_model(owner),
        owner_id=owner.pk, kind=kind, status=GeneratedDocument.Status.PENDING,
    )
    for document in documents:
        render_document(owner.firm_id, document.pk)
        document.refresh_from_db()
        if document.status != GeneratedDocument.Status.READY:
            raise RuntimeError(f"The demo's {kind} PDF could not be rendered: {document.error}")


def _deliverable_file(deliverable, engagement, today):
    """A small real PDF: the cover page of the deliverable."""
    html = render_to_string("demo/deliverable_cover.html", {
        "deliverable": deliverable, "engagement": engagement, "today": today,
    })
    content, _pages = html_to_pdf(html)
    return SimpleUploadedFile(f"{deliverable.title}.pdf", content,
                              content_type="application/pdf")


def _research(engagement, work, people, today):
    researcher = people[work["researcher"]]
    if not SiteResearch.objects.filter(engagement=engagement).exists():
        delivery_services.site_research_save(
            record=SiteResearch(engagement=engagement, researched_on=today,
                                **work["site_research"]),
            by=researcher, researchers=[researcher],
        )
    if not ResourceResearch.objects.filter(engagement=engagement).exists():
        engagement_services.record_save(
            record=ResourceResearch(engagement=engagement, researched_on=today,
                                    **work["resource_research"]),
            by=researcher,
        )


def _team(engagement, work, people):
    lead = engagement.lead_consultant
    for member in work["team"]:
        who, role, responsibilities = member["who"], member["role"], member["responsibilities"]
        if who in people:
            user = people[who]
            if not TeamMember.objects.filter(engagement=engagement, user=user).exists():
                delivery_services.team_member_add(
                    engagement=engagement, by=lead, side="provider", user=user, role=role,
                    responsibilities=responsibilities)
        else:
            person = contact(engagement, who)
            if not TeamMember.objects.filter(engagement=engagement, contact=person).exists():
                delivery_services.team_member_add(
                    engagement=engagement, by=lead, side="client", contact=person, role=role,
                    responsibilities=responsibilities)


def _plan(engagement, work, today, *, confirm):
    notes = data("delivery")["notes"]
    lead = engagement.lead_consultant
    plan = delivery_services.current_plan(engagement)
    if plan is None:
        fields = dict(work["plan"])
        milestones = [{"title": m["title"], "due_date": today + datetime.timedelta(days=m["due_days"])}
                      for m in fields.pop("milestones")]
        plan = delivery_services.plan_save(engagement=engagement, by=lead,
                                           milestones=milestones, **fields)
    if not confirm:
        return plan
    if not plan.is_approved:
        # 8.3.1: our side of the working group discusses and passes it, the lead approves.
        members = [m.user for m in TeamMember.objects.filter(
            engagement=engagement, side="provider").select_related("user").order_by("pk")]
        plan = delivery_services.plan_approve(plan=plan, by=lead, approved_by=lead,
                                              approved_on=today, participants=members,
                                              notes=notes["plan_approval"])
    if not plan.is_issued:
        plan = delivery_services.plan_issue(plan=plan, by=lead)
    render_pending(plan, "plan")
    if not plan.is_confirmed:
        plan = delivery_services.plan_confirm(plan=plan, contact=contact(engagement),
                                              confirmed_on=today, by=lead)
    return plan


def _implementation(engagement, work, people, today, *, share):
    researcher = people[work["researcher"]]
    units = {}
    for row in work["units"]:  # 8.4: the units and areas of the site, from the research
        unit = SiteUnit.objects.filter(engagement=engagement, name=row["name"]).first()
        if unit is None:
            unit = delivery_services.site_unit_save(
                record=SiteUnit(engagement=engagement, name=row["name"],
                                description=row.get("description", "")),
                by=researcher)
        units[row["name"]] = unit
    for risk in work["risks"]:
        unit = units[risk["unit"]]
        if RiskItem.objects.filter(engagement=engagement, unit=unit,
                                   activity=risk["activity"]).exists():
            continue
        factors = ("likelihood", "exposure", "consequence") if risk["method"] == "LEC" else (
            "likelihood", "severity")
        delivery_services.risk_save(
            record=RiskItem(
                engagement=engagement, unit=unit, activity=risk["activity"],
                hazard=risk["hazard"], accident_type=risk["accident_type"],
                existing_controls=risk["existing_controls"], method=risk["method"],
                control_level=risk["control_level"],
                responsible_person=risk["responsible_person"], controls=risk["controls"],
                measures_responsible=risk["measures_responsible"],
                measures_due_on=today + datetime.timedelta(days=risk["measures_due_days"]),
                identified_on=today, **{name: Decimal(risk[name]) for name in factors}),
            by=researcher,
        )
    if not GuidanceLog.objects.filter(engagement=engagement).exists():
        engagement_services.record_save(
            record=GuidanceLog(engagement=engagement, given_on=today, given_by=researcher,
                               **work["guidance"]),
            by=researcher,
        )
    report = ProgressReport.objects.filter(engagement=engagement).order_by("-period_end").first()
    if report is None:
        report = engagement_services.record_save(
            record=ProgressReport(
                engagement=engagement,
                period_start=today - datetime.timedelta(days=today.weekday()),  # this week
                period_end=today, **work["progress"],
            ),
            by=engagement.lead_consultant,
        )
    if share and report.shared_at is None:
        delivery_services.progress_report_share(report=report, by=engagement.lead_consultant)


def _documents(engagement, today):
    """A document for every deliverable of the signed contract, delivered and acknowledged."""
    lead = engagement.lead_consultant
    contract = (Contract.objects.filter(engagement=engagement, status=Contract.Status.SIGNED)
                .order_by("-version").first())
    if contract is None:
        return
    for deliverable in Deliverable.objects.filter(contract=contract).order_by("pk"):
        if not ProjectDocument.objects.filter(engagement=engagement,
                                              deliverable=deliverable).exists():
            delivery_services.document_create(
                engagement=engagement, by=lead, category=deliverable.category,
                title=deliverable.title, deliverable=deliverable,
                note=data("delivery")["notes"]["first_version"],
                file=_deliverable_file(deliverable, engagement, today),
            )
    undelivered = list(
        DocumentVersion.objects.filter(document__engagement=engagement, deliveries__isnull=True)
        .select_related("document").order_by("document__pk", "version")
    )
    if undelivered:
        delivery_services.documents_deliver(engagement=engagement, versions=undelivered,
                                            delivered_on=today, by=lead)
    render_pending(engagement, "handover")
    person = contact(engagement)
    for delivery in DocumentDelivery.objects.filter(engagement=engagement,
                                                    acknowledged_on__isnull=True):
        delivery_services.delivery_acknowledge(delivery=delivery, contact=person,
                                               acknowledged_on=today, by=lead)


def deliver(engagement, work, people, today, *, complete):
    """Clause 8 on ``engagement`` with ``work`` (delivery.yaml): in part, or every
    requirement when ``complete``."""
    if engagement is None or engagement.stage != Stage.DELIVERY:
        return  # not (or no longer) in the service stage: its records are not ours to touch
    _research(engagement, work, people, today)
    _team(engagement, work, people)
    justification = work.get("rse_justification")
    if justification and not RseJustification.objects.filter(engagement=engagement).exists():
        # 8.2.2: the engineer's specialty does not fit the client's industry; the firm's
        # manager records the experience that qualifies them.
        delivery_services.rse_justification_save(
            engagement=engagement, by=people["manager"], holder=people[justification["who"]],
            experience=justification["experience"])
    _plan(engagement, work, today, confirm=complete)
    _implementation(engagement, work, people, today, share=complete)
    if complete:
        _documents(engagement, today)


def hand_over(engagement):
    """Move ``engagement`` from delivery to evaluation (8.5)."""
    engagement_services.engagement_hand_over(
        engagement=engagement, by=engagement.lead_consultant,
        note=data("delivery")["notes"]["hand_over"],
    )
