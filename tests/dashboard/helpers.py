"""A closed engagement built through the services, with a record of every clause."""

import re

from django.core import mail
from django.utils import timezone

from engagements import services as engagement_services
from engagements.stages import Stage
from feedback import services as feedback_services
from tests.feedback.helpers import handed_over, meet, send_survey, to_follow_up
from tests.feedback.steps import walk

ANSWERS = {"competence": 5, "timeliness": 4, "communication": 5, "deliverables": 4,
           "on_site": 5, "overall": 4, "recommend": 9, "comments": "现场指导很细致"}


def answer_survey(engagement, w, **overrides):
    """Send the survey and answer it through the mailed link."""
    mail.outbox.clear()
    send_survey(engagement, w)
    token = None
    for message in mail.outbox:
        match = re.search(r"/survey/([A-Za-z0-9_\-]+)/", message.body)
        if match and message.to[0] == w.contact.email:
            token = match.group(1)
    assert token, "no survey link was mailed"
    return feedback_services.survey_answer(token=token, answers={**ANSWERS, **overrides})


def closed_engagement(w, *, complaint=True):
    """Through every stage to closed: clauses 5–8 met, evaluation, 9.1 guidance, 9.2
    visits, a complaint received and closed (9.4), a survey sent and answered (9.5)."""
    e = handed_over(w)
    to_follow_up(e, w)
    meet("9.1.guidance", e, w)
    meet("9.2.visits", e, w)
    if complaint:
        today = timezone.localdate()
        c = feedback_services.complaint_receive(
            firm=w.firm, by=w.manager, received_on=today, channel="phone",
            complainant_name="王经理", description="第二次回访推迟了一周", engagement=e,
            contact=w.contact)
        walk(c, w.manager)
    answer_survey(e, w)
    engagement_services.engagement_close(engagement=e, by=w.consultant)
    assert e.stage == Stage.CLOSED
    return e
