"""What feedback's services announce once a record is written, inside their transaction.
The receivers (``feedback.tasks.connect``) send the notices after commit, so the
services never know the tasks."""

from django.dispatch import Signal

# A client's verdict on the results was recorded (``acceptance``).
acceptance_recorded = Signal()

# A complaint was received (``complaint``): the managers hear of it at once.
complaint_received = Signal()

# A notice to a complainant was written with a complaint step (``notice``): it is e-mailed
# to them once the step is committed (9.4: the complainant hears back).
complaint_notice_written = Signal()

# A satisfaction survey (9.5) was sent (``survey``, ``invitations``, ``base_url``): each
# invitation is mailed its link.
survey_sent = Signal()
