"""The standard's order across an engagement (DESIGN.md, "Evidence": *In order*).

A dated record of an engagement is dated today or earlier (planned dates, due dates and
schedules are not records and are not checked here) and not before the day the engagement
was opened; and the records follow the order of the standard: 5 → 6.3/6.4 → 7 → 8 →
evaluation → 9.

Each rule is declared once, in :data:`RULES`: *this record's date may not come before
that earlier event*, with the clause it comes from. The earlier event is one of the
engagement's :data:`MILESTONES` (its opening, the completed needs assessment, the client's
confirmation of the framework, the signing of the contract, the hand-over), or an earlier
step of the same record (``"self.approved_on"``: the plan is issued on or after the team
approved it).

A service calls :func:`check` on the record it is about to save (``record_save`` does it
for every record it saves). Both directions are checked: a record dated before the event
it follows is refused; and a record that *sets* a milestone (the needs assessment, the
framework's confirmation, the contract's signature) is refused when it would be dated
after a record the standard puts after it. A refusal is a ``ValidationError`` on the date
field, naming the clause and the event, in the user's language.

The rules name later apps' models by label (``"delivery.SiteResearch"``): this module is
the one table of the order, and it imports none of them. The date of a milestone kept by
a later app (the contract's signing) is registered by that app
(:func:`register_milestone_date`, in its ``AppConfig.ready()``).
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass

from django.apps import apps
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db.models import Min
from django.utils import formats, timezone
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

# -- the events an engagement's records follow -----------------------------------------

OPENED = "opened"
ASSESSED = "assessed"
FRAMEWORK_CONFIRMED = "framework_confirmed"
SIGNED = "signed"
HANDED_OVER = "handed_over"


@dataclass(frozen=True)
class Milestone:
    key: str
    clause: str
    label: Promise
    # the record and its date field(s) that set it, for the check in the other direction
    record: str = ""
    fields: tuple = ()


MILESTONES = {m.key: m for m in [
    Milestone(OPENED, "4", _("the opening of the engagement"),
              "engagements.Engagement", ("opened_on",)),
    Milestone(ASSESSED, "5", _("the completed needs assessment of clause 5"),
              "engagements.NeedsAssessment", ("assessed_on",)),
    Milestone(FRAMEWORK_CONFIRMED, "6.4",
              _("the client's confirmation of the project framework under 6.4"),
              "engagements.ProjectFramework", ("confirmed_on",)),
    Milestone(SIGNED, "7", _("the signing of the contract under clause 7"),
              "contracts.Contract", ("firm_signed_on", "client_signed_on")),
    Milestone(HANDED_OVER, "8.5", _("the hand-over of the results")),
]}


@dataclass(frozen=True)
class Rule:
    record: str  # "app_label.ModelName"
    field: str  # its date (or date-time) field; an unsaved "recorded at" counts as today
    after: str  # a milestone key, or "self.<field>": an earlier step of the same record
    clause: str  # "6.3", or "E" for the evaluation (no clause of its own)
    label: Promise  # what is dated, as the messages name it


RULES = [
    # clause 5: the assessment, from what is known of the client
    Rule("engagements.NeedsAssessment", "assessed_on", OPENED, "5", _("the needs assessment")),
    # clause 6: the visit and the communication gather what the assessment is based on;
    # the exchange and the confirmation come after it ("评估应在服务方与用户沟通确认之前进行")
    Rule("engagements.SiteVisit", "visited_on", OPENED, "6.1", _("the site visit")),
    Rule("engagements.CommunicationRecord", "held_on", OPENED, "6.2",
         _("the communication with the client")),
    Rule("engagements.ExchangeRecord", "held_on", ASSESSED, "6.3", _("the exchange of views")),
    Rule("engagements.ProjectFramework", "confirmed_on", ASSESSED, "6.4",
         _("the client's confirmation of the framework")),
    # clause 7: signed once the framework is confirmed, and once issued
    Rule("contracts.Contract", "firm_signed_on", FRAMEWORK_CONFIRMED, "7",
         _("our signature of the contract")),
    Rule("contracts.Contract", "client_signed_on", FRAMEWORK_CONFIRMED, "7",
         _("the client's signature of the contract")),
    Rule("contracts.Contract", "firm_signed_on", "self.issued_at", "7",
         _("our signature of the contract")),
    Rule("contracts.Contract", "client_signed_on", "self.issued_at", "7",
         _("the client's signature of the contract")),
    # clause 8: the service, under the signed contract
    Rule("delivery.SiteResearch", "researched_on", SIGNED, "8.1.1", _("the site research")),
    Rule("delivery.ResourceResearch", "researched_on", SIGNED, "8.1.2",
         _("the resource research")),
    Rule("delivery.TeamMember", "created_at", SIGNED, "8.2.1", _("the working group")),
    Rule("delivery.ConsultingPlan", "created_at", SIGNED, "8.3.1", _("the draft of the plan")),
    Rule("delivery.ConsultingPlan", "approved_on", "self.created_at", "8.3.1",
         _("the team's approval of the plan")),
    Rule("delivery.ConsultingPlan", "issued_at", "self.approved_on", "8.3.1",
         _("the plan's issue in writing")),
    Rule("delivery.ConsultingPlan", "confirmed_on", "self.issued_at", "8.3.1",
         _("the client's confirmation of the plan")),
    Rule("delivery.RiskItem", "identified_on", SIGNED, "8.4", _("the risk identification")),
    Rule("delivery.GuidanceLog", "given_on", SIGNED, "8.4", _("the technical guidance")),
    Rule("delivery.ProgressReport", "period_end", SIGNED, "8.4", _("the progress report")),
    Rule("delivery.ProgressReport", "period_end", "self.period_start", "8.4",
         _("the end of the reported period")),
    Rule("delivery.DocumentDelivery", "delivered_on", SIGNED, "8.5.2",
         _("the delivery of the documents")),
    Rule("delivery.DocumentDelivery", "acknowledged_on", "self.delivered_on", "8.5.2",
         _("the client's acknowledgement of the documents")),
    # evaluation and clause 9: after the hand-over
    Rule("feedback.ClientAcceptance", "accepted_on", HANDED_OVER, "E",
         _("the client's verdict on the results")),
    Rule("feedback.OutcomeReview", "reviewed_on", HANDED_OVER, "E",
         _("the review of the outcome")),
    Rule("feedback.FollowUpGuidance", "given_on", HANDED_OVER, "9.1",
         _("the follow-up guidance")),
    Rule("feedback.FollowUpVisit", "visited_on", HANDED_OVER, "9.2", _("the follow-up visit")),
    # 9.4: a complaint may concern any stage, but not a time before the engagement
    Rule("feedback.Complaint", "received_on", OPENED, "9.4", _("the complaint")),
]

# The steps of a record that only serve as the earlier event of another step.
STEP_LABELS = {
    ("contracts.Contract", "issued_at"): _("the contract's issue for signature"),
    ("delivery.ProgressReport", "period_start"): _("the start of the reported period"),
}


def rules_for(label: str) -> list[Rule]:
    return [rule for rule in RULES if rule.record == label]


def rules_after(milestone: str) -> list[Rule]:
    return [rule for rule in RULES if rule.after == milestone]


# -- the dates of the milestones ---------------------------------------------------------

_DATE_OF: dict[str, Callable] = {}


def register_milestone_date(key: str, date_of: Callable) -> None:
    """A later app tells when an engagement reached ``key`` (``date_of(engagement)`` →
    a date or ``None``)."""
    if key not in MILESTONES:
        raise ValueError(f"Unknown milestone {key!r}.")
    _DATE_OF[key] = date_of


def _opened(engagement):
    return engagement.opened_on


def _assessed(engagement):
    from .models import NeedsAssessment

    return (NeedsAssessment.objects.filter(engagement_id=engagement.pk)
            .filter(NeedsAssessment.complete_q()).values_list("assessed_on", flat=True).first())


def _framework_confirmed(engagement):
    from .models import ProjectFramework

    return (ProjectFramework.objects.filter(engagement_id=engagement.pk,
                                            confirmed_on__isnull=False)
            .order_by("-version").values_list("confirmed_on", flat=True).first())


def _handed_over(engagement):
    from .models import StageTransition
    from .stages import Stage

    at = (StageTransition.objects.filter(engagement_id=engagement.pk, to_stage=Stage.EVALUATION)
          .order_by("-at").values_list("at", flat=True).first())
    return timezone.localdate(at) if at is not None else None


_DATE_OF.update({OPENED: _opened, ASSESSED: _assessed,
                 FRAMEWORK_CONFIRMED: _framework_confirmed, HANDED_OVER: _handed_over})


def milestone_date(engagement, key):
    date_of = _DATE_OF.get(key)
    return date_of(engagement) if date_of else None


# -- the check ---------------------------------------------------------------------------


def as_day(value):
    """A date, or the local day of a date-time; ``None`` stays ``None``."""
    if isinstance(value, datetime.datetime):
        return timezone.localdate(value) if timezone.is_aware(value) else value.date()
    return value


def where(clause) -> str:
    """“Clause 6.3” / “第 6.3 条款”, or “Evaluation” for the stage without a clause."""
    if clause == "E":
        return gettext("Evaluation")
    return gettext("Clause %(clause)s") % {"clause": clause}


def show(day) -> str:
    return formats.date_format(day, "DATE_FORMAT")


def _label_of(record_label, field):
    for rule in RULES:
        if rule.record == record_label and rule.field == field:
            return rule.label
    return STEP_LABELS.get((record_label, field), field)


def _is_recorded_at(model, field):
    model_field = model._meta.get_field(field)
    return getattr(model_field, "auto_now_add", False)


def _value(record, field, values):
    if field in values:
        return as_day(values[field])
    value = as_day(getattr(record, field, None))
    if value is None and _is_recorded_at(type(record), field):
        return timezone.localdate()  # not saved yet: it is recorded today
    return value


def _engagement_of(record):
    from .models import Engagement

    if isinstance(record, Engagement):
        return record
    if getattr(record, "engagement_id", None) is None:
        return None
    return record.engagement


def problems(record, values=None) -> dict:
    """``{field: [message, …]}``: what is out of order in ``record`` (with ``values``
    overriding its attributes, for a service that checks before it sets them)."""
    values = values or {}
    label = record._meta.label
    engagement = _engagement_of(record)
    if engagement is None:
        return {}
    found: dict = {}
    milestones: dict = {}

    def refuse(field, message):
        key = NON_FIELD_ERRORS if _is_recorded_at(type(record), field) else field
        found.setdefault(key, []).append(message)

    def milestone(key):
        if key not in milestones:
            milestones[key] = milestone_date(engagement, key)
        return milestones[key]

    today = timezone.localdate()
    future_checked = set()
    for rule in rules_for(label):
        day = _value(record, rule.field, values)
        if day is None:
            continue
        params = {"where": where(rule.clause), "what": rule.label}
        if day > today and rule.field not in future_checked:
            future_checked.add(rule.field)
            refuse(rule.field, gettext("%(where)s: %(what)s cannot be dated in the future.")
                   % params)
            continue
        if rule.after.startswith("self."):
            step = rule.after[len("self."):]
            earlier = _value(record, step, values)
            event = _label_of(label, step)
            if earlier is None:
                continue  # the step before is checked by its own service
        else:
            earlier = milestone(rule.after)
            event = MILESTONES[rule.after].label
            if earlier is None:
                refuse(rule.field, gettext(
                    "%(where)s: %(what)s comes after %(event)s, which is not recorded yet.")
                    % {**params, "event": event})
                continue
        if day < earlier:
            refuse(rule.field, gettext(
                "%(where)s: %(what)s cannot be dated before %(event)s (%(date)s).")
                % {**params, "event": event, "date": show(earlier)})
    # The other direction: a record that sets a milestone, dated after a record the
    # standard puts after that milestone.
    for key, ms in MILESTONES.items():
        if ms.record != label or not sets_milestone(record, key):
            continue
        dated = [(d, f) for f in ms.fields if (d := _value(record, f, values)) is not None]
        if not dated:
            continue
        day, field = max(dated)
        for later in successors_before(engagement, key, day):
            rule, earliest = later
            refuse(field, gettext(
                "%(where)s: %(what)s cannot be dated after %(later)s (%(date)s), which the "
                "standard puts after it.") % {
                    "where": where(ms.clause), "what": ms.label, "later": rule.label,
                    "date": show(earliest)})
    return found


def sets_milestone(record, key) -> bool:
    """Whether ``record`` is the one whose date is the milestone ``key``: a contract's
    amendment does not move the signing of the contract."""
    if key == SIGNED:
        return getattr(record, "amends_id", None) is None
    return True


def successors_before(engagement, key, day) -> list:
    """``[(rule, earliest date)]``: the records that follow milestone ``key`` and are
    dated before ``day`` (one query per kind of record)."""
    out, seen = [], set()
    # Every record follows the opening; the other milestones, the records declared after them.
    rules = [r for r in RULES if not r.after.startswith("self.")] if key == OPENED else (
        rules_after(key))
    for rule in rules:
        if (rule.record, rule.field) in seen:
            continue
        seen.add((rule.record, rule.field))
        model = apps.get_model(rule.record)
        earliest = as_day(model.objects.filter(engagement_id=engagement.pk)
                          .aggregate(first=Min(rule.field))["first"])
        if earliest is not None and earliest < day:
            out.append((rule, earliest))
    return out


def check(record, values=None) -> None:
    """Refuse (``ValidationError`` on the date fields) a record out of the standard's
    order; see the module's docstring."""
    found = problems(record, values)
    if found:
        raise ValidationError(found)


def order_table() -> list[dict]:
    """The rules as a table (for the documentation and the tests)."""
    rows = []
    for rule in RULES:
        if rule.after.startswith("self."):
            event = _label_of(rule.record, rule.after[len("self."):])
        else:
            event = MILESTONES[rule.after].label
        rows.append({"record": rule.record, "field": rule.field, "clause": rule.clause,
                     "what": rule.label, "after": event})
    return rows
