"""The history a firm brings with it (9.5): an engagement closed before the firm used this
product, with the satisfaction survey its client answered, so that the statistics archive
covers the years before. Both the demo (``consultancy.demo.history``) and the Excel import
(``consultancy.imports``) write it through :func:`history_engagement_import`.

This is imported history, not a walk through the process: the engagement is created at
its end (``closed``) without the records of clauses 5–9 and without the gates, exactly as
the firm's own files say it ended; the survey's invitations carry no token (there is no
link to answer again). The act is logged as ``engagement.imported`` (clause 9.5) by the
user who imported it or a named system actor (the demo, a task).
"""

import datetime
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from consultancy.activity.services import performed_by, record_event
from consultancy.tenancy.scoping import require_same_firm
from engagements.models import Engagement
from engagements.services import service_type_of
from engagements.stages import Stage

from .models import Survey, SurveyAnswer, SurveyInvitation, SurveyQuestion, SurveyResponse
from .services import question_set_for

ANSWER_LINK_DAYS = 30


@dataclass
class HistoricalResponse:
    """One contact's survey on a historical engagement: ``answered_at`` None when they
    never answered; ``answers`` maps a question (or its code) to a score or a text."""

    contact: object
    answered_at: datetime.datetime | None
    answers: dict = field(default_factory=dict)


def _answer_rows(firm_id, response, questions, answers):
    by_key = {}
    for q in questions:
        by_key[q.code] = by_key[q.pk] = q
    rows = []
    for key, value in answers.items():
        question = by_key.get(getattr(key, "pk", key))
        if question is None:
            raise ValidationError(_("An answer to a question the firm's survey does not ask."))
        if value is None or value == "":
            continue
        if question.kind == SurveyQuestion.Kind.TEXT:
            rows.append(SurveyAnswer(firm_id=firm_id, response=response, question=question,
                                     text=str(value)))
            continue
        low, high = question.range
        score = int(value)
        if not low <= score <= high:
            raise ValidationError(_("A score of “%(q)s” must be between %(low)s and %(high)s.")
                                  % {"q": question.label, "low": low, "high": high})
        rows.append(SurveyAnswer(firm_id=firm_id, response=response, question=question,
                                 score=score))
    return rows


@performed_by
@transaction.atomic
def history_engagement_import(*, firm, by, number, title, client, service_type, lead,
                              surveyed_at, responses, started_at=None, closed_at=None,
                              description="") -> Engagement:
    """Create a closed engagement of the firm's past with its satisfaction survey, sent at
    ``surveyed_at`` by ``lead`` to the contacts of ``responses``. Refused when the firm
    already has an engagement of that number, or when something is in the future."""
    now = timezone.now()
    require_same_firm(firm.pk, client, lead, *(r.contact for r in responses))
    if surveyed_at > now or any(r.answered_at and r.answered_at > now for r in responses):
        raise ValidationError(_("Imported history cannot lie in the future."))
    if Engagement.objects.filter(firm=firm, number=number).exists():
        raise ValidationError({"number": _("Your firm already has an engagement numbered "
                                           "%(number)s.") % {"number": number}})
    if not responses:
        raise ValidationError(_("An imported survey needs at least one contact."))
    if not lead.is_firm_staff or not lead.is_active:
        raise ValidationError({"lead": _("The lead consultant must be one of the firm's "
                                         "active staff.")})
    engagement = Engagement(firm=firm, client=client, number=number, title=title,
                            service_type=service_type_of(firm, service_type),
                            origin=Engagement.Origin.REQUEST,
                            lead_consultant=lead, description=description)
    engagement.full_clean()
    engagement.save()
    closed_at = closed_at or min(surveyed_at + datetime.timedelta(days=40), now)
    started_at = started_at or surveyed_at - datetime.timedelta(days=120)
    Engagement.objects.filter(pk=engagement.pk).update(
        stage=Stage.CLOSED, stage_entered_at=closed_at, created_at=started_at,
        opened_on=timezone.localdate(started_at) if timezone.is_aware(started_at)
        else started_at.date())
    engagement.refresh_from_db()
    question_set = question_set_for(firm)
    questions = list(question_set.questions.filter(is_active=True).order_by("order", "pk"))
    survey = Survey.objects.create(firm=firm, engagement=engagement, question_set=question_set,
                                   sent_at=surveyed_at, sent_by=lead)
    survey.questions.set(questions)
    answers = []
    for r in responses:
        answered = r.answered_at is not None
        # An unanswered one counts as reminded already (it has no working link either: no
        # token), so that the daily reminders leave the history alone.
        invitation = SurveyInvitation.objects.create(
            firm=firm, survey=survey, contact=r.contact, email=r.contact.email,
            expires_at=surveyed_at + datetime.timedelta(days=ANSWER_LINK_DAYS),
            mailed_at=surveyed_at, used_at=r.answered_at,
            reminder_sent_at=None if answered else min(
                surveyed_at + datetime.timedelta(days=7), now))
        if not answered:
            continue
        response = SurveyResponse.objects.create(
            firm=firm, invitation=invitation, survey=survey, engagement=engagement,
            contact=r.contact, submitted_at=r.answered_at)
        answers.extend(_answer_rows(firm.pk, response, questions, r.answers))
    SurveyAnswer.objects.bulk_create(answers)
    record_event(firm=firm, by=by, verb="engagement.imported", obj=engagement,
                 engagement=engagement, clause="9.5", params={"number": number})
    return engagement
