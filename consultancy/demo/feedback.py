"""The demo of evaluation and clause 9 (data/feedback.yaml; runs after :mod:`.delivery`).

Per firm:

``follow_up``  a new engagement (a second phase of the firm's ``evaluation`` engagement,
               same client and contacts), delivered and handed over, accepted by the
               client, reviewed against its objectives and moved to ``follow_up``; one
               guidance record, the survey sent; no visit yet, so the first contracted
               visit comes due (the reminders job reminds of it).
``closed``     another such engagement taken all the way: guidance, every contracted
               visit (each saying the plan needs no adjusting), the survey sent, a
               complaint handled to closed, then ``close``.

The complaints register of each firm holds complaints in several states: received
(a general one, overdue), acknowledged, investigated (with open corrective actions),
responded (awaiting the complainant's reply in the portal), closed and escalated, and a
year of closed ones (causes, corrective and preventive actions done and verified, the
complainants' replies and ratings, two handled late) for the complaint analysis. Every
step has its date (after the receipt, in order, never after today).
At the end the daily reminders job runs for today (its e-mails go to the demo's dummy
backend), so the home page shows reminders.

Time is compressed (contracts are signed today): the hand-over of ``closed`` is dated
back past the contracted guidance period, and that of ``follow_up`` 40 days back, so that
9.1 is met for the one and a visit is coming due for the other. This is the one write
that is not a service call: it moves the ``StageTransition`` row of the hand-over, as the
tests' ``end_guidance_period`` does.

Idempotent: engagements are keyed by (firm, title), complaints by (firm, complainant),
and each step runs only when its record does not exist yet; the reminders job never
writes a reminder twice.
"""

import copy
import datetime

from django.utils import timezone

from engagements import services as engagement_services
from engagements.models import StageTransition
from engagements.stages import Stage
from feedback import services, tasks
from feedback.models import (
    ClientAcceptance,
    Complaint,
    ComplaintReply,
    FollowUpGuidance,
    FollowUpVisit,
    OutcomeReview,
    SurveyInvitation,
)
from feedback.selectors import (
    current_contract,
    follow_up_summary,
    review_objectives_suggested,
)

from .common import contact, data, deliver, hand_over, signed_engagement

CONTENT = data("feedback")
# Each firm's two new engagements, by name: (title, the sentence added to the description).
PHASES = {key: {name: (phase["title"], phase["scope"]) for name, phase in phases.items()}
          for key, phases in CONTENT["phases"].items()}


def _phase_spec(key, name):
    """The ``evaluation`` engagement of the delivery demo, as a new phase."""
    new = copy.deepcopy(data("delivery")["new"][key]["evaluation"])
    title, scope = PHASES[key][name]
    new["spec"]["title"] = title
    new["spec"]["description"] = f"{new['spec']['description']}{scope}"
    return new


def _handed_over(key, name, firm_data, today, back_days):
    new = _phase_spec(key, name)
    engagement = signed_engagement(
        new["spec"], firm=firm_data["firm"], people=firm_data["people"],
        clients=firm_data["clients"], terms=new["terms"],
        client_signatory=new["client_signatory"], today=today,
    )
    deliver(engagement, new["work"], firm_data["people"], today, complete=True)
    if engagement.stage == Stage.DELIVERY:
        hand_over(engagement)
        contract = current_contract(engagement)
        days = back_days if back_days is not None else (contract.guidance_period_days or 0) + 7
        StageTransition.objects.filter(engagement=engagement, to_stage=Stage.EVALUATION).update(
            at=timezone.now() - datetime.timedelta(days=days))
    return engagement


def _evaluate(engagement, today):
    if engagement.stage != Stage.EVALUATION:
        return
    lead = engagement.lead_consultant
    review = CONTENT["review"]
    if not ClientAcceptance.objects.filter(engagement=engagement).exists():
        services.acceptance_record(engagement=engagement, by=lead, contact=contact(engagement),
                                   accepted_on=today, verdict="accepted")
    if not OutcomeReview.objects.filter(engagement=engagement).exists():
        objectives = review_objectives_suggested(engagement) or [engagement.title]
        services.review_save(
            engagement=engagement, by=lead, reviewer=lead, reviewed_on=today,
            conclusion=review["conclusion"],
            objectives=[{"objective": o, "verdict": "met", "evidence": review["evidence"]}
                        for o in objectives])
    engagement_services.engagement_accept(engagement=engagement, by=lead,
                                          note=CONTENT["notes"]["accept"])


def _follow_up(engagement, today, *, guidance, visits):
    if engagement.stage != Stage.FOLLOW_UP:
        return
    lead = engagement.lead_consultant
    done = FollowUpGuidance.objects.filter(engagement=engagement).count()
    # 9.1: guidance given within the guidance period (spread over it, never after today)
    summary = follow_up_summary(engagement)
    start = summary.handed_over_on or today
    last = min(summary.guidance_ends_on or today, today)
    rows = CONTENT["guidance"][:guidance]
    for n, row in enumerate(rows[done:], start=done + 1):
        given_on = min(start + (last - start) * n / len(rows), last)
        services.follow_up_guidance_save(engagement=engagement, by=lead, given_on=given_on,
                                         given_by=lead, topic=row["topic"],
                                         advice=row["advice"], channel=row["channel"])
    contract = current_contract(engagement)
    wanted = (contract.follow_up_visits or 0) if visits == "all" else visits
    for _ in range(FollowUpVisit.objects.filter(engagement=engagement).count(), wanted):
        services.follow_up_visit_save(
            engagement=engagement, by=lead, visited_on=today,
            visitors=[lead, *engagement.consultants.all()], discussed=CONTENT["visit"],
            plan_needs_adjusting=False, client_participants=contact(engagement).name)
    if not SurveyInvitation.objects.filter(survey__engagement=engagement).exists():
        survey = services.survey_send(engagement=engagement, by=lead)
        # The e-mails go out on commit; the demo commits once at its end, so they are sent
        # now (the task skips a link already mailed).
        for invitation in survey.invitations.all():
            tasks.mail_survey_invitation(engagement.firm_id, invitation.pk)


DATE_ARGS = {"acknowledge": "acknowledged_on", "assess": "assessed_on",
             "investigate": "investigated_on", "respond": "responded_on",
             "escalate": "escalated_on", "close": "closed_on"}


def _step_dates(row, received_on, today):
    """Each step's date: ``step_days`` after the receipt (``late_days`` for a step handled
    late, ``days`` to say otherwise), never before the step before it, never after today."""
    dates, previous = {}, received_on
    for step in row["steps"]:
        offset = row.get("days", {}).get(step)
        if offset is None:
            offset = (CONTENT["late_days"][step] if step in row.get("late", [])
                      else CONTENT["step_days"][step])
        day = min(max(received_on + datetime.timedelta(days=offset), previous), today)
        dates[step], previous = day, day
    return dates


def _actions(complaint, row, people, received_on, today):
    lead = complaint.engagement.lead_consultant if complaint.engagement else people["manager"]
    owners = {"lead": lead, "manager": people["manager"]}
    for spec in row.get("actions", []):
        owner = owners[spec.get("owner", "lead")]
        action = services.complaint_action_add(
            complaint=complaint, by=owner, kind=spec["kind"], description=spec["description"],
            owner=owner, due_on=received_on + datetime.timedelta(days=spec["due"]))
        if "done" in spec:
            done_on = min(received_on + datetime.timedelta(days=spec["done"]), today)
            services.complaint_action_done(action=action, by=owner, done_on=done_on,
                                           done_note=CONTENT["action_done"])
            if "verified" in spec:
                verifier = people["manager"] if owner != people["manager"] else lead
                if verifier == owner:
                    verifier = next(p for p in people.values() if getattr(p, "is_firm_staff", False)
                                    and p != owner)
                services.complaint_action_verify(
                    action=action, by=verifier, verification=CONTENT["action_verified"],
                    verified_on=min(max(received_on + datetime.timedelta(days=spec["verified"]),
                                        done_on), today))


def _reply(complaint, row, reply_day):
    """The complainant's reply to the answer in the portal (their act). Imported history:
    the reply of a complaint answered long ago is dated back to the day of the answer
    (the one write that is not a service call)."""
    spec, person = row.get("reply"), complaint.contact
    if not spec or person is None or person.user_id is None:
        return False
    reply = services.complaint_reply(complaint=complaint, by=person.user,
                                     accepts=spec["accepts"], handling_rating=spec["rating"],
                                     comment=spec.get("comment", ""))
    tz = timezone.get_current_timezone()
    at = datetime.datetime.combine(reply_day, datetime.time(16, 0), tzinfo=tz)
    if at < reply.at:
        ComplaintReply.objects.filter(pk=reply.pk).update(at=at)
    return True


def _complaints(firm_data, engagements, today):
    firm, people = firm_data["firm"], firm_data["people"]
    manager = people["manager"]
    causes = {c.name: c for c in services.causes_for(firm)}
    for row in CONTENT["complaints"]:
        on, description = row["engagement"], row["description"]
        engagement = engagements.get(on) if on else None
        if on and engagement is None:
            continue
        person = contact(engagement) if engagement is not None else None
        name = row["complainant"].format(contact=person.name if person else "")
        if Complaint.objects.filter(firm=firm, complainant_name=name,
                                    description=description).exists():
            continue
        received_on = today - datetime.timedelta(days=row["days_ago"])
        if engagement is not None and received_on < engagement.opened_on:
            # The past year's complaints (for the analysis) came from the client of that
            # engagement before it was opened: the client's, about earlier work, not the
            # engagement's (no record of an engagement predates its opening).
            engagement = None
        complaint = services.complaint_receive(
            firm=firm, by=manager, received_on=received_on,
            channel=row["channel"], complainant_name=name, description=description,
            remedy_sought=row["remedy_sought"], safety_related=row["safety_related"],
            contact=person, engagement=engagement,
            complainant_contact=person.phone if person is not None else "")
        by = engagement.lead_consultant if engagement is not None else manager
        dates = _step_dates(row, received_on, today)
        for step in row["steps"]:
            kwargs = dict(CONTENT["step_text"][step])
            kwargs[DATE_ARGS[step]] = dates[step]
            if step == "assess":
                kwargs["cause"] = causes[row.get("cause", "服务质量")]
                kwargs["severity"] = row.get("severity", kwargs["severity"])
                kwargs["safety_related"] = row["safety_related"]
            if step == "respond":
                _actions(complaint, row, people, received_on, today)
            if step == "close":
                if row.get("no_action"):
                    services.complaint_no_action(complaint=complaint, by=manager,
                                                 reason=row["no_action"])
                if _reply(complaint, row, dates["respond"]):
                    kwargs["complainant_acceptance"] = ""  # their reply in the portal
            getattr(services, f"complaint_{step}")(complaint=complaint, by=by, **kwargs)
        if "respond" not in row["steps"]:
            _actions(complaint, row, people, received_on, today)


def load(ctx):
    today = timezone.localdate()
    for key in PHASES:
        firm_data = ctx.data["firms"][key]
        engagements = firm_data["engagements"]

        follow_up = _handed_over(key, "follow_up", firm_data, today, back_days=40)
        _evaluate(follow_up, today)
        _follow_up(follow_up, today, guidance=1, visits=0)
        engagements["follow_up"] = follow_up

        closed = _handed_over(key, "closed", firm_data, today, back_days=None)
        _evaluate(closed, today)
        _follow_up(closed, today, guidance=2, visits="all")
        engagements["closed"] = closed

        _complaints(firm_data, engagements, today)
        if closed.stage == Stage.FOLLOW_UP:
            engagement_services.engagement_close(engagement=closed, by=closed.lead_consultant,
                                                 note=CONTENT["notes"]["close"])

        tasks.send_daily_reminders(firm_data["firm"].pk, today.isoformat())
