"""One engagement through every stage in the browser, in Chinese.

Everything is done on the pages, as the consultant (``a.consultant``) in one browser context
and the client contact (``a.contact.user``) in a second one, in the portal:

- clause 5 (needs analysis) and clause 6 (communication, exchange, the project framework and
  its confirmation) on their pages;
- clause 7: the contract drafted from the firm's template on the contract page, its dates,
  deliverable and payment filled in the draft form, issued (the PDF renders on commit, Celery
  eager; the htmx status shows the download), the signature recorded with both signatories,
  the dates and an upload of the signed copy (a real PDF made with WeasyPrint in tmp_path);
- clause 8: site research (8.1.1, by the consultant with a valid qualification), resource
  research (8.1.2), the working group from both sides with responsibilities and our RSE
  (8.2), the consulting plan's sections, the team's approval and its issue as a PDF (8.3),
  the client's confirmation of the plan IN THE PORTAL (8.3.1), a progress report shared with
  the client and a risk in the register (8.4), each contracted deliverable uploaded to the
  library, delivered, and acknowledged IN THE PORTAL (8.5);
- every transition with the engagement page's button;
- evaluation and clause 9 (acceptance, review, guidance, visits, a complaint taken through
  its steps, the survey) on their pages.

No service shortcut is left for any stage's records. Time is moved once: the guidance
period is made to have ended (``end_guidance_period``). Screenshots: the signed contract,
the plan confirmed in the portal, evaluation, complaint, follow-up and the closed
engagement (``var/screenshots/full-walk-*-zh.png``)."""

import datetime
import hashlib

import pytest
from django.utils import timezone
from weasyprint import HTML

from contracts.models import Contract, Deliverable
from delivery.models import ConsultingPlan, DocumentDelivery
from engagements.models import Engagement
from engagements.stages import Stage
from feedback.models import Complaint
from tests.delivery.helpers import PLAN
from tests.factories import PASSWORD
from tests.feedback.helpers import end_guidance_period
from tests.scoping import fresh, scopes_disabled

pytestmark = pytest.mark.django_db(transaction=True)

def _advance(page, url, e, to):
    page.goto(f"{url}/engagements/{e.pk}/")
    assert page.is_enabled("#advance"), page.inner_text("#checklist")
    page.click("#advance")
    page.wait_for_selector(".alert-success")
    fresh(e)
    assert e.stage == to


def _post_form(page, value):
    """The submit button of the page's form with ``<input name=form value=...>``."""
    page.click(f"form:has(input[name=form][value={value}]) button[type=submit]")
    page.wait_for_load_state()


def test_one_engagement_through_every_stage_in_the_browser(browser, live_server, a, b, shot,
                                                            tmp_path):
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900},
                                  extra_http_headers={"Accept-Language": "zh-CN"})
    page = context.new_page()
    page.on("dialog", lambda dialog: dialog.accept())
    url = live_server.url
    today = timezone.localdate()
    page.goto(f"{url}/accounts/login/")
    page.fill("input[name=username]", a.consultant.email)
    page.fill("input[name=password]", PASSWORD)
    page.click("form button[type=submit]")
    page.wait_for_url(f"{url}/")

    # -- needs analysis (clause 5) ----------------------------------------------------
    page.goto(f"{url}/engagements/new/")
    page.select_option("select[name=client]", str(a.client.pk))
    page.fill("input[name=title]", "危险化学品企业安全生产标准化二级达标咨询")
    page.select_option("select[name=service_type]", "standardization")
    page.select_option("select[name=origin]", "request")
    page.click("form button.btn-primary")
    page.wait_for_selector("#checklist")
    with scopes_disabled():
        e = Engagement.objects.get(title="危险化学品企业安全生产标准化二级达标咨询")
    assert page.is_disabled("#advance")
    assert page.locator('#checklist [data-code="5.assessment"]').count() == 1
    page.goto(f"{url}/engagements/{e.pk}/needs/")
    for dim in ["scope", "capability", "client_resources", "risks", "schedule", "budget"]:
        page.fill(f"textarea[name={dim}_finding]", "经评估，满足要求")
        page.select_option(f"select[name={dim}_verdict]", "fine")
    page.fill("input[name=budget_min]", "80000")
    page.fill("input[name=budget_max]", "120000")
    page.fill("textarea[name=measures]", "提前发放资料清单，每周与客户沟通进度")
    page.fill("input[name=assessed_on]", timezone.localdate().isoformat())
    page.select_option("select[name=decision]", "proceed")
    page.click("form button.btn-primary")
    page.wait_for_selector("#checklist")
    _advance(page, url, e, Stage.COMMUNICATION)

    # -- communication (clause 6) -----------------------------------------------------
    page.goto(f"{url}/engagements/{e.pk}/communications/new/")
    page.fill("input[name=participants]", "客户安全总监、咨询顾问")
    page.fill("textarea[name=basic_situation]", "危化品生产企业，员工 320 人")
    page.fill("textarea[name=explicit_needs]", "通过安全生产标准化二级评审")
    page.fill("textarea[name=latent_needs]", "双重预防机制建设")
    page.click("form button.btn-primary")
    page.wait_for_selector("#checklist")
    page.goto(f"{url}/engagements/{e.pk}/exchanges/new/")
    page.fill("input[name=participants]", "双方项目负责人")
    page.fill("textarea[name=objectives]", "年内通过二级评审")
    page.fill("textarea[name=main_content]", "制度文件编制、现场隐患排查")
    page.fill("textarea[name=implementation_approach]", "驻场与远程结合")
    page.fill("textarea[name=rights_and_obligations]", "客户提供资料，咨询方按期交付")
    page.click("form button.btn-primary")
    page.wait_for_selector("#checklist")
    page.goto(f"{url}/engagements/{e.pk}/framework/")
    page.fill("textarea[name=objectives]", "通过安全生产标准化二级评审")
    page.fill("textarea[name=scope]", "全厂区")
    page.fill("textarea[name=approach]", "诊断—整改—评审辅导")
    page.fill("textarea[name=timetable]", "四个月")
    page.fill("input[name=budget]", "100000")
    page.click("form button.btn-primary")
    page.wait_for_selector("select[name=contact]")
    page.select_option("select[name=contact]", str(a.contact.pk))
    page.click("button.btn-warning")
    page.wait_for_selector("#versions .text-success")
    _advance(page, url, e, Stage.CONTRACTING)

    # -- contracting (clause 7): drafted from the template, filled, issued, signed ------
    page.goto(f"{url}/engagements/{e.pk}/contract/")
    page.click("#draft-contract")
    page.wait_for_selector("#issue-contract")
    page.click("a[href$='/edit/']")
    page.wait_for_selector("input[name=end_date]")
    if not page.input_value("input[name=start_date]"):
        page.fill("input[name=start_date]", today.isoformat())
    page.fill("input[name=end_date]", (today + datetime.timedelta(days=120)).isoformat())
    assert page.input_value("input[name=fee]"), "the fee comes from the framework's budget"
    fee = page.input_value("input[name=fee]")
    assert page.input_value("input[name=follow_up_visits]")
    page.select_option("select[name=deliverables-0-category]", "standardization")
    page.fill("input[name=deliverables-0-title]", "安全生产标准化管理制度汇编")
    page.fill("input[name=deliverables-0-due_date]",
              (today + datetime.timedelta(days=90)).isoformat())
    page.fill("input[name=installments-0-description]", "合同签订后 10 个工作日内")
    page.fill("input[name=installments-0-amount]", fee)
    page.click("form button.btn-primary")
    page.wait_for_selector("#contract-status")
    assert page.locator("#issue-problems").count() == 0, page.inner_text("#issue-problems")
    page.click("#issue-contract")
    # the PDF renders on commit (Celery eager); the htmx status shows the download
    page.wait_for_selector(".document-status[data-status=ready] a[href*='/download']")
    page.click("#record-signature")
    page.wait_for_selector("input[name=signed_copy]")
    page.select_option("select[name=firm_signatory]", str(a.consultant.pk))
    page.fill("input[name=client_signatory]", "张建国（客户法定代表人）")
    assert page.input_value("input[name=firm_signed_on]") == today.isoformat()
    signed = tmp_path / "signed-contract.pdf"
    HTML(string="<p>双方已签字盖章</p>").write_pdf(signed)
    page.set_input_files("input[name=signed_copy]", str(signed))
    page.click("form button.btn-success")
    page.wait_for_selector("#signed-sha")
    with scopes_disabled():
        contract = Contract.objects.get(engagement=e)
    assert contract.status == "signed"
    assert page.inner_text("#signed-sha").strip() == hashlib.sha256(
        signed.read_bytes()).hexdigest()
    shot(page, "full-walk-1-contract-signed-zh")
    visits = contract.follow_up_visits
    assert visits and visits >= 1
    _advance(page, url, e, Stage.DELIVERY)

    # -- delivery (clause 8) ------------------------------------------------------------
    # 8.1.1 site research, by the consultant (valid qualification), 8.1.2 resources
    page.goto(f"{url}/engagements/{e.pk}/research/")
    page.click("#add-site-research")
    page.wait_for_selector("#site-research-form")
    assert page.is_checked(f"input[name=researchers][value='{a.consultant.pk}']")
    page.fill("input[name=location]", "甲醇罐区")
    page.fill("textarea[name=collected]", "危险化学品台账、重大危险源备案资料")
    page.click("#save")
    page.wait_for_selector(".site-research")
    page.click("#add-resource-research")
    page.wait_for_selector("#record-form")
    page.fill("textarea[name=resources_needed]", "气体检测仪、法规标准库")
    page.fill("textarea[name=findings]", "均已齐备")
    page.click("#save")
    page.wait_for_selector(".alert-success")

    # 8.2 the working group: both sides with responsibilities; our RSE
    page.goto(f"{url}/engagements/{e.pk}/team/")
    for side, who, role, duty in [
            ("provider", str(a.consultant.pk), "项目组长", "统筹项目实施"),
            ("client", str(a.contact.pk), "客户联络人", "组织客户资料与整改")]:
        page.select_option("#member-form select[name=side]", side)
        field = "user" if side == "provider" else "contact"
        page.select_option(f"#member-form select[name={field}]", who)
        page.fill("#member-form input[name=role]", role)
        page.fill("#member-form textarea[name=responsibilities]", duty)
        page.click("#add-member-button")
        page.wait_for_selector(f".team-member[data-side={side}]")
    page.wait_for_selector("#team-ok")

    # 8.3 the consulting plan: sections, the team's approval, issued as a PDF
    page.goto(f"{url}/engagements/{e.pk}/plan/")
    for name, text in PLAN.items():
        page.fill(f"#plan-form textarea[name={name}]", text)
    page.fill("input[name=milestones-0-title]", "诊断报告")
    page.fill("input[name=milestones-0-due_date]",
              (today + datetime.timedelta(days=20)).isoformat())
    page.click("#save-plan")
    page.wait_for_selector("#approve-plan:enabled")
    # 8.3.1 经项目小组讨论通过: the lead (our RSE) took part; the conclusion is recorded
    assert page.is_checked(f"#approve-form input[name=participants][value='{a.consultant.pk}']")
    page.fill("#approve-form textarea[name=notes]", "项目小组逐项讨论了分工、进度和培训计划，同意实施")
    page.click("#approve-plan")
    page.wait_for_selector("#plan-review")
    page.wait_for_selector("#issue-plan")
    page.click("#issue-plan")
    page.wait_for_selector("#plan-steps .document-status[data-status=ready] a[href*='/download']")

    # 8.3.1 the client confirms the plan in the portal
    portal_context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900},
                                         extra_http_headers={"Accept-Language": "zh-CN"})
    portal = portal_context.new_page()
    portal.goto(f"{url}/accounts/login/")
    portal.fill("input[name=username]", a.contact.user.email)
    portal.fill("input[name=password]", PASSWORD)
    portal.click("form button[type=submit]")
    portal.wait_for_url(f"{url}/portal/")
    portal.goto(f"{url}/portal/engagements/{e.pk}/")
    portal.click("#confirm-plan")
    portal.wait_for_selector(".alert-success")
    assert portal.locator("#confirm-plan").count() == 0
    with scopes_disabled():
        plan = ConsultingPlan.objects.get(engagement=e)
        assert plan.confirmed_by == a.contact
    portal.locator("#plan").scroll_into_view_if_needed()
    shot(portal, "full-walk-2-plan-confirmed-in-portal-zh")

    # 8.4 a progress report shared with the client, a risk in the register
    page.goto(f"{url}/engagements/{e.pk}/progress/new/")
    page.fill("input[name=period_start]", (today - datetime.timedelta(days=7)).isoformat())
    page.fill("input[name=period_end]", today.isoformat())
    page.fill("textarea[name=work_done]", "完成现场诊断")
    page.fill("textarea[name=next_steps]", "编制制度文件")
    page.click("#save")
    page.wait_for_selector(".alert-success")
    page.goto(f"{url}/engagements/{e.pk}/progress/")
    page.click(".share-button")  # confirm() is accepted by the dialog handler
    page.wait_for_selector(".alert-success")
    assert page.locator(".share-button").count() == 0
    page.goto(f"{url}/engagements/{e.pk}/risks/units/new/")
    page.fill("input[name=name]", "甲醇罐区")
    page.click("#save")
    page.wait_for_selector("#unit-list")
    page.click("#add-risk")
    page.wait_for_selector("#record-form")
    page.select_option("select[name=unit]", label="甲醇罐区")
    page.fill("input[name=activity]", "甲醇储罐收料作业")
    page.fill("textarea[name=hazard]", "甲醇泄漏引发火灾爆炸")
    page.select_option("select[name=accident_type]", "fire")
    page.fill("textarea[name=existing_controls]", "储罐设高液位报警，防火堤完好")
    page.check("input[name=method][value=LEC]")
    page.select_option("select[name=lec_likelihood]", "3")
    page.select_option("select[name=exposure]", "6")
    page.select_option("select[name=consequence]", "40")
    page.select_option("select[name=control_level]", "workshop")
    page.fill("input[name=responsible_person]", "储运车间主任 许刚")
    page.fill("textarea[name=controls]", "设置可燃气体报警")
    page.fill("input[name=measures_responsible]", "设备部 陈伟")
    page.fill("input[name=measures_due_on]", (today + datetime.timedelta(days=30)).isoformat())
    page.click("#save")
    page.wait_for_selector("#risk-table")

    # 8.5 each contracted deliverable delivered as a document, acknowledged in the portal
    with scopes_disabled():
        deliverables = list(Deliverable.objects.filter(contract=contract))
    assert deliverables
    for n, deliverable in enumerate(deliverables):
        page.goto(f"{url}/engagements/{e.pk}/documents/new/")
        page.select_option("select[name=category]", deliverable.category)
        page.fill("input[name=title]", deliverable.title)
        page.select_option("select[name=deliverable]", str(deliverable.pk))
        doc = tmp_path / f"deliverable-{n}.pdf"
        HTML(string=f"<h1>{deliverable.title}</h1>").write_pdf(doc)
        page.set_input_files("input[name=file]", str(doc))
        page.click("form button.btn-primary")
        page.wait_for_selector(".alert-success")
    page.goto(f"{url}/engagements/{e.pk}/documents/deliver/")
    for box in page.locator("#deliver-form input[name=versions]").all():
        box.check()
    page.click("#deliver")
    page.wait_for_selector(".alert-success")
    portal.goto(f"{url}/portal/engagements/{e.pk}/documents/")
    acknowledge = portal.locator("#documents .acknowledge")
    assert acknowledge.count() == len(deliverables)
    while acknowledge.count():
        with portal.expect_navigation():
            acknowledge.first.click()
        portal.wait_for_selector(".alert-success")
    portal.locator("#documents").scroll_into_view_if_needed()
    assert portal.locator("#documents .text-success").count() == len(deliverables)
    with scopes_disabled():
        assert DocumentDelivery.objects.filter(engagement=e).count() == len(
            deliverables)
        assert not DocumentDelivery.objects.filter(engagement=e,
                                                   acknowledged_on=None).exists()
    portal_context.close()
    _advance(page, url, e, Stage.EVALUATION)
    shot(page, "full-walk-3-evaluation-zh")

    # -- evaluation: the client's verdict and our review ------------------------------
    page.goto(f"{url}/engagements/{e.pk}/evaluation/")
    page.select_option("#acceptance select[name=contact]", str(a.contact.pk))
    page.select_option("#acceptance select[name=verdict]", "reservations")
    page.fill("#acceptance textarea[name=reasons]", "应急预案部分待下月补充")
    _post_form(page, "acceptance")
    page.wait_for_selector("#latest-acceptance")
    assert page.input_value("input[name=objectives-0-objective]") == "通过安全生产标准化二级评审"
    page.select_option("select[name=objectives-0-verdict]", "met")
    page.fill("textarea[name=objectives-0-evidence]", "评审组现场评审通过，得分 82 分")
    page.fill("#review textarea[name=conclusion]", "目标实现；应急预案补充后复查")
    _post_form(page, "review")
    page.wait_for_selector("#review-saved")
    shot(page, "full-walk-4-evaluation-page-zh")
    _advance(page, url, e, Stage.FOLLOW_UP)

    # -- follow-up (9.1, 9.2), a complaint (9.4), the survey (9.5) --------------------
    follow_up = f"{url}/engagements/{e.pk}/follow-up/"
    page.goto(follow_up)
    page.fill("input[name=topic]", "隐患排查台账")
    page.fill("textarea[name=advice]", "按月更新隐患排查治理台账，闭环管理")
    _post_form(page, "guidance")
    page.wait_for_selector("[id^=guidance-]")
    for i in range(visits):
        page.fill("textarea[name=discussed]", f"第 {i + 1} 次回访：制度执行情况良好")
        page.check("input[name=plan_needs_adjusting][value=no]")
        _post_form(page, "visit")
        page.wait_for_selector(".alert-success")
    assert page.locator("[id^=visit-]").count() == visits

    page.goto(f"{url}/complaints/new/")
    page.select_option("select[name=channel]", "phone")
    page.select_option("select[name=engagement]", str(e.pk))
    page.fill("input[name=complainant_name]", "王主任")
    page.fill("textarea[name=description]", "回访时间安排与生产检修冲突")
    page.fill("textarea[name=remedy_sought]", "回访提前一周预约")
    page.click("#complaint-form button[type=submit]")
    page.wait_for_selector("#steps-taken")
    with scopes_disabled():
        complaint = Complaint.objects.get(engagement=e)
    steps = [("acknowledge", {"textarea[name=acknowledgement]": "电话告知王主任已受理，说明投诉编号和答复时限"}),
             ("assess", {"select[name=severity]": "low", "select[name=cause]": "沟通",
                         "textarea[name=assessment]": "回访安排沟通不足，影响客户生产"}),
             ("investigate", {"textarea[name=findings]": "回访时间未提前与客户确认"}),
             ("respond", {"textarea[name=decision]": "今后回访提前一周书面预约"})]

    def take(step, fields):
        card = f"#step-{step}"
        for selector, value in fields.items():
            if selector == "select[name=cause]":
                page.select_option(f"{card} {selector}", label=value)
            elif selector.startswith("select"):
                page.select_option(f"{card} {selector}", value)
            else:
                page.fill(f"{card} {selector}", value)
        page.click(f"{card} button[type=submit]")
        page.wait_for_selector(".alert-success")

    for step, fields in steps:
        take(step, fields)
        if step == "respond":
            shot(page, "full-walk-5-complaint-zh")
    # 9.4: closing waits for the corrective action: recorded, then done
    page.click("#new-action summary")
    page.fill("textarea[name=action-description]", "回访前一周书面预约并请客户确认时间")
    page.fill("input[name=action-due_on]", today.isoformat())
    page.click("#new-action button[type=submit]")
    page.wait_for_selector("#action-list")
    page.click("#action-list details summary")
    page.fill("#action-list textarea[name$=done_note]", "已修订回访预约流程并通知项目组")
    page.click("#action-list details button[type=submit]")
    page.wait_for_selector("#action-list .badge.text-bg-primary")
    take("close", {"textarea[name=complainant_acceptance]": "客户电话确认接受"})
    page.wait_for_selector("#no-step")
    with scopes_disabled():
        complaint.refresh_from_db()
        assert complaint.status == "closed" and complaint.steps.count() == 6

    page.goto(f"{url}/engagements/{e.pk}/survey/")
    page.click("#send-survey")
    page.wait_for_selector("#survey-sent")

    page.goto(f"{url}/engagements/{e.pk}/")
    assert page.is_disabled("#advance")
    assert page.locator('#checklist [data-code="9.1.guidance"]').count() == 1  # the period runs on
    with scopes_disabled():
        end_guidance_period(e)
    page.goto(follow_up)
    shot(page, "full-walk-6-follow-up-zh")
    _advance(page, url, e, Stage.CLOSED)
    shot(page, "full-walk-7-closed-zh")

    # closed: the follow-up records are frozen
    page.goto(follow_up)
    assert page.locator("form:has(input[name=form][value=visit])").count() == 0

    # firm b sees none of it
    context.close()
    other = browser.new_context(locale="zh-CN")
    page = other.new_page()
    page.goto(f"{url}/accounts/login/")
    page.fill("input[name=username]", b.manager.email)
    page.fill("input[name=password]", PASSWORD)
    page.click("form button[type=submit]")
    page.wait_for_url(f"{url}/")
    assert page.goto(f"{url}/engagements/{e.pk}/").status == 404
    assert page.goto(f"{url}/complaints/{complaint.pk}/").status == 404
    other.close()

