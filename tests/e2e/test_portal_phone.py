"""The portal on a phone, in Chinese: a client contact logs in, confirms the consulting plan
(8.3.1), downloads a delivered document (8.5.2), answers the satisfaction survey (9.5) and
files a complaint (9.4)."""

import hashlib

import pytest

from delivery.models import ConsultingPlan
from feedback.models import Complaint, SurveyInvitation, SurveyResponse
from tests.factories import PASSWORD
from tests.feedback.helpers import handed_over, send_survey
from tests.portal.helpers import deliver, in_delivery, issue_plan
from tests.scoping import scopes_disabled
from tests.uploads import pdf_bytes

pytestmark = pytest.mark.django_db(transaction=True)

CONTENT = pdf_bytes(b"safety management system documents")


def _fits(page):
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


def test_a_contact_on_a_phone(phone_page, live_server, a, b, shot):
    e = in_delivery(a, title="危化品企业安全生产标准化咨询")
    plan = issue_plan(e)
    deliveries = deliver(e, 1, content=CONTENT)
    with scopes_disabled():
        e_eval = handed_over(a, title="安全生产台账咨询")
        send_survey(e_eval, a, contacts=[a.contact])
        invitation = SurveyInvitation.objects.get(contact=a.contact)
    page = phone_page
    url = live_server.url

    page.goto(f"{url}/accounts/login/")
    page.fill("input[name=username]", a.contact.user.email)
    page.fill("input[name=password]", PASSWORD)
    page.click("form button[type=submit]")
    page.wait_for_url(f"{url}/portal/")
    assert page.evaluate("document.documentElement.lang") == "zh-CN"
    assert "客户门户" in page.content()
    assert page.locator(f"#engagement-{e.pk} .await-plan").is_visible()
    assert page.locator(f"#engagement-{e.pk} .await-documents").is_visible()
    assert page.locator(f"#engagement-{e_eval.pk} .await-survey").is_visible()
    _fits(page)
    shot(page, "portal-home-phone")

    # 8.3.1: confirm the plan, this version
    page.click(f"#engagement-{e.pk} .await-plan a")
    page.wait_for_selector("#confirm-plan")
    _fits(page)
    shot(page, "portal-engagement-phone")
    page.click("#confirm-plan")
    page.wait_for_selector(".alert-success")
    assert page.locator("#confirm-plan").count() == 0
    with scopes_disabled():
        plan = ConsultingPlan.objects.get(pk=plan.pk)
        assert plan.confirmed_by == a.contact and plan.version == 1
    shot(page, "portal-plan-confirmed-phone")

    # 8.5.2: download the delivered document; its SHA-256 is on the page
    page.goto(f"{url}/portal/engagements/{e.pk}/documents/#documents")
    sha = hashlib.sha256(CONTENT).hexdigest()
    assert sha in page.content()
    with page.expect_download() as info:
        page.click(f"#delivery-{deliveries[0].pk} .download-document")
    path = info.value.path()
    with open(path, "rb") as fh:
        assert hashlib.sha256(fh.read()).hexdigest() == sha
    page.locator("#documents").scroll_into_view_if_needed()
    shot(page, "portal-documents-phone")

    # 9.5: answer the survey
    page.goto(f"{url}/portal/")
    page.click(f"#engagement-{e_eval.pk} .await-survey a")
    page.wait_for_selector("#survey-form")
    for select in page.locator("#survey-form select").all():
        options = select.locator("option").all()
        select.select_option(options[-1].get_attribute("value"))
    for area in page.locator("#survey-form textarea").all():
        area.fill("顾问专业、响应及时")
    _fits(page)
    shot(page, "portal-survey-phone")
    page.click("#send-survey")
    page.wait_for_selector(".alert-success")
    with scopes_disabled():
        assert SurveyResponse.objects.filter(invitation=invitation, contact=a.contact).count() == 1

    # 9.4: file a complaint about the engagement
    page.goto(f"{url}/portal/complaints/new/?engagement={e.pk}")
    page.fill("textarea[name=description]", "第二次现场诊断人员迟到两小时，未提前告知")
    page.fill("textarea[name=remedy_sought]", "今后提前一天确认到场时间")
    page.check("input[name=safety_related]")
    _fits(page)
    shot(page, "portal-complaint-form-phone")
    page.click("#send-complaint")
    page.wait_for_selector("#complaint-status")
    with scopes_disabled():
        complaint = Complaint.objects.get(contact=a.contact)
        assert complaint.engagement_id == e.pk and complaint.channel == "portal"
    assert complaint.number in page.content()
    _fits(page)
    shot(page, "portal-complaint-phone")
