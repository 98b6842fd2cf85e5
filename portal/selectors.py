"""What a client contact may read in the portal, and what awaits them.

Everything here starts from the contact (``contact_for(user)``): their company's
engagements with the firm (``engagements_for``), and within one of them only what the
standard hands to the client. Nothing internal is ever read here: no needs assessment
(clause 5), no internal notes, no drafts (unissued contracts and plans, unshared progress
reports, documents not delivered).

Every function reads a fixed number of queries, whatever the number of rows.
"""

from dataclasses import dataclass, field

from django.db.models import Exists, OuterRef, Prefetch, QuerySet, Subquery
from django.http import Http404
from django.utils import timezone

from consultancy.clients.models import ClientContact
from contracts.models import Contract
from delivery.models import ConsultingPlan, DocumentDelivery, PlanMilestone, ProgressReport
from engagements.models import Engagement, ProjectFramework, StageTransition
from engagements.stages import Stage
from feedback.models import ClientAcceptance, Complaint, SurveyInvitation


def contact_for(user):
    """The active client contact behind a portal login, else 404."""
    if not user.is_authenticated or not user.is_client_contact or user.firm_id is None:
        raise Http404
    # with its company and firm, which the portal's pages name (one query, not three)
    contact = (ClientContact.objects.select_related("client", "firm")
               .filter(user_id=user.pk).first())
    if contact is None or not contact.is_active or contact.firm_id != user.firm_id:
        raise Http404
    user.firm = contact.firm  # the same row: not read again by the page's header
    return contact


def engagements_for(contact) -> QuerySet[Engagement]:
    """The contact's company's engagements with the firm, once the firm has taken them
    past its own needs analysis (clause 5 is internal: an engagement still in it, or
    declined in it, is not shown)."""
    past_needs = StageTransition.objects.filter(engagement_id=OuterRef("pk"),
                                                transition="confirm_needs")
    return (Engagement.objects.filter(firm_id=contact.firm_id, client_id=contact.client_id)
            .filter(Exists(past_needs)))


def engagement_for(contact, pk) -> Engagement:
    engagement = (engagements_for(contact).select_related("client", "lead_consultant", "firm")
                  .filter(pk=pk).first())
    if engagement is None:
        raise Http404
    return engagement


# -- what awaits the client -------------------------------------------------------------


@dataclass
class Awaiting:
    """What awaits the client on one engagement (each a list, empty when nothing)."""

    framework: object = None        # 6.4: the framework version to confirm
    plan: object = None             # 8.3.1: the plan version to confirm
    deliveries: list = field(default_factory=list)  # 8.5.2: deliveries to acknowledge
    acceptance: bool = False        # evaluation: the verdict on the results
    latest_acceptance: object = None  # evaluation: the verdict recorded last, if any
    surveys: list = field(default_factory=list)     # 9.5: this contact's open invitations

    def __bool__(self):
        return bool(self.framework or self.plan or self.deliveries or self.acceptance
                    or self.surveys)

    @property
    def count(self):
        return (int(self.framework is not None) + int(self.plan is not None)
                + len(self.deliveries) + int(self.acceptance) + len(self.surveys))


def awaiting_for(contact, engagements) -> dict:
    """``{engagement.pk: Awaiting}`` for a list of the contact's engagements: five queries,
    whatever their number."""
    engagements = list(engagements)
    result = {e.pk: Awaiting() for e in engagements}
    by_stage = {e.pk: e.stage for e in engagements}
    ids = list(result)
    if not ids:
        return result
    # 6.4: the latest framework version, unconfirmed, while in communication.
    in_communication = [pk for pk in ids if by_stage[pk] == Stage.COMMUNICATION]
    if in_communication:
        for fw in ProjectFramework.objects.filter(engagement_id__in=in_communication).newest():
            if not fw.is_confirmed:
                result[fw.engagement_id].framework = fw
    # 8.3.1: the current plan version, submitted in writing (its PDF ready), not confirmed.
    for plan in (ConsultingPlan.objects.filter(engagement_id__in=ids).newest()
                 .select_related("issued_pdf")
                 .only("pk", "engagement_id", "version", "issued_pdf_id", "confirmed_on",
                       "confirmed_by_id", "after_delivery", "approved_on", "approved_by_id",
                       "issued_pdf__status")):
        pk = plan.engagement_id
        # a version opened after delivery (9.3) is confirmed until the engagement closes
        open_stages = ((Stage.EVALUATION, Stage.FOLLOW_UP) if plan.after_delivery
                       else (Stage.DELIVERY,))
        if plan.is_submitted and not plan.is_confirmed and by_stage[pk] in open_stages:
            result[pk].plan = plan
    # 8.5.2: deliveries not acknowledged, while the service stage is open.
    in_delivery = [pk for pk in ids if by_stage[pk] == Stage.DELIVERY]
    if in_delivery:
        for d in (DocumentDelivery.objects.filter(engagement_id__in=in_delivery,
                                                  acknowledged_on__isnull=True)
                  .select_related("version__document").order_by("delivered_on", "pk")):
            result[d.engagement_id].deliveries.append(d)
    # evaluation: no passing verdict yet.
    in_evaluation = [pk for pk in ids if by_stage[pk] == Stage.EVALUATION]
    if in_evaluation:
        for verdict in (ClientAcceptance.objects.filter(engagement_id__in=in_evaluation)
                        .select_related("contact").order_by("engagement_id", "pk")):
            result[verdict.engagement_id].latest_acceptance = verdict  # the last one counts
        for pk in in_evaluation:
            latest = result[pk].latest_acceptance
            if latest is None or latest.verdict not in ClientAcceptance.PASSING:
                result[pk].acceptance = True
    # 9.5: this contact's survey links still open.
    for invitation in open_invitations(contact).filter(survey__engagement_id__in=ids):
        result[invitation.survey.engagement_id].surveys.append(invitation)
    return result


def open_invitations(contact) -> QuerySet[SurveyInvitation]:
    return (SurveyInvitation.objects.filter(firm_id=contact.firm_id, contact=contact,
                                            used_at__isnull=True,
                                            expires_at__gt=timezone.now())
            .select_related("survey").order_by("pk"))


def latest_progress(engagement_ids) -> dict:
    """``{engagement_id: the latest progress report shared with the client}``: one row per
    engagement, however many reports each has."""
    shared = ProgressReport.objects.filter(shared_at__isnull=False)
    latest = shared.filter(engagement_id=OuterRef("engagement_id")).order_by(
        "-period_end", "-pk").values("pk")[:1]
    return {report.engagement_id: report for report in
            shared.filter(engagement_id__in=list(engagement_ids), pk=Subquery(latest))}


# -- one engagement ----------------------------------------------------------------------


def frameworks_shown(engagement) -> list:
    """6.4: the confirmed framework versions, and the version awaiting confirmation while
    the engagement is in communication (a draft is the firm's until then)."""
    versions = list(ProjectFramework.objects.filter(engagement=engagement)
                    .select_related("confirmed_by").order_by("-version"))
    shown = [fw for fw in versions if fw.is_confirmed]
    if versions and not versions[0].is_confirmed and engagement.stage == Stage.COMMUNICATION:
        shown.insert(0, versions[0])
    return shown


def contracts_shown(engagement) -> list:
    """Clause 7: the contract and its amendments as issued or signed (no draft)."""
    return list(Contract.objects.filter(engagement=engagement)
                .exclude(status=Contract.Status.DRAFT)
                .select_related("issued_pdf")
                .prefetch_related("deliverables")
                .order_by("version"))


def plans_shown(engagement) -> list:
    """8.3: the plan versions issued to the client in writing, newest first, each with its
    milestones (``milestone_list``); ``is_current`` marks the engagement's current one."""
    later = ConsultingPlan.objects.filter(engagement_id=OuterRef("engagement_id"),
                                          version__gt=OuterRef("version"))
    plans = list(ConsultingPlan.objects.filter(engagement=engagement, issued_pdf__isnull=False)
                 .annotate(superseded=Exists(later))
                 .select_related("issued_pdf", "confirmed_by")
                 .prefetch_related(Prefetch("milestones",
                                            queryset=PlanMilestone.objects.order_by("due_date",
                                                                                    "pk"),
                                            to_attr="milestone_list"))
                 .order_by("-version"))
    for plan in plans:  # the current version: no later one, issued or not
        plan.is_current = not plan.superseded
    return plans


def progress_shown(engagement) -> QuerySet[ProgressReport]:
    """8.4: the progress reports shared with the client, newest first."""
    return (ProgressReport.objects.filter(engagement=engagement, shared_at__isnull=False)
            .order_by("-period_end", "-pk"))


def deliveries_shown(engagement) -> QuerySet[DocumentDelivery]:
    """8.5.2: the document versions delivered to the client (only those)."""
    return (DocumentDelivery.objects.filter(engagement=engagement)
            .select_related("version__document", "acknowledged_by")
            .order_by("-delivered_on", "-pk"))


def complaints_of(contact) -> QuerySet[Complaint]:
    """9.4: the complaints of the contact's company (filed by any of its contacts, or about
    one of its engagements)."""
    from django.db.models import Q

    return (Complaint.objects.filter(firm_id=contact.firm_id)
            .filter(Q(contact__client_id=contact.client_id)
                    | Q(engagement__client_id=contact.client_id))
            .select_related("engagement", "contact")
            .order_by("-received_on", "-pk"))
