"""Issue 6: one engagement through every stage in the browser, in Chinese.

Clauses 5 and 6 are filled in on their pages; the contract (7) and the clause 8 records,
whose forms need uploads and issued PDFs, are made through the services (the same
helpers the other tests use); every transition is made with the engagement page's
button, and evaluation and clause 9 (acceptance, review, guidance, visits, a complaint
taken through its steps, the survey) through their pages. Time is moved once: the
guidance period is made to have ended (``end_guidance_period``)."""

import pytest
from django.utils import timezone
from django_scopes import scopes_disabled

from engagements.models import Engagement
from engagements.stages import Stage
from feedback.models import Complaint
from tests.delivery.helpers import meet_delivery
from tests.engagements.helpers import meet_contracting
from tests.factories import PASSWORD
from tests.feedback.helpers import end_guidance_period

pytestmark = pytest.mark.django_db(transaction=True)

def _advance(page, url, e, to):
    page.goto(f"{url}/engagements/{e.pk}/")
    assert page.is_enabled("#advance"), page.inner_text("#checklist")
    page.click("#advance")
    page.wait_for_selector(".alert-success")
    e.refresh_from_db()
    assert e.stage == to


def _post_form(page, value):
    """The submit button of the page's form with ``<input name=form value=...>``."""
    page.click(f"form:has(input[name=form][value={value}]) button[type=submit]")
    page.wait_for_load_state()


def test_one_engagement_through_every_stage_in_the_browser(browser, live_server, a, b, shot):
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900},
                                  extra_http_headers={"Accept-Language": "zh-CN"})
    page = context.new_page()
    url = live_server.url
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
    assert page.is_disabled("#advance") and "5.assessment" in page.inner_text("#checklist")
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

    # -- contracting (clause 7): the contract through the services, signed in the browser
    with scopes_disabled():
        contract = meet_contracting(e, render=False)
    visits = contract.follow_up_visits
    assert visits and visits >= 1
    _advance(page, url, e, Stage.DELIVERY)

    # -- delivery (clause 8): its records through the services, handed over here ------
    with scopes_disabled():
        meet_delivery(e)
    _advance(page, url, e, Stage.EVALUATION)
    shot(page, "full-walk-1-evaluation-zh")

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
    shot(page, "full-walk-2-evaluation-page-zh")
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
    steps = [("acknowledge", {}), ("assess", {"select[name=severity]": "low"}),
             ("investigate", {"textarea[name=findings]": "回访时间未提前与客户确认"}),
             ("respond", {"textarea[name=decision]": "今后回访提前一周书面预约"}),
             ("close", {"textarea[name=complainant_acceptance]": "客户电话确认接受"})]
    for step, fields in steps:
        card = f"#step-{step}"
        for selector, value in fields.items():
            if selector.startswith("select"):
                page.select_option(f"{card} {selector}", value)
            else:
                page.fill(f"{card} {selector}", value)
        page.click(f"{card} button[type=submit]")
        page.wait_for_selector(".alert-success")
        if step == "respond":
            shot(page, "full-walk-3-complaint-zh")
    page.wait_for_selector("#no-step")
    with scopes_disabled():
        complaint.refresh_from_db()
        assert complaint.status == "closed" and complaint.steps.count() == 6

    page.goto(f"{url}/engagements/{e.pk}/survey/")
    page.click("#send-survey")
    page.wait_for_selector("#survey-sent")

    page.goto(f"{url}/engagements/{e.pk}/")
    assert page.is_disabled("#advance")
    assert "9.1.guidance" in page.inner_text("#checklist")  # the period runs on
    with scopes_disabled():
        end_guidance_period(e)
    page.goto(follow_up)
    shot(page, "full-walk-4-follow-up-zh")
    _advance(page, url, e, Stage.CLOSED)
    shot(page, "full-walk-5-closed-zh")

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

