"""The daily reminders of one firm (run inside its scope by ``tasks.send_daily_reminders``).

What is reminded, and to whom:

* a follow-up visit coming due (within the firm's ``visit_reminder_days``, or overdue):
  the lead consultant;
* a guidance period ending within those days: the lead consultant;
* a complaint whose current step is overdue: the firm's managers and the engagement's
  lead consultant;
* a survey link unanswered ``survey_reminder_after_days`` after it was mailed: the
  contact once (a new link by e-mail), and the lead consultant;
* a qualification expiring within 60 days, unless a later certificate of the same kind
  already follows it: its holder and the firm's managers.

Each reminder is a :class:`~feedback.models.Reminder` row, unique per user, kind and key
(``visit:12:2`` is the second visit of engagement 12), and a notice (``daily_reminder``)
sent once for it.
"""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation

from consultancy.activity.models import SystemActor
from consultancy.activity.services import acting_as, record_event
from consultancy.notifications import NoticeNotDelivered, notify, recipients_for
from consultancy.tenancy.models import Qualification, User
from engagements.models import Engagement
from engagements.stages import Stage

from .models import Reminder, SurveyInvitation, reminder_text
from .notices import survey_invitation_mail
from .selectors import feedback_settings_for, follow_up_summaries, overdue_complaints

QUALIFICATION_DAYS = 60


@dataclass
class Due:
    user: object
    kind: str
    key: str
    params: dict  # the values of the kind's message (feedback.models.REMINDER_MESSAGES)
    url: str = ""
    engagement_id: int | None = None


def _url(name, *args) -> str:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return ""


def _follow_up(firm_id, today, ahead):
    engagements = list(Engagement.objects.filter(
        firm_id=firm_id, stage__in=[Stage.EVALUATION, Stage.FOLLOW_UP])
        .select_related("lead_consultant"))
    summaries = follow_up_summaries(engagements)
    horizon = today + datetime.timedelta(days=ahead)
    for e in engagements:
        s = summaries[e.pk]
        due, n = s.next_visit_due, s.next_visit_number
        if due is not None and due <= horizon:
            yield Due(e.lead_consultant, Reminder.Kind.VISIT_DUE, f"visit:{e.pk}:{n}",
                      {"n": n, "of": s.visits_contracted, "number": e.number,
                       "title": e.title, "day": due.isoformat()},
                      _url("feedback:follow_up", e.pk), engagement_id=e.pk)
        ends = s.guidance_ends_on
        if ends is not None and today <= ends <= horizon:
            yield Due(e.lead_consultant, Reminder.Kind.GUIDANCE_ENDING,
                      f"guidance:{e.pk}:{ends.isoformat()}",
                      {"number": e.number, "title": e.title, "day": ends.isoformat()},
                      _url("feedback:follow_up", e.pk), engagement_id=e.pk)


def _complaints(firm_id, today, managers):
    for c in overdue_complaints(firm_id, today).select_related("engagement__lead_consultant"):
        people = list(managers)
        if c.engagement is not None and c.engagement.lead_consultant not in people:
            people.append(c.engagement.lead_consultant)
        url = _url("feedback:complaint_detail", c.pk)
        for person in people:
            yield Due(person, Reminder.Kind.COMPLAINT_OVERDUE, f"complaint:{c.pk}:{c.status}",
                      {"number": c.number, "step": c.next_step, "day": c.due_on.isoformat()},
                      url, engagement_id=c.engagement_id)


def _surveys(firm_id, settings_row, failures):
    now = timezone.now()
    cutoff = now - datetime.timedelta(days=settings_row.survey_reminder_after_days)
    unanswered = (SurveyInvitation.objects.filter(
        firm_id=firm_id, used_at__isnull=True, reminder_sent_at__isnull=True,
        mailed_at__lte=cutoff, expires_at__gt=now)
        .select_related("survey__engagement__lead_consultant", "contact"))
    for invitation in unanswered:
        # The contact's reminder: once (the task skips an invitation already reminded). An
        # address that fails is left for the task's retry; the batch goes on.
        try:
            survey_invitation_mail(invitation.pk, "", True, actor=SystemActor.DAILY_REMINDERS)
        except NoticeNotDelivered as exc:
            failures.append(exc)
        e = invitation.survey.engagement
        yield Due(e.lead_consultant, Reminder.Kind.SURVEY_UNANSWERED, f"survey:{invitation.pk}",
                  {"contact": invitation.contact.name, "number": e.number, "title": e.title},
                  _url("feedback:survey", e.pk), engagement_id=e.pk)


def _qualifications(firm_id, today, managers):
    horizon = today + datetime.timedelta(days=QUALIFICATION_DAYS)
    renewed = Qualification.objects.filter(holder_id=OuterRef("holder_id"), kind=OuterRef("kind"),
                                           valid_until__gt=OuterRef("valid_until"))
    expiring = (Qualification.objects.filter(firm_id=firm_id, valid_until__gte=today,
                                             valid_until__lte=horizon)
                .filter(~Exists(renewed)).select_related("holder"))
    for q in expiring:
        people = [q.holder] + [m for m in managers if m.pk != q.holder_id]
        for person in people:
            yield Due(person, Reminder.Kind.QUALIFICATION_EXPIRING,
                      f"qualification:{q.pk}:{q.valid_until.isoformat()}",
                      {"number": q.number, "holder": q.holder.full_name, "kind": q.kind,
                       "day": q.valid_until.isoformat()},
                      _url("admin:tenancy_qualification_change", q.pk))


def _language(user):
    return user.language or settings.LANGUAGE_CODE


def _site_url():
    return (getattr(settings, "SITE_URL", "") or "").rstrip("/")


def run_daily_reminders(firm_id, today) -> int:
    """Create the day's missing reminders, then mail every reminder not mailed yet.
    Returns the number of reminders created. The act of the system actor "daily
    reminders": each new reminder is an event of its log."""
    with acting_as(SystemActor.DAILY_REMINDERS, firm_id):
        return _run_daily_reminders(firm_id, today)


def _run_daily_reminders(firm_id, today) -> int:
    settings_row = feedback_settings_for(firm_id)
    managers = recipients_for(firm_id, roles=[User.Role.MANAGER])
    created = 0
    failures = []
    sources = [
        _follow_up(firm_id, today, settings_row.visit_reminder_days),
        _complaints(firm_id, today, managers),
        _surveys(firm_id, settings_row, failures),
        _qualifications(firm_id, today, managers),
    ]
    for source in sources:
        for due in source:
            if due.user is None or not due.user.is_active:
                continue
            with translation.override(_language(due.user)):
                text = reminder_text(due.kind, due.params)[:500]
            with transaction.atomic():
                reminder, new = Reminder.objects.get_or_create(
                    firm_id=firm_id, user=due.user, kind=due.kind, key=due.key,
                    defaults={"text": text, "url": due.url[:300], "params": due.params},
                )
                if new:
                    record_event(firm=firm_id, by=SystemActor.DAILY_REMINDERS,
                                 verb="reminder.created", obj=reminder,
                                 engagement=due.engagement_id,
                                 params={"name": str(due.user), "kind": due.kind,
                                         "text": text})
            created += new
    _mail_pending(firm_id, failures)
    if failures:
        # Everyone else was reached; the task's retry mails what is left.
        raise NoticeNotDelivered("daily_reminder",
                                 [f for exc in failures for f in exc.failures])
    return created


def _mail_pending(firm_id, failures) -> int:
    """Mail the reminders not mailed yet, each in one small transaction (so a failure
    leaves the rest to the next run, and nothing is mailed twice). An address that fails
    is added to ``failures`` and the batch goes on."""
    sent = 0
    pending = (Reminder.objects.filter(firm_id=firm_id, emailed_at__isnull=True,
                                       user__is_active=True).exclude(user__email="")
               .values_list("pk", flat=True))
    for pk in list(pending):
        with transaction.atomic():
            reminder = (Reminder.objects.select_for_update().select_related("user")
                        .filter(pk=pk, emailed_at__isnull=True).first())
            if reminder is None:
                continue
            link = _site_url() + reminder.url if reminder.url else ""
            try:
                notify("daily_reminder", recipients=[reminder.user],
                       context={"reminder": reminder, "link": link}, firm=firm_id,
                       key=f"reminder:{reminder.pk}")
            except NoticeNotDelivered as exc:
                failures.append(exc)  # recorded on the delivery; not marked mailed
                continue
            reminder.emailed_at = timezone.now()
            reminder.save(update_fields=["emailed_at"])
            sent += 1
    return sent
