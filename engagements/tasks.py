from celery import shared_task

from consultancy.notifications import NOTICE_TASK, notify
from consultancy.tenancy.scoping import firm_scope

from .models import StageTransition


@shared_task(**NOTICE_TASK)
def notify_stage_changed(firm_id: int, transition_id: int) -> int:
    """Tell the engagement's consultants that it moved to another stage (the notice
    ``stage_changed``). Returns the number of people told."""
    with firm_scope(firm_id):
        row = (
            StageTransition.objects.select_related("engagement__lead_consultant",
                                                   "engagement__firm", "by")
            .filter(pk=transition_id)
            .first()
        )
        if row is None:
            return 0
        engagement = row.engagement
        people = {engagement.lead_consultant, *engagement.consultants.all()} - {row.by}
        return notify("stage_changed", recipients=sorted(people, key=lambda u: u.pk),
                      context={"engagement": engagement, "transition": row},
                      firm=engagement.firm)
