"""8.3.1 "经项目小组讨论通过，以书面形式提交用户确认": a real decision of the working group,
and a plan submitted in writing only once its PDF exists.

* The approval records the working group's review: the date, the members of our side who
  took part (at least the lead consultant and a member holding a valid registered safety
  engineer certificate), the conclusion. Approval by someone outside the working group, by
  a client user, or before the working group exists is refused, naming the clause.
* Issued means the PDF is asked for; submitted in writing means it is ready. A plan whose
  PDF is being made or failed is not submitted: the client is not asked to confirm it
  (no notice, nothing awaiting in the portal, the confirmation refused)."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone, translation

from consultancy.documents.models import GeneratedDocument
from consultancy.documents.tasks import _store
from consultancy.outbox.models import Job
from delivery import services
from delivery.models import ConsultingPlan, PlanReview, TeamMember
from engagements.freezing import frozen_records_unlocked
from engagements.stages import Stage
from portal import selectors as portal_selectors
from tests import factories as f
from tests.conftest import login
from tests.delivery.helpers import PLAN, approve, meet, pdf_ready
from tests.engagements.helpers import advance_to
from tests.scoping import scopes_disabled

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()
NOTES = "项目小组逐项讨论，同意按本方案实施。"
NOTICE = "portal.tasks.notify_plan_issued"


@pytest.fixture
def delivering(a):
    with scopes_disabled():
        return advance_to(f.EngagementFactory(client=a.client, lead_consultant=a.consultant),
                          Stage.DELIVERY)


def _draft(engagement):
    with scopes_disabled():
        return services.plan_save(engagement=engagement, by=engagement.lead_consultant, **PLAN,
                                  milestones=[{"title": "诊断报告",
                                               "due_date": TODAY + datetime.timedelta(days=20)}])


def _member(engagement, user, role="项目组成员"):
    with scopes_disabled():
        return services.team_member_add(engagement=engagement, by=engagement.lead_consultant,
                                        side="provider", user=user, role=role,
                                        responsibilities="资料编制")


def _refused(plan, **kwargs):
    with scopes_disabled():
        lead = plan.engagement.lead_consultant
    values = {"by": lead, "approved_on": TODAY, "notes": NOTES, "approved_by": lead,
              "participants": [lead]}
    values.update(kwargs)
    with scopes_disabled(), translation.override("en"), pytest.raises(ValidationError) as exc:
        services.plan_approve(plan=plan, **values)
    with scopes_disabled():
        plan.refresh_from_db()
        assert not plan.is_approved and not PlanReview.objects.filter(plan=plan).exists()
    text = " ".join(exc.value.messages)
    assert "8.3.1" in text
    return exc.value


# -- who passes the plan ----------------------------------------------------------------


def test_approval_before_the_working_group_exists_is_refused(a, delivering):
    plan = _draft(delivering)
    assert "working group" in str(_refused(plan))


def test_approval_by_a_client_user_is_refused(a, delivering):
    plan = _draft(delivering)
    _member(delivering, a.consultant, "项目组长")
    error = _refused(plan, approved_by=a.contact.user, by=a.consultant)
    assert "approved_by" in error.message_dict


def test_approval_by_someone_outside_the_working_group_is_refused(a, delivering):
    plan = _draft(delivering)
    _member(delivering, a.consultant, "项目组长")
    error = _refused(plan, approved_by=a.manager,
                     participants=[a.consultant, a.manager])
    assert a.manager.full_name in error.message_dict["approved_by"][0]


def test_a_participant_outside_the_working_group_is_refused(a, delivering):
    plan = _draft(delivering)
    _member(delivering, a.consultant, "项目组长")
    outsider = f.ConsultantFactory(firm=a.firm, full_name="组外人员")
    error = _refused(plan, participants=[a.consultant, outsider])
    assert "组外人员" in error.message_dict["participants"][0]


def test_the_lead_consultant_takes_part(a, delivering):
    plan = _draft(delivering)
    _member(delivering, a.consultant, "项目组长")
    other = f.ConsultantFactory(firm=a.firm)
    with scopes_disabled():
        f.QualificationFactory(holder=other)  # a valid RSE
    _member(delivering, other)
    error = _refused(plan, approved_by=other, participants=[other], by=other)
    assert a.consultant.full_name in error.message_dict["participants"][0]


def test_a_member_holding_a_valid_rse_takes_part(a, delivering):
    with scopes_disabled():
        # the lead's certificate expired before the discussion
        a.qualification.valid_from = TODAY - datetime.timedelta(days=800)
        a.qualification.valid_until = TODAY - datetime.timedelta(days=1)
        a.qualification.save()
    plan = _draft(delivering)
    _member(delivering, a.consultant, "项目组长")
    error = _refused(plan)
    assert "registered safety engineer" in error.message_dict["participants"][0]
    # with a member whose certificate is valid on that day, it passes
    engineer = f.ConsultantFactory(firm=a.firm)
    with scopes_disabled():
        f.QualificationFactory(holder=engineer)
    _member(delivering, engineer)
    with scopes_disabled():
        plan = services.plan_approve(plan=plan, by=a.consultant, approved_by=a.consultant,
                                     approved_on=TODAY, notes=NOTES,
                                     participants=[a.consultant, engineer])
    assert plan.is_approved


def test_the_approver_took_part_and_the_discussion_has_a_conclusion(a, delivering):
    plan = _draft(delivering)
    _member(delivering, a.consultant, "项目组长")
    other = f.ConsultantFactory(firm=a.firm)
    _member(delivering, other)
    assert "participants" in _refused(plan, approved_by=other).message_dict
    assert "notes" in _refused(plan, notes="  ").message_dict


def test_the_review_is_recorded_with_the_approval(a, delivering):
    plan = _draft(delivering)
    _member(delivering, a.consultant, "项目组长")
    other = f.ConsultantFactory(firm=a.firm, full_name="王芳")
    _member(delivering, other)
    with scopes_disabled():
        plan = services.plan_approve(plan=plan, by=other, approved_by=a.consultant,
                                     approved_on=TODAY, notes=NOTES,
                                     participants=[a.consultant, other])
        review = PlanReview.objects.get(plan=plan)
        participants = set(review.participants.values_list("pk", flat=True))
    assert (review.reviewed_on, review.conclusion, review.approved_by_id,
            review.recorded_by_id) == (TODAY, NOTES, a.consultant.pk, other.pk)
    assert participants == {a.consultant.pk, other.pk}
    assert (plan.approved_on, plan.approved_by_id, plan.approval_notes) == (
        TODAY, a.consultant.pk, NOTES)


def test_a_plan_approved_without_a_review_does_not_meet_8_3_1(a, delivering):
    with scopes_disabled():
        meet("8.3.1.plan_confirmed", delivering)
        assert {r.code: r.met for r in delivering.requirements()}["8.3.1.plan_confirmed"]
        with frozen_records_unlocked("test: a plan approved before reviews were kept"):
            PlanReview.objects.filter(engagement=delivering).delete()
        assert not {r.code: r.met for r in delivering.requirements()}["8.3.1.plan_confirmed"]


# -- submitted in writing only once the PDF is ready --------------------------------------


def _issued(a, delivering):
    plan = _draft(delivering)
    with scopes_disabled():
        plan = approve(plan, a.consultant)
        return services.plan_issue(plan=plan, by=a.consultant)


def _notices(firm):
    with scopes_disabled():
        return Job.objects.filter(firm=firm, task=NOTICE).count()


def test_a_plan_whose_pdf_is_being_made_is_not_submitted(client, a, delivering):
    plan = _issued(a, delivering)
    assert plan.is_issued and not plan.is_submitted
    assert _notices(a.firm) == 0  # the client is not asked yet
    with scopes_disabled(), translation.override("en"), pytest.raises(ValidationError) as exc:
        services.plan_confirm(plan=plan, contact=a.contact, confirmed_on=TODAY, by=a.consultant)
    assert "8.3.1" in str(exc.value)
    with scopes_disabled():
        awaiting = portal_selectors.awaiting_for(a.contact, [delivering])[delivering.pk]
    assert awaiting.plan is None
    login(client, a.consultant)
    page = client.get(reverse("delivery:plan", args=[delivering.pk]))
    assert page.context["confirm_form"] is None and 'id="plan-not-submitted"' in page.text
    # the PDF is made: now it is submitted, the client is asked, and may confirm
    with scopes_disabled():
        _store(plan.issued_pdf_id, "plan.pdf", b"%PDF-1.7 plan", 1, 1)
    assert _notices(a.firm) == 1
    with scopes_disabled():
        plan = ConsultingPlan.objects.get(pk=plan.pk)
        assert plan.is_submitted
        assert portal_selectors.awaiting_for(a.contact, [delivering])[delivering.pk].plan == plan
        services.plan_confirm(plan=plan, contact=a.contact, confirmed_on=TODAY, by=a.consultant)


def test_a_plan_whose_pdf_failed_is_issued_again(a, delivering):
    plan = _issued(a, delivering)
    with scopes_disabled():
        GeneratedDocument.objects.filter(pk=plan.issued_pdf_id).update(
            status=GeneratedDocument.Status.FAILED, error="limit:pages")
        plan = ConsultingPlan.objects.get(pk=plan.pk)
        assert plan.pdf_failed and not plan.is_submitted
        with pytest.raises(ValidationError):
            services.plan_confirm(plan=plan, contact=a.contact, confirmed_on=TODAY,
                                  by=a.consultant)
        failed = plan.issued_pdf_id
        plan = services.plan_issue(plan=plan, by=a.consultant)  # made again
        assert plan.issued_pdf_id != failed and plan.issued_pdf.is_pending
        with pytest.raises(ValidationError):  # but not twice while it is being made
            services.plan_issue(plan=plan, by=a.consultant)
        pdf_ready(plan.issued_pdf)
        services.plan_confirm(plan=ConsultingPlan.objects.get(pk=plan.pk), contact=a.contact,
                              confirmed_on=TODAY, by=a.consultant)


def test_the_gate_needs_the_pdf_ready(a, delivering):
    with scopes_disabled():
        meet("8.3.1.plan_confirmed", delivering)
        plan = services.current_plan(delivering)
        assert {r.code: r.met for r in delivering.requirements()}["8.3.1.plan_confirmed"]
        GeneratedDocument.objects.filter(pk=plan.issued_pdf_id).update(
            status=GeneratedDocument.Status.FAILED)
        assert not {r.code: r.met for r in delivering.requirements()}["8.3.1.plan_confirmed"]


# -- the page -----------------------------------------------------------------------------


def test_the_plan_page_records_the_review(client, a, b, delivering):
    plan = _draft(delivering)
    login(client, a.consultant)
    url = reverse("delivery:plan", args=[delivering.pk])
    assert 'id="no-working-group"' in client.get(url).text
    _member(delivering, a.consultant, "项目组长")
    other = f.ConsultantFactory(firm=a.firm, full_name="王芳")
    _member(delivering, other)
    page = client.get(url)
    form = page.context["approve_form"]
    with scopes_disabled():
        offered = {u.pk for u in form.fields["participants"].queryset}
    assert offered == {a.consultant.pk, other.pk}
    assert form.initial["participants"] == [a.consultant.pk]
    approve_url = reverse("delivery:plan_approve", args=[delivering.pk, plan.pk])
    # the lead not ticked: the form says so, naming the clause; nothing recorded
    resp = client.post(approve_url, {"approved_on": TODAY.isoformat(), "participants": [other.pk],
                                     "notes": NOTES, "approved_by": other.pk})
    assert resp.status_code == 200
    assert "8.3.1" in str(resp.context["approve_form"].errors)
    # someone of another firm is not even a choice
    resp = client.post(approve_url, {"approved_on": TODAY.isoformat(),
                                     "participants": [a.consultant.pk, b.consultant.pk],
                                     "notes": NOTES, "approved_by": a.consultant.pk})
    assert resp.status_code == 200 and "participants" in resp.context["approve_form"].errors
    resp = client.post(approve_url, {"approved_on": TODAY.isoformat(),
                                     "participants": [a.consultant.pk, other.pk],
                                     "notes": NOTES, "approved_by": a.consultant.pk})
    assert resp.status_code == 302
    page = client.get(url)
    assert 'id="plan-review"' in page.text and "王芳" in page.text and NOTES in page.text
    # the other firm: 404
    login(client, b.consultant)
    assert client.post(approve_url, {"approved_on": TODAY.isoformat()}).status_code == 404


def test_a_removed_member_stays_in_the_review(a, delivering):
    plan = _draft(delivering)
    _member(delivering, a.consultant, "项目组长")
    other = f.ConsultantFactory(firm=a.firm)
    member = _member(delivering, other)
    with scopes_disabled():
        services.plan_approve(plan=plan, by=a.consultant, approved_on=TODAY, notes=NOTES,
                              participants=[a.consultant, other])
        services.team_member_remove(member=member, by=a.consultant)
        assert not TeamMember.objects.filter(pk=member.pk).exists()
        review = PlanReview.objects.get(plan=plan)
        assert other in review.participants.all()
