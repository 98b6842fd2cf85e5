"""The requirements of evaluation and clause 9 (registered in ``FeedbackConfig.ready``):
the gates that leave ``evaluation`` and ``follow_up``. Each ``met_ids`` is one query for
any number of engagements (some finish in Python on the rows that one query read).

* ``E.acceptance``: the latest verdict recorded is *accepted* or *accepted with
  reservations*; *not accepted* keeps the engagement in evaluation until a later verdict.
* ``E.review``: an outcome review with a reviewer and a date, at least one objective row,
  and every row with a verdict (met / partly / not met) and evidence. The objectives are
  the reviewer's rows, suggested from the lines of the confirmed framework's objectives
  (``selectors.review_objectives_suggested``), which the contract's objectives clause
  quotes: the clause itself is prose around them and cannot be split reliably.
* ``9.1.guidance``: the hand-over day (the transition into evaluation) plus the
  ``guidance_period_days`` of the contract in force (its latest signed version) is today
  or earlier, and at least its ``guidance_sessions`` (empty: one) follow-up guidance
  records are dated within that period (guidance actually given, not only the calendar).
* ``9.2.visits``: at least the contracted number of follow-up visits, each saying whether
  the plan needs adjusting; and every plan version a visit opened for a site change (9.3)
  is approved, issued and confirmed by the client.
* ``9.4.complaints``: no complaint on the engagement is open (every one is closed; an
  escalated one is open until the outcome of the external resolution closes it).
* ``9.5.survey``: a satisfaction survey was mailed to at least one contact, or the firm's
  settings say the survey is not required.
"""


from django.db.models import (
    Count,
    DateField,
    Exists,
    F,
    Func,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
)
from django.db.models.functions import Coalesce, Greatest, TruncDate
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from contracts.models import Contract
from engagements.gates import Requirement, batched, engagement_ids, register
from engagements.models import Engagement, StageTransition
from engagements.stages import Stage

from .models import (
    ClientAcceptance,
    Complaint,
    FeedbackSettings,
    FollowUpGuidance,
    FollowUpVisit,
    ObjectiveReview,
    OutcomeReview,
    SurveyInvitation,
)


@batched
def acceptance_met(engagements):
    later = ClientAcceptance.objects.filter(engagement_id=OuterRef("engagement_id"),
                                            pk__gt=OuterRef("pk"))
    return (ClientAcceptance.objects.filter(engagement_id__in=engagement_ids(engagements))
        .filter(~Exists(later), verdict__in=ClientAcceptance.PASSING)
        .values_list("engagement_id", flat=True))


@batched
def review_met(engagements):
    rows = ObjectiveReview.objects.filter(review_id=OuterRef("pk"))
    incomplete = rows.filter(Q(evidence="") | Q(verdict="") | Q(objective=""))
    return (OutcomeReview.objects.filter(engagement_id__in=engagement_ids(engagements))
        .filter(Exists(rows), ~Exists(incomplete))
        .values_list("engagement_id", flat=True))


def _contract_in_force(field):
    return Contract.objects.filter(status=Contract.Status.SIGNED).current_value(field)


def _handed_over():
    """The moment of the hand-over (the transition to evaluation), per engagement row."""
    return Subquery(
        StageTransition.objects.filter(engagement_id=OuterRef("pk"), to_stage=Stage.EVALUATION)
        .order_by("-at").values("at")[:1]
    )


class AddDays(Func):
    """``date + days`` (an integer expression) in the database: PostgreSQL adds an integer
    to a date; SQLite's ``date()`` takes a modifier."""

    output_field = DateField()
    arg_joiner = " + "
    template = "(%(expressions)s)"

    def as_sqlite(self, compiler, connection, **extra):
        return self.as_sql(compiler, connection, arg_joiner=", '+' || ",
                           template="date(%(expressions)s || ' days')", **extra)


def _guidance_period(engagements):
    """The engagements with ``start`` (the hand-over's day, in the local time zone),
    ``ends`` (it plus the contract's ``guidance_period_days``) and ``sessions``."""
    return (Engagement.objects.filter(pk__in=engagement_ids(engagements))
            .annotate(start=TruncDate(_handed_over()),
                      days=_contract_in_force("guidance_period_days"),
                      sessions=_contract_in_force("guidance_sessions"))
            .annotate(ends=AddDays("start", "days"))
            .filter(start__isnull=False, days__isnull=False))


@batched
def guidance_end_dates(engagements):
    """``{pk: the day the contracted guidance period ends}`` (the hand-over day plus the
    contract's ``guidance_period_days``); unknown ones are left out."""
    return _guidance_period(engagements).values_list("pk", "ends")


@batched
def guidance_met(engagements):
    """9.1: the guidance period has ended, and at least the contracted number of guidance
    sessions (at least one) was given within it: that many follow-up guidance records
    dated from the hand-over to the period's end."""
    within = (FollowUpGuidance.objects.filter(
        engagement_id=OuterRef("pk"), given_on__gte=OuterRef("start"),
        given_on__lte=OuterRef("ends"))
        .order_by().values("engagement_id").annotate(n=Count("pk")).values("n")[:1])
    return (_guidance_period(engagements)
            .annotate(given=Coalesce(Subquery(within, output_field=IntegerField()), 0),
                      needed=Greatest(Coalesce("sessions", 1), 1))
            .filter(ends__lte=timezone.localdate(), given__gte=F("needed"))
            .values_list("pk", flat=True))


@batched
def visits_met(engagements):
    """9.2: the contracted number of follow-up visits done (each saying whether the plan
    needs adjusting), none waiting for its adjusted plan version to be confirmed."""
    said = (FollowUpVisit.objects.filter(engagement_id=OuterRef("pk"),
                                         plan_needs_adjusting__isnull=False)
            .order_by().values("engagement_id").annotate(n=Count("pk")).values("n")[:1])
    unconfirmed_version = FollowUpVisit.objects.filter(engagement_id=OuterRef("pk")).filter(
        Q(plan_version__isnull=False)
        & (Q(plan_version__approved_on__isnull=True) | Q(plan_version__issued_pdf__isnull=True)
           | Q(plan_version__confirmed_on__isnull=True)))
    return (Engagement.objects.filter(pk__in=engagement_ids(engagements))
            .annotate(contracted=_contract_in_force("follow_up_visits"),
                      done=Coalesce(Subquery(said, output_field=IntegerField()), 0))
            .filter(contracted__isnull=False, done__gte=F("contracted"))
            .filter(~Exists(unconfirmed_version))
            .values_list("pk", flat=True))


@batched
def complaints_met(engagements):
    open_complaint = Complaint.objects.filter(engagement_id=OuterRef("pk")).exclude(
        status=Complaint.Status.CLOSED)
    return (Engagement.objects.filter(pk__in=engagement_ids(engagements))
               .filter(~Exists(open_complaint)).values_list("pk", flat=True))


@batched
def survey_met(engagements):
    mailed = SurveyInvitation.objects.filter(survey__engagement_id=OuterRef("pk"),
                                             mailed_at__isnull=False)
    optional = FeedbackSettings.objects.filter(firm_id=OuterRef("firm_id"), survey_required=False)
    return (Engagement.objects.filter(pk__in=engagement_ids(engagements))
               .filter(Exists(mailed) | Exists(optional)).values_list("pk", flat=True))


def register_all():
    e, f = Stage.EVALUATION, Stage.FOLLOW_UP
    for req in [
        Requirement("E.acceptance", "", e,
                    _("The client's acceptance of the results (contact, date, verdict: "
                      "accepted, or accepted with reservations)"),
                    acceptance_met, "feedback:evaluation"),
        Requirement("E.review", "", e,
                    _("Our review of the outcome against each objective of the contract "
                      "(met, partly or not, with evidence)"),
                    review_met, "feedback:evaluation"),
        Requirement("9.1.guidance", "9.1", f,
                    _("The contracted period of further technical guidance has ended, and at "
                      "least the contracted number of guidance sessions (at least one) was "
                      "recorded within it"),
                    guidance_met, "feedback:follow_up", dates=guidance_end_dates),
        Requirement("9.2.visits", "9.2", f,
                    _("The contracted number of follow-up visits recorded, each saying whether "
                      "the plan needs adjusting; a plan version opened by a site change (9.3) "
                      "confirmed by the client"),
                    visits_met, "feedback:follow_up"),
        Requirement("9.4.complaints", "9.4", f,
                    _("No complaint on the engagement is still open"),
                    complaints_met, "feedback:complaints"),
        Requirement("9.5.survey", "9.5", f,
                    _("A satisfaction survey was sent to the client (unless the firm's settings "
                      "make it optional)"),
                    survey_met, "feedback:survey"),
    ]:
        register(req)
