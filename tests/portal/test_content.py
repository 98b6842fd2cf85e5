"""What the portal shows, and what it never shows (nothing internal)."""

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from consultancy.tenancy.scoping import firm_scope
from contracts import services as contract_services
from delivery import services as delivery_services
from delivery.models import ProgressReport
from engagements.freezing import frozen_records_unlocked
from engagements.services import record_save
from engagements.stages import Stage
from tests import factories as f
from tests.conftest import login
from tests.delivery.helpers import approve
from tests.engagements.helpers import advance_to
from tests.feedback.helpers import on_commit
from tests.portal.helpers import deliver, engagement_tabs, in_delivery, issue_plan
from tests.scoping import scopes_disabled
from tests.uploads import pdf_bytes

pytestmark = pytest.mark.django_db


def test_the_engagement_page_shows_what_the_standard_hands_the_client(client, a, world):
    login(client, a.contact.user)
    page = engagement_tabs(client, world.e_delivery.pk)
    contract = world.contract
    assert contract.number in page and contract.issued_pdf_sha256 in page
    assert contract.signed_copy_sha256 in page
    assert a.consultant.full_name in page  # the working group, with RSE status
    with firm_scope(a.firm):
        assert "rse" in page and world.plan.issued_pdf.sha256 in page
        for d in world.deliveries:
            assert d.version.sha256 in page
            assert reverse("portal:delivery_file", args=[world.e_delivery.pk, d.pk]) in page
    assert 'id="risk-chart"' in page and "<svg" in page
    assert "完成现场诊断" in page  # the shared progress report
    assert world.complaint.number in page
    # the process of Figure 1 with the current stage
    assert 'aria-current="step"' in page


def test_nothing_internal_is_shown(client, a, world):
    e = world.e_delivery
    today = timezone.localdate()
    with scopes_disabled():
        with frozen_records_unlocked("test: an internal remark in a passed assessment"):
            type(e.needs_assessment).objects.filter(pk=e.needs_assessment.pk).update(
                measures="内部评估：客户预算偏紧，报价需谨慎")
        record_save(record=ProgressReport(engagement=e, period_start=today, period_end=today,
                                          work_done="内部草稿进度", next_steps="未共享"),
                    by=a.consultant)
        draft_doc = delivery_services.document_create(
            engagement=e, by=a.consultant, category="other", title="未交付的内部底稿",
            file=SimpleUploadedFile("draft.pdf", pdf_bytes(b"draft")))
        draft_plan = delivery_services.plan_save(engagement=e, by=a.consultant,
                                                 change_reason="内部修订草稿",
                                                 division_of_work="草稿分工内容")
        e_contracting = advance_to(f.EngagementFactory(client=a.client,
                                                       lead_consultant=a.consultant),
                                   Stage.CONTRACTING)
        draft_contract = contract_services.contract_draft(engagement=e_contracting,
                                                          by=a.consultant)
    login(client, a.contact.user)
    page = engagement_tabs(client, e.pk)
    for secret in ("内部评估", "内部草稿进度", "未交付的内部底稿", "内部修订草稿", "草稿分工内容"):
        assert secret not in page
    contracting = client.get(reverse("portal:engagement", args=[e_contracting.pk]))
    assert draft_contract.number not in contracting.content.decode()
    assert client.get(reverse("portal:contract_pdf", args=[e_contracting.pk, draft_contract.pk])
                      ).status_code == 404
    # a draft plan or an undelivered document is never served either
    assert client.get(reverse("portal:plan_pdf", args=[e.pk, draft_plan.pk])).status_code == 404
    assert draft_doc.pk  # (documents are served only through a delivery: no URL exists)
    # the plan of version 1 no longer awaits the client: a newer version is in draft
    assert reverse("portal:plan_confirm", args=[e.pk, world.plan.pk]) not in page


def test_engagements_of_the_company_only_and_past_the_needs_analysis(client, a, world,
                                                                    other_company_contact):
    with scopes_disabled():
        in_needs = f.EngagementFactory(client=a.client, lead_consultant=a.consultant,
                                       title="仍在需求分析的项目")
        theirs = f.EngagementFactory(client=other_company_contact.client,
                                     lead_consultant=a.consultant, title="别家公司的项目")
        # a second contact of the company, on no working group, sees them all as well
        colleague = f.PortalContactFactory(client=a.client, email="colleague@a.test")
    login(client, colleague.user)
    page = client.get(reverse("portal:home") + "?show=all").content.decode()
    for e in (world.e_delivery, world.e_communication, world.e_evaluation):
        assert e.title in page
    assert in_needs.title not in page and theirs.title not in page
    assert client.get(reverse("portal:engagement", args=[in_needs.pk])).status_code == 404


def test_home_says_what_awaits_the_client(client, a, world):
    login(client, a.contact.user)
    page = client.get(reverse("portal:home")).content.decode()
    assert page.count('class="await-plan"') == 1
    assert page.count('class="await-documents"') == 1
    assert page.count('class="await-survey"') == 1
    assert reverse("portal:survey", args=[world.invitation.pk]) in page


def test_the_contact_is_mailed_when_a_plan_awaits_them(a):
    e = in_delivery(a)
    mail.outbox.clear()
    with on_commit():
        issue_plan(e)
    sent = [m for m in mail.outbox if a.contact.email in m.to]
    assert len(sent) == 1
    assert f"/portal/engagements/{e.pk}/#plan" in sent[0].body


def test_the_contact_is_mailed_once_for_documents_delivered(a):
    e = in_delivery(a)
    issue_plan(e)
    mail.outbox.clear()
    with on_commit():
        deliver(e, 3)
    sent = [m for m in mail.outbox if a.contact.email in m.to]
    assert len(sent) == 1
    assert f"/portal/engagements/{e.pk}/documents/#documents" in sent[0].body
    assert "制度汇编3" in sent[0].body


def test_no_mail_to_contacts_without_a_portal_login_or_of_another_company(a):
    with scopes_disabled():
        no_login = f.ClientContactFactory(client=a.client, email="nologin@a.test")
        other = f.PortalContactFactory(client=f.ClientFactory(firm=a.firm),
                                       email="elsewhere@a.test")
    e = in_delivery(a)
    mail.outbox.clear()
    with on_commit():
        issue_plan(e)
    recipients = {r for m in mail.outbox for r in m.to}
    assert a.contact.email in recipients
    assert no_login.email not in recipients and other.email not in recipients


def test_survey_link_mail_still_works_after_a_refused_portal_answer(client, a, world):
    """A refused portal answer changes nothing: the invitation stays open."""
    login(client, a.contact.user)
    client.post(reverse("portal:survey", args=[world.invitation.pk]), {})
    with scopes_disabled():
        world.invitation.refresh_from_db()
        assert not world.invitation.is_used and world.invitation.token_hash


def test_stage_is_drawn_for_a_closed_or_ended_engagement(client, a):
    with scopes_disabled():
        e = in_delivery(a)
        from engagements import services

        services.engagement_terminate(engagement=e, by=a.consultant, reason="客户停产")
    assert e.stage == Stage.TERMINATED
    login(client, a.contact.user)
    home = client.get(reverse("portal:home") + "?show=ended").content.decode()
    assert e.title in home
    assert client.get(reverse("portal:engagement", args=[e.pk])).status_code == 200


def test_downloads_are_the_files_whose_sha256_is_shown(client, a, world):
    import hashlib

    login(client, a.contact.user)
    e = world.e_delivery
    r = client.get(reverse("portal:contract_pdf", args=[e.pk, world.contract.pk]))
    body = b"".join(r.streaming_content)
    assert hashlib.sha256(body).hexdigest() == world.contract.issued_pdf_sha256
    r = client.get(reverse("portal:delivery_file", args=[e.pk, world.deliveries[0].pk]))
    body = b"".join(r.streaming_content)
    assert hashlib.sha256(body).hexdigest() == world.deliveries[0].version.sha256
    assert r["Cache-Control"] == "private, no-store"


def test_a_plan_version_opened_after_delivery_awaits_the_client(client, a):
    """9.3: a follow-up visit that finds site changes opens a plan version; once issued it
    awaits the client's confirmation in the portal, until the engagement closes."""
    from feedback import services as feedback_services
    from tests.delivery.helpers import pdf_ready
    from tests.feedback.helpers import handed_over, to_follow_up

    with scopes_disabled():
        e = to_follow_up(handed_over(a), a)
        visit = feedback_services.follow_up_visit_save(
            engagement=e, by=a.consultant, visited_on=timezone.localdate(),
            visitors=[a.consultant], discussed="新增甲醇储罐", plan_needs_adjusting=True,
            site_changes="新增甲醇储罐两台")
        plan = visit.plan_version
        plan = approve(plan, a.consultant)
        plan = delivery_services.plan_issue(plan=plan, by=a.consultant)
        pdf_ready(plan.issued_pdf)
    login(client, a.contact.user)
    page = client.get(reverse("portal:engagement", args=[e.pk])).content.decode()
    url = reverse("portal:plan_confirm", args=[e.pk, plan.pk])
    assert url in page and "新增甲醇储罐两台" in page
    client.post(url)
    with scopes_disabled():
        plan.refresh_from_db()
        assert plan.confirmed_by == a.contact
