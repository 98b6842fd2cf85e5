"""A firm with at least one row of every model registered in the admin, and a cloner that
multiplies any row (for the changelists' query counts with 5 and 50 rows)."""

import contextlib
import copy
import datetime
import itertools

from django.contrib import admin
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import models
from django.db.models.base import ModelState
from django.utils import timezone

from consultancy.tenancy.models import Firm, SubmissionToken
from delivery import services as delivery_services
from delivery.models import GuidanceLog, RiskSettings, RseJustification, SiteResearch
from engagements import services as engagement_services
from engagements.freezing import frozen_records_unlocked, unlocked_reason
from engagements.services import record_save
from engagements.stages import Stage
from feedback import services as feedback_services
from feedback.models import FeedbackSettings, Reminder, SurveyInvitation
from tests import factories as f
from tests.delivery.helpers import meet as meet_delivery_code
from tests.engagements.helpers import advance_to
from tests.feedback.helpers import handed_over, meet, send_survey, to_follow_up
from tests.feedback.steps import walk
from tests.scoping import scopes_disabled
from tests.uploads import pdf_bytes

SURVEY_ANSWERS = {"competence": 5, "timeliness": 4, "communication": 5, "deliverables": 4,
                  "on_site": 5, "overall": 5, "recommend": 9, "comments": "现场指导很细致"}


def firm_models():
    """Every registered model that belongs to a firm (the firms themselves excepted)."""
    return [m for m in admin.site._registry
            if any(f.name == "firm" for f in m._meta.concrete_fields) and m is not Firm]


def populate(w):
    """Engagements of world ``w`` with every kind of record of clauses 4–9."""
    today = timezone.localdate()
    with scopes_disabled():
        # Through the service, evaluation and into follow-up (a proactive one: 6.1 visit).
        e = handed_over(w, origin="proactive")
        to_follow_up(e, w)
        meet("9.1.guidance", e, w)
        meet("9.2.visits", e, w)
        survey = send_survey(e, w)
        invitation = SurveyInvitation.objects.filter(survey=survey).first()
        token = feedback_services.issue_survey_token(invitation)
        invitation.save(update_fields=["token_hash"])
        feedback_services.survey_answer(token=token, answers=SURVEY_ANSWERS)
        # Closed: every record of clauses 5–9 of this one is frozen.
        engagement_services.engagement_close(engagement=e, by=w.consultant)
        # One in the service stage, for the records written there (and a complaint).
        d = f.EngagementFactory(client=w.client, lead_consultant=w.consultant)
        advance_to(d, Stage.DELIVERY)
        complaint = feedback_services.complaint_receive(
            firm=w.firm, by=w.manager, received_on=today, channel="phone",
            complainant_name="张三", description="报告交付延迟", engagement=d)
        feedback_services.complaint_acknowledge(
            complaint=complaint, by=w.manager,
            acknowledgement="电话告知投诉人已受理，并说明投诉编号和处理时限")
        # 9.4: a complaint of the contact's, answered, with an action and their reply
        answered = feedback_services.complaint_receive(
            firm=w.firm, by=w.manager, received_on=today, channel="phone",
            complainant_name=w.contact.name, contact=w.contact, engagement=d,
            description="现场检查人员迟到半小时")
        walk(answered, w.manager, until="respond")
        feedback_services.complaint_action_add(
            complaint=answered, by=w.manager, owner=w.consultant, due_on=today,
            description="现场工作前一日确认出发时间和路线")
        answered.refresh_from_db()
        feedback_services.complaint_reply(complaint=answered, by=w.contact.user, accepts=True,
                                          handling_rating=4, comment="处理及时")
        meet_delivery_code("8.1.1.site_research", d)
        research = SiteResearch.objects.filter(engagement=d).first()
        delivery_services.research_attachment_add(
            research=research, caption="罐区照片", by=w.consultant,
            file=SimpleUploadedFile("photo.pdf", pdf_bytes(b"photo"), content_type="application/pdf"))
        record_save(record=GuidanceLog(engagement=d, given_on=today, given_by=w.consultant,
                                       topic="动火作业", advice="执行动火作业票制度"),
                    by=w.consultant)
        # A guidance log (8.4) of the closed engagement too, so that one is frozen (test
        # data: the service would refuse a record for a passed stage, rightly).
        log = clone(GuidanceLog.objects.get(engagement=d))
        GuidanceLog._base_manager.filter(pk=log.pk).update(engagement=e)
        # 8.2.2: a manager's justification of the engineer's fit, and a frozen one
        meet_delivery_code("8.2.2.rse", d)
        delivery_services.rse_justification_save(
            engagement=d, by=w.manager, holder=w.consultant,
            experience="10 年化工企业安全管理经验，完成危险化学品企业标准化项目 15 个")
        justification = clone(RseJustification.objects.get(engagement=d))
        RseJustification._base_manager.filter(pk=justification.pk).update(engagement=e)
        RiskSettings.objects.get_or_create(firm=w.firm)
        FeedbackSettings.objects.get_or_create(firm=w.firm)
        Reminder.objects.create(firm=w.firm, user=w.manager, kind=Reminder.Kind.COMPLAINT_OVERDUE,
                                key=f"complaint:{complaint.pk}", text="投诉待处理")
        SubmissionToken.objects.create(firm=w.firm, user=w.manager, token="world",
                                       location=e.get_absolute_url())
        # 9.5: a statistics report of the year (its PDF through the documents pipeline).
        feedback_services.satisfaction_report_request(
            firm=w.firm, by=w.manager, period_from=today.replace(month=1, day=1),
            period_to=today, group_by="month")
        feedback_services.complaint_report_request(
            firm=w.firm, by=w.manager, period_from=today.replace(month=1, day=1),
            period_to=today, group_by="month")
    return e, d


# -- cloning -------------------------------------------------------------------------------

_counter = itertools.count(1)


def _unique_sets(model):
    sets = []
    for field in model._meta.concrete_fields:
        if field.unique and not field.primary_key:
            sets.append([field.name])
    for names in model._meta.unique_together:
        sets.append(list(names))
    for constraint in model._meta.constraints:
        if isinstance(constraint, models.UniqueConstraint) and constraint.fields:
            sets.append(list(constraint.fields))
    return [[n for n in s if n != "firm"] for s in sets]


def _vary(obj, field, n):
    value = getattr(obj, field.attname)
    if value is None:
        return True  # NULLs never collide
    if isinstance(field, (models.CharField, models.TextField)):
        text = f"c{n}-{value}"
        setattr(obj, field.attname, text[: field.max_length] if field.max_length else text)
        return True
    if isinstance(field, models.IntegerField):
        # n alone: value + n would collide when the clones of two rows (versions 1 and 2
        # of one record) alternate
        setattr(obj, field.attname, 10_000 + n)
        return True
    if isinstance(field, models.DateTimeField):
        setattr(obj, field.attname, value + datetime.timedelta(seconds=n))
        return True
    if isinstance(field, models.DateField):
        setattr(obj, field.attname, value + datetime.timedelta(days=n))
        return True
    return False


def clone(obj, *, stand_in=False):
    """A copy of ``obj`` saved as a new row (without the model's save(): no service rule
    applies to test rows), its unique fields varied, and any one-to-one parent cloned.

    A parent cloned only so that the copy's unique set differs (``stand_in``: a second
    engagement for a second needs assessment) keeps its original's creation time: it is
    not one of the rows the test asked for, and must not be the newest rows, the first
    page of a list ordered newest first (the engagement list would show 20 copies of the
    closed engagement, the parent of most one-per-engagement records)."""
    model = type(obj)
    new = model.__new__(model)
    new.__dict__ = {k: copy.copy(v) for k, v in obj.__dict__.items() if not k.startswith("_")}
    new._state = ModelState()
    new.pk = None
    n = next(_counter)
    for names in _unique_sets(model):
        fields = [model._meta.get_field(name) for name in names]
        plain = [fl for fl in fields if not fl.is_relation]
        if any(_vary(new, fl, n) for fl in plain):
            continue
        relations = [fl for fl in fields if fl.is_relation]
        if not relations:  # one row per firm: the copy goes to a new firm
            new.firm_id = clone(obj.firm).pk
            continue
        parent = getattr(obj, relations[0].name)
        if parent is None:
            continue  # NULLs never collide
        setattr(new, relations[0].attname, clone(parent, stand_in=True).pk)
    with scopes_disabled():
        model._base_manager.bulk_create([new])
    if new.pk is None:  # backends without RETURNING
        new.pk = model._base_manager.order_by("-pk").values_list("pk", flat=True)[0]
    if stand_in:
        dates = {fl.attname: getattr(obj, fl.attname) for fl in model._meta.concrete_fields
                 if getattr(fl, "auto_now_add", False)}
        if dates:
            with scopes_disabled():
                model._base_manager.filter(pk=new.pk).update(**dates)
            new.__dict__.update(dates)
    return new


def one_per_firm(model) -> bool:
    return [] in _unique_sets(model)


def rows_of(model, firm, count):
    """Make the firm have ``count`` rows of ``model``, cloning the firm's rows in turn; for a
    model with one row per firm, make ``count`` rows over as many firms.

    In turn, not the first one only: the clones are the newest rows, so they are the first
    page of a list ordered newest first, and that page must show the mix of the firm's rows
    (an engagement of each stage the world has) as the 5 rows' page does, not 20 copies of
    one row (20 closed engagements: a page with no gate to ask, one query fewer than with 5
    rows, which says nothing of whether a page's queries grow with its rows)."""
    # the clones of records of engagements past their stage: PostgreSQL's frozen-record
    # triggers refuse them but for the one logged escape (unless the caller opened it)
    unlocked = (contextlib.nullcontext() if unlocked_reason()
                else frozen_records_unlocked("the admin tests' world: rows cloned"))
    with scopes_disabled(), unlocked:
        qs = model._base_manager.all() if one_per_firm(model) else model._base_manager.filter(
            firm=firm)
        have = qs.count()
        seeds = list(qs.filter(firm=firm).order_by("pk"))
        assert seeds, f"the test world has no {model._meta.label}"
        for i in range(count - have):
            clone(seeds[i % len(seeds)])
        return qs.count()


def count_of(model, firm):
    with scopes_disabled():
        if one_per_firm(model):
            return model._base_manager.count()
        return model._base_manager.filter(firm=firm).count()
