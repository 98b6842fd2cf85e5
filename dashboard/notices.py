"""The firm's notices that could not be delivered and its background jobs that failed, for
the managers (``dashboard:notices``; a line on the dashboard when there are any)."""

from datetime import timedelta

from django.db.models import Count, IntegerField, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from consultancy.notifications.models import Delivery
from consultancy.outbox.models import Job
from consultancy.tenancy.models import Firm

RECENT_DAYS = 30

NOTICE_LABELS = {
    "stage_changed": _("An engagement moved to another stage"),
    "acceptance_verdict": _("The client's verdict on the results"),
    "complaint_received": _("A new complaint"),
    "survey_invitation": _("Satisfaction survey invitation"),
    "survey_reminder": _("Satisfaction survey reminder"),
    "daily_reminder": _("Daily reminder"),
    "plan_issued": _("A plan awaits the client's confirmation"),
    "documents_delivered": _("Documents delivered to the client"),
    "portal_invitation": _("Client portal invitation"),
    "password_reset": _("Password reset"),
    "chat_test": _("A chat group robot's test message"),
}

TASK_LABELS = {
    "engagements.tasks.notify_stage_changed": NOTICE_LABELS["stage_changed"],
    "feedback.tasks.notify_acceptance": NOTICE_LABELS["acceptance_verdict"],
    "feedback.tasks.notify_complaint": NOTICE_LABELS["complaint_received"],
    "feedback.tasks.mail_survey_invitation": NOTICE_LABELS["survey_invitation"],
    "feedback.tasks.send_daily_reminders": _("The day's reminders"),
    "portal.tasks.notify_plan_issued": NOTICE_LABELS["plan_issued"],
    "portal.tasks.notify_documents_delivered": NOTICE_LABELS["documents_delivered"],
    "consultancy.clients.tasks.mail_portal_invitation": NOTICE_LABELS["portal_invitation"],
    "consultancy.notifications.tasks.mail_password_reset": NOTICE_LABELS["password_reset"],
    "consultancy.documents.tasks.render_document": _("Making a PDF"),
    "consultancy.notifications.tasks.chat_robot_test": NOTICE_LABELS["chat_test"],
}


def notice_label(kind: str) -> str:
    return str(NOTICE_LABELS.get(kind, kind))


def task_label(task: str) -> str:
    return str(TASK_LABELS.get(task, _("Background job")))


def failed_deliveries(firm):
    """The firm's notices that did not reach someone (their last attempt failed)."""
    return (Delivery.objects.filter(firm=firm, state=Delivery.State.FAILED)
            .order_by("-updated_at", "-pk"))


def failed_jobs(firm, *, days=RECENT_DAYS):
    """The firm's background jobs that gave up in the last ``days`` days."""
    since = timezone.now() - timedelta(days=days)
    return (Job.objects.filter(firm=firm, state=Job.State.FAILED, finished_at__gte=since)
            .order_by("-finished_at", "-pk"))


def failure_count(firm) -> int:
    """Failed notices and jobs, counted in one query (two counts as subqueries)."""
    def counted(qs):
        return Subquery(qs.order_by().values("firm_id").annotate(n=Count("pk")).values("n"),
                        output_field=IntegerField())

    row = Firm.objects.filter(pk=firm.pk).annotate(
        deliveries=Coalesce(counted(failed_deliveries(firm)), 0),
        jobs=Coalesce(counted(failed_jobs(firm)), 0)).values("deliveries", "jobs").first()
    return (row["deliveries"] + row["jobs"]) if row else 0
