"""Clause 7: drafting, issuing, signing and amending the contract. Each function runs in
one transaction and keeps its history (django-simple-history); PDFs are rendered in the
background (consultancy.documents)."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_fsm import can_proceed

from consultancy.activity import verbs
from consultancy.activity.services import performed_by, record_event
from consultancy.documents.services import pdf_request, sha256_of
from consultancy.formats import show_date
from consultancy.refusals import GONE, Refusal
from consultancy.tenancy.scoping import require_same_firm
from consultancy.tenancy.validators import not_in_the_future
from engagements import chronology
from engagements.models import FrozenRecord, ProjectFramework
from engagements.services import service_type_of
from engagements.stages import Stage

from .clauses import (
    CLAUSE_KEYS,
    CLAUSE_NAMES,
    CLAUSES,
    PLACEHOLDERS,
    TERM_PLACEHOLDERS,
    clause_field,
    cny_in_words,
    complaint_limit_text,
    draft_terms,
    fill_placeholders,
    filled_clauses,
)
from .default_template import DEFAULT_CLAUSES_EN, DEFAULT_CLAUSES_ZH
from .models import (
    Contract,
    ContractTemplate,
    Deliverable,
    DocumentSystemRequirement,
    PaymentInstallment,
)

verbs.register_all({
    "contract_template.updated": gettext_lazy("%(actor)s changed the firm's contract template"),
    "contract.drafted": gettext_lazy("%(actor)s drafted contract %(number)s"),
    "contract.updated": gettext_lazy("%(actor)s edited the draft of contract %(number)s"),
    "contract.issued": gettext_lazy("%(actor)s issued contract %(number)s for signature"),
    "contract.withdrawn": gettext_lazy("%(actor)s withdrew contract %(number)s"),
    "contract.signed": gettext_lazy("%(actor)s recorded the signing of contract %(number)s"),
    "contract.amended": gettext_lazy("%(actor)s started amendment %(number)s"),
    "contract.draft_deleted": gettext_lazy("%(actor)s deleted the draft contract %(number)s"),
})


def _event(contract, by, verb, **kwargs):
    record_event(firm=contract.firm_id, by=by, verb=verb, obj=contract,
                 engagement=contract.engagement_id, clause="7",
                 params={"number": contract.number, "version": contract.version}, **kwargs)


class ContractRefused(Refusal):
    """The contract step cannot be taken; the message says why."""

    code = "contract.refused"
    kind = GONE


# -- the firm's template ------------------------------------------------------------


def contract_template_for(firm) -> ContractTemplate:
    """The firm's template; a firm without one starts with our default text."""
    template = ContractTemplate.objects.filter(firm=firm).first()
    if template is None:
        template = ContractTemplate(firm=firm)
        for key in CLAUSE_KEYS:
            setattr(template, clause_field(key), DEFAULT_CLAUSES_ZH[key])
            setattr(template, clause_field(key) + "_en", DEFAULT_CLAUSES_EN[key])
        template.save()
    return template


@performed_by
@transaction.atomic
def contract_template_update(*, firm, by, **fields) -> ContractTemplate:
    template = contract_template_for(firm)
    for name, value in fields.items():
        setattr(template, name, value)
    template.full_clean()
    template.save()
    record_event(firm=firm, by=by, verb="contract_template.updated", obj=template, clause="7")
    return template


# -- drafting ---------------------------------------------------------------------


def _placeholder_values(engagement, contract, framework):
    fee = contract.fee
    return {
        "client_name": engagement.client.name,
        "firm_name": engagement.firm.name,
        "engagement_number": engagement.number,
        "engagement_title": engagement.title,
        "fee": f"{fee:,.2f}" if fee is not None else "{fee}",
        "fee_in_words": cny_in_words(fee) if fee is not None else "{fee_in_words}",
        "start_date": date_format(contract.start_date, "Y年n月j日") if contract.start_date
        else "{start_date}",
        "end_date": date_format(contract.end_date, "Y年n月j日") if contract.end_date
        else "{end_date}",
        "objectives": framework.objectives if framework else "{objectives}",
        "scope": framework.scope if framework else "{scope}",
        "approach": framework.approach if framework else "{approach}",
        "timetable": framework.timetable if framework else "{timetable}",
        "guidance_period_days": contract.guidance_period_days or "{guidance_period_days}",
        "follow_up_visits": contract.follow_up_visits or "{follow_up_visits}",
        "personnel": "、".join(u.full_name for u in engagement_team(engagement)),
        "complaint_acknowledge_limit": complaint_limit_text(
            contract.complaint_acknowledge_days, contract.complaint_working_days)
        if contract.complaint_acknowledge_days else "{complaint_acknowledge_limit}",
        "complaint_respond_limit": complaint_limit_text(
            contract.complaint_respond_days, contract.complaint_working_days)
        if contract.complaint_respond_days else "{complaint_respond_limit}",
    }


def engagement_team(engagement):
    return [engagement.lead_consultant, *engagement.consultants.order_by("full_name")]


def confirmed_framework(engagement):
    return ProjectFramework.objects.filter(confirmed_on__isnull=False).current_for(engagement)


@performed_by
@transaction.atomic
def contract_draft(*, engagement, by) -> Contract:
    """Version 1, drafted from the firm's template and the confirmed framework (6.4)."""
    if Contract.objects.filter(engagement=engagement).exists():
        raise ContractRefused(_("This engagement already has a contract; amend it instead."))
    if engagement.stage != Stage.CONTRACTING:
        raise ContractRefused(_("A contract is drafted in the contract stage (clause 7)."))
    framework = confirmed_framework(engagement)
    today = timezone.localdate()
    contract = Contract(
        firm_id=engagement.firm_id, engagement=engagement, version=1, created_by=by,
        number=f"HT-{engagement.number}",
        fee=framework.budget if framework else None,
        start_date=today, guidance_period_days=90, follow_up_visits=2,
        **draft_terms(engagement),  # 9.4: the firm's complaint time limits
    )
    template = contract_template_for(engagement.firm)
    # The parties, the engagement and the framework are written in now; the contract's own
    # terms (fee, dates, follow-up terms, personnel) stay placeholders, filled from the
    # current terms whenever the contract is shown or issued (clauses.filled_clauses), so
    # a term changed later cannot leave a clause saying the old one. The complaint limits
    # are kept on the contract as drafted (9.4) and written in with it.
    values = {k: v for k, v in _placeholder_values(engagement, contract, framework).items()
              if k not in TERM_PLACEHOLDERS}
    for key in CLAUSE_KEYS:
        setattr(contract, clause_field(key),
                fill_placeholders(getattr(template, clause_field(key)), values))
    contract.save()
    contract.personnel.set(engagement_team(engagement))
    _event(contract, by, "contract.drafted")
    return contract


@performed_by
@transaction.atomic
def contract_update(*, contract, by, personnel=None, deliverables=None, installments=None,
                    **fields) -> Contract:
    """Edit a draft: its clauses and terms, and optionally replace its deliverables and
    payment schedule (lists of dicts)."""
    contract = Contract.objects.select_for_update().get(pk=contract.pk)
    if contract.status != Contract.Status.DRAFT:
        raise FrozenRecord(_("An issued or signed contract is not edited; a change after "
                             "signing is an amendment."))
    for name, value in fields.items():
        setattr(contract, name, value)
    contract.full_clean()
    contract.save()
    if personnel is not None:
        for user in personnel:
            require_same_firm(contract.firm_id, user)
        contract.personnel.set(personnel)
    if deliverables is not None:
        _replace_parts(contract, Deliverable, deliverables)
    if installments is not None:
        _replace_parts(contract, PaymentInstallment, installments)
    _event(contract, by, "contract.updated")
    return contract


def placeholder(name: str) -> str:
    return "{" + name + "}"


def _replace_parts(contract, model, rows):
    model.objects.filter(contract=contract).delete()
    for order, row in enumerate(rows):
        part = model(firm_id=contract.firm_id, contract=contract, order=order, **row)
        part.full_clean(exclude=["contract"])
        part.save()


def issue_problems(contract) -> list[str]:
    """What keeps a draft from being issued, by name (clause 7): a clause empty or with a
    placeholder its terms do not fill, a term missing, and a contract that contradicts
    itself (a payment schedule that does not add up to the fee, a deliverable due outside
    the service period)."""
    problems = [_("The clause “%(name)s” is empty.") % {"name": name}
                for name in contract.empty_clauses()]
    filled = filled_clauses(contract)
    problems += [
        _("The clause “%(name)s” still has a placeholder to fill: %(placeholder)s")
        % {"name": name, "placeholder": placeholder(p)}
        for key, name in CLAUSES for p in PLACEHOLDERS
        if placeholder(p) in filled[key]
    ]
    if contract.fee is None:
        problems.append(_("The fee is missing."))
    if not contract.start_date or not contract.end_date:
        problems.append(_("The service period (start and end dates) is missing."))
    elif contract.end_date < contract.start_date:
        problems.append(_("The end date is before the start date."))
    if contract.pk is not None:
        problems += _contradictions(contract)
    return problems


def _yuan(amount) -> str:
    return f"{amount:,.2f}"


def _contradictions(contract) -> list[str]:
    """Clause 7: the contract does not contradict itself."""
    problems = []
    amounts = list(PaymentInstallment.objects.filter(contract=contract)
                   .values_list("amount", flat=True))
    if amounts and contract.fee is not None:
        total = sum(amounts)
        params = {"clause": CLAUSE_NAMES["payment"], "total": _yuan(total),
                  "fee": _yuan(contract.fee), "diff": _yuan(abs(total - contract.fee))}
        if total < contract.fee:
            problems.append(_(
                "Clause 7 (%(clause)s): the payment schedule adds up to %(total)s CNY, "
                "%(diff)s CNY less than the fee of %(fee)s CNY.") % params)
        elif total > contract.fee:
            problems.append(_(
                "Clause 7 (%(clause)s): the payment schedule adds up to %(total)s CNY, "
                "%(diff)s CNY more than the fee of %(fee)s CNY.") % params)
    if contract.start_date and contract.end_date:
        for deliverable in Deliverable.objects.filter(contract=contract).order_by("order", "pk"):
            if not contract.start_date <= deliverable.due_date <= contract.end_date:
                problems.append(_(
                    "Clause 7 (%(clause)s): the deliverable “%(title)s” is due on %(due)s, "
                    "outside the service period (%(start)s to %(end)s).") % {
                        "clause": CLAUSE_NAMES["period"], "title": deliverable.title,
                        "due": show_date(deliverable.due_date),
                        "start": show_date(contract.start_date),
                        "end": show_date(contract.end_date)})
    return problems


@performed_by
@transaction.atomic
def contract_issue(*, contract, by) -> Contract:
    """Issue the draft for signature: its content freezes and its PDF is rendered."""
    contract = Contract.objects.select_for_update().get(pk=contract.pk)
    if not can_proceed(contract.issue):
        raise ContractRefused(_("Only a draft can be issued."))
    problems = issue_problems(contract)
    if problems:
        raise ContractRefused(" ".join(problems))
    contract.issue()
    contract.issued_at = timezone.now()
    contract.issued_by = by
    contract.issued_pdf = pdf_request(owner=contract, kind="contract", by=by)
    contract.save()
    # Issued for the client's signature: shared with the client.
    _event(contract, by, "contract.issued", client_visible=True)
    return contract


@performed_by
@transaction.atomic
def contract_withdraw(*, contract, by) -> Contract:
    """Back to the draft for a correction before signing; the issued PDF is obsolete."""
    contract = Contract.objects.select_for_update().get(pk=contract.pk)
    if not can_proceed(contract.withdraw):
        raise ContractRefused(_("Only an issued, unsigned contract can be withdrawn."))
    contract.withdraw()
    contract.issued_at = None
    contract.issued_by = None
    contract.issued_pdf = None
    contract.save()
    _event(contract, by, "contract.withdrawn")
    return contract


@performed_by
@transaction.atomic
def contract_sign(*, contract, by, firm_signatory, firm_signed_on, client_signatory,
                  client_signed_on, signed_copy) -> Contract:
    """Record both sides' signatures and the signed copy; store both SHA-256 hashes."""
    contract = Contract.objects.select_for_update().get(pk=contract.pk)
    if not can_proceed(contract.sign):
        raise ContractRefused(_("Only an issued contract can be signed."))
    require_same_firm(contract.firm_id, firm_signatory)
    pdf = contract.issued_pdf
    if pdf is None or pdf.status != pdf.Status.READY:
        raise ContractRefused(_("The issued PDF is still being made; sign once it is ready."))
    errors = {}
    for field, day in (("firm_signed_on", firm_signed_on), ("client_signed_on", client_signed_on)):
        try:
            not_in_the_future(day)
        except ValidationError as exc:
            errors[field] = exc
    if not errors:
        # 7: signed once issued, and on or after the client confirmed the framework (6.4);
        # clause 8's records come after it (engagements.chronology)
        errors.update(chronology.problems(contract, values={
            "firm_signed_on": firm_signed_on, "client_signed_on": client_signed_on}))
    if not signed_copy:
        errors["signed_copy"] = _("Upload the signed copy.")
    if not client_signatory.strip():
        errors["client_signatory"] = _("Name the client's signatory.")
    if errors:
        raise ValidationError(errors)
    contract.sign()
    contract.firm_signatory = firm_signatory
    contract.firm_signed_on = firm_signed_on
    contract.client_signatory = client_signatory.strip()
    contract.client_signed_on = client_signed_on
    contract.signed_copy = signed_copy
    contract.signed_recorded_by = by
    contract.signed_recorded_at = timezone.now()
    contract.issued_pdf_sha256 = pdf.sha256
    contract.signed_copy_sha256 = sha256_of(signed_copy)
    contract.full_clean()
    contract.save()
    _event(contract, by, "contract.signed", client_visible=True)
    return contract


@performed_by
@transaction.atomic
def contract_amend(*, contract, by) -> Contract:
    """A change after signing: a new version, linked to the one it amends, in draft, to be
    issued and signed in its turn. The signed version and its hashes stay as they are."""
    contract = Contract.objects.select_for_update().get(pk=contract.pk)
    if contract.status != Contract.Status.SIGNED:
        raise ContractRefused(_("Only a signed contract is amended."))
    if Contract.objects.filter(amends=contract).exists():
        raise ContractRefused(_("This version already has an amendment."))
    amendment = Contract(
        firm_id=contract.firm_id, engagement=contract.engagement, created_by=by,
        version=contract.version + 1, amends=contract,
        number=f"{contract.number.split('-A')[0]}-A{contract.version}",
        **{f: getattr(contract, f) for f in Contract.CONTENT_FIELDS},
    )
    amendment.save()
    amendment.personnel.set(contract.personnel.all())
    for model in (Deliverable, PaymentInstallment):
        for part in model.objects.filter(contract=contract):
            part.pk = None
            part.id = None
            part._state.adding = True
            part.contract = amendment
            part.save()
    _event(amendment, by, "contract.amended")
    return amendment


@performed_by
@transaction.atomic
def contract_delete_draft(*, contract, by):
    if contract.status != Contract.Status.DRAFT:
        raise FrozenRecord(_("Only a draft contract can be deleted."))
    Deliverable.objects.filter(contract=contract).delete()
    PaymentInstallment.objects.filter(contract=contract).delete()
    contract.personnel.clear()
    _event(contract, by, "contract.draft_deleted")
    contract.delete()


# -- 8.5.1: the document system each service type requires --------------------------------

verbs.register_all({
    "document_system.saved": gettext_lazy("%(actor)s changed which document system a service "
                                          "type requires"),
    "document_system.deleted": gettext_lazy("%(actor)s changed which document system a "
                                            "service type requires"),
})


def document_systems_for(firm) -> dict:
    """``{service type's code: {category, …}}``: the firm's mapping (8.5.1; seeded when the
    firm was created: consultancy.tenancy.firm_lists)."""
    firm_id = getattr(firm, "pk", firm)
    systems = {}
    for code, category in DocumentSystemRequirement.objects.filter(
            firm_id=firm_id).values_list("service_type__code", "category"):
        systems.setdefault(code, set()).add(category)
    return systems


def missing_document_systems(contract) -> list[str]:
    """8.5.1: the document systems the engagement's service type requires that the
    contract's deliverables lack, by name."""
    required = set(DocumentSystemRequirement.objects.filter(
        firm_id=contract.firm_id, service_type_id=contract.engagement.service_type_id,
    ).values_list("category", flat=True))
    listed = set(Deliverable.objects.filter(contract=contract).values_list("category",
                                                                           flat=True))
    return [str(Deliverable.Category(c).label) for c in sorted(required - listed)]


def _check_manager(firm_id, by):
    require_same_firm(firm_id, by)
    if not by.is_manager:
        raise ValidationError(_("Only the firm's managers change this."))


@performed_by
@transaction.atomic
def document_system_save(*, firm, by, service_type, category, row=None
                         ) -> DocumentSystemRequirement:
    """A manager says which document system a service type requires (8.5.1)."""
    _check_manager(firm.pk, by)
    if row is not None:
        require_same_firm(firm.pk, row)
    row = row or DocumentSystemRequirement(firm=firm)
    service_type = service_type_of(firm, service_type)  # the firm's type, or its code
    row.service_type, row.category = service_type, category
    clash = DocumentSystemRequirement.objects.filter(firm=firm, service_type=service_type,
                                                     category=category)
    if row.pk:
        clash = clash.exclude(pk=row.pk)
    if clash.exists():
        raise ValidationError(_("This service type already requires this document system."))
    row.full_clean()
    row.save()
    record_event(firm=firm, by=by, verb="document_system.saved", obj=row, clause="8.5.1",
                 params={"service_type": service_type.name, "category": category})
    return row


@performed_by
@transaction.atomic
def document_system_delete(*, row, by):
    _check_manager(row.firm_id, by)
    record_event(firm=row.firm_id, by=by, verb="document_system.deleted", obj=row,
                 clause="8.5.1",
                 params={"service_type": row.service_type.name, "category": row.category})
    row.delete()
