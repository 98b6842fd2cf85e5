"""Issue 20, "What it must show": one new engagement walked in Chinese by a consultant,
from creating the client by import to the calendar entry of its follow-up visit, counting
the form submissions and the pages visited: fewer than the 45 submissions and 30 pages the
first try took.

Counted in both browser contexts (the consultant's and the client contact's, on a phone):

- a *submission* is every POST the browser sends (a form, or an htmx post that stays on
  the page: adding a working-group member);
- a *page* is every page the browser navigates to that is not the answer to a redirect
  (a link followed, an address opened, a mail's link); the page a form's redirect lands
  on is not another visit, and htmx requests (a row added in place, a PDF's status) are
  not pages.

The steps are the full walk's (tests/e2e/test_full_walk.py) up to the follow-up, but the
client comes from an Excel import, the engagement is opened from the import's page
("新建咨询项目" beside the imported client), a deliverable row is added and removed in place on the contract
(htmx), the client contact follows the links of the mails (the plan to confirm, the
documents delivered), and the walk ends on the calendar at the follow-up visit's day.
The client contact's portal login is set up by the test (the invitation and the
choice of a password happen in their mailbox and are tested in tests/clients).

Screenshots: docs/screenshots/walk-*.png.
"""

import calendar as pycalendar
import datetime
import io
from pathlib import Path

import pytest
from django.utils import timezone
from openpyxl import Workbook
from weasyprint import HTML

from consultancy.clients.models import Client
from contracts.models import Contract, Deliverable
from engagements.models import Engagement
from engagements.stages import Stage
from feedback.selectors import follow_up_summary
from tests import factories as f
from tests.delivery.helpers import PLAN
from tests.factories import PASSWORD
from tests.scoping import fresh, scopes_disabled

pytestmark = pytest.mark.django_db(transaction=True)

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
FEWER_SUBMISSIONS_THAN, FEWER_PAGES_THAN = 45, 30
CLIENT = "苏州华润精细化工有限公司"


class Counts:
    """The submissions and pages of every browser context it is attached to."""

    def __init__(self):
        self.submissions, self.pages = [], []

    def attach(self, page):
        page.on("request", self._request)
        return page

    def _request(self, request):
        if request.method == "POST":
            self.submissions.append(request.url)
        elif (request.is_navigation_request() and request.resource_type == "document"
              and request.redirected_from is None
              and request.frame == request.frame.page.main_frame):
            self.pages.append(request.url)


def _shot(page, name):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"walk-{name}.png"), full_page=True)


def _clients_workbook(path, credit_code):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["客户名称", "统一社会信用代码", "行业", "规模", "地址"])
    sheet.append([CLIENT, credit_code, "化工", "中型", "苏州工业园区星湖街 88 号"])
    out = io.BytesIO()
    workbook.save(out)
    path.write_bytes(out.getvalue())
    return path


def _advance(page, url, e, to):
    """The stage button, on the engagement page (opened only when not already on it)."""
    here = f"{url}/engagements/{e.pk}/"
    if page.url.split("#")[0].split("?")[0] != here:
        page.goto(here)
    assert page.is_enabled("#advance"), page.inner_text("#checklist")
    page.click("#advance")
    page.wait_for_selector(".alert-success")
    fresh(e)
    assert e.stage == to


def _post_form(page, value):
    page.click(f"form:has(input[name=form][value={value}]) button[type=submit]")
    page.wait_for_load_state()


def test_one_new_engagement_from_the_import_to_the_calendar(browser, live_server, a, b,
                                                             tmp_path):
    counts = Counts()
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900},
                                  extra_http_headers={"Accept-Language": "zh-CN"})
    page = counts.attach(context.new_page())
    page.on("dialog", lambda dialog: dialog.accept())
    url = live_server.url
    today = timezone.localdate()

    page.goto(f"{url}/accounts/login/")
    page.fill("input[name=username]", a.consultant.email)
    page.fill("input[name=password]", PASSWORD)
    page.click("form button[type=submit]")
    page.wait_for_url(f"{url}/")

    # -- the client, by import -----------------------------------------------------------
    page.click("nav a.nav-link[href='/clients/']")
    page.click("a[href='/clients/import/']")
    page.check("input[name=kind][value=clients]")
    page.set_input_files("input[name=file]",
                         str(_clients_workbook(tmp_path / "客户.xlsx", f.make_uscc(4242))))
    page.click("#import-form button.btn-primary")
    page.wait_for_selector("#import-all:enabled")
    _shot(page, "1-import-preview-zh")
    page.click("#import-all")
    page.wait_for_selector("#import-done")
    with scopes_disabled():
        client = Client.objects.get(firm=a.firm, name=CLIENT)
        # the client's contact with a portal login (the invitation is their mailbox's)
        contact = f.PortalContactFactory(client=client, name="赵立新",
                                         email="zhao.lixin@huarun.test")
    # "new engagement" for the client, straight from the import's page
    page.click(f"#imported-clients a[href='/engagements/new/?client={client.pk}']")

    # -- needs analysis (clause 5) -------------------------------------------------------
    assert page.input_value("select[name=client]") == str(client.pk)
    page.fill("input[name=title]", "精细化工企业安全生产标准化二级达标咨询")
    page.select_option("select[name=service_type]", "standardization")
    page.select_option("select[name=origin]", "request")
    page.click("form button.btn-primary")
    page.wait_for_selector("#checklist")
    with scopes_disabled():
        e = Engagement.objects.get(title="精细化工企业安全生产标准化二级达标咨询")
    page.goto(f"{url}/engagements/{e.pk}/needs/")
    for dim in ["scope", "capability", "client_resources", "risks", "schedule", "budget"]:
        page.fill(f"textarea[name={dim}_finding]", "经评估，满足要求")
        page.select_option(f"select[name={dim}_verdict]", "fine")
    page.fill("input[name=budget_min]", "80000")
    page.fill("input[name=budget_max]", "120000")
    page.fill("textarea[name=measures]", "提前发放资料清单，每周与客户沟通进度")
    page.fill("input[name=assessed_on]", today.isoformat())
    page.select_option("select[name=decision]", "proceed")
    page.click("form button.btn-primary")
    page.wait_for_selector("#checklist")
    _advance(page, url, e, Stage.COMMUNICATION)

    # -- communication (clause 6) --------------------------------------------------------
    page.goto(f"{url}/engagements/{e.pk}/communications/new/")
    page.fill("input[name=participants]", "客户安全总监、咨询顾问")
    page.fill("textarea[name=basic_situation]", "精细化工企业，员工 280 人")
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
    page.select_option("select[name=contact]", str(contact.pk))
    page.click("button.btn-warning")
    page.wait_for_selector("#versions .text-success")
    _advance(page, url, e, Stage.CONTRACTING)

    # -- contracting (clause 7): a row added and removed in place (htmx) -----------------
    page.goto(f"{url}/engagements/{e.pk}/contract/")
    page.click("#draft-contract")
    page.wait_for_selector("#issue-contract")
    page.click("a[href$='/edit/']")
    page.wait_for_selector("input[name=end_date]")
    if not page.input_value("input[name=start_date]"):
        page.fill("input[name=start_date]", today.isoformat())
    page.fill("input[name=end_date]", (today + datetime.timedelta(days=120)).isoformat())
    fee = page.input_value("input[name=fee]")
    # one follow-up visit, at the end of a guidance period of at most two weeks that ends
    # within the calendar's first page (the month's grid runs to the end of its last week),
    # whatever day the walk runs
    last = today.replace(day=pycalendar.monthrange(today.year, today.month)[1])
    period = min(14, (last + datetime.timedelta(days=6 - last.weekday()) - today).days)
    page.fill("input[name=guidance_period_days]", str(period))
    page.fill("input[name=follow_up_visits]", "1")
    page.select_option("select[name=deliverables-0-category]", "standardization")
    page.fill("input[name=deliverables-0-title]", "安全生产标准化管理制度汇编")
    page.fill("input[name=deliverables-0-due_date]",
              (today + datetime.timedelta(days=90)).isoformat())
    page.click("#add-deliverable")
    page.wait_for_selector("input[name=deliverables-1-title]")
    assert page.input_value("#id_deliverables-TOTAL_FORMS") == "2"
    page.fill("input[name=deliverables-1-title]", "多余的一行")
    _shot(page, "2-contract-row-added-zh")
    page.click("#deliverables-rows [data-row]:nth-child(2) [data-row-remove]")
    assert not page.is_visible("input[name=deliverables-1-title]")
    page.fill("input[name=installments-0-description]", "合同签订后 10 个工作日内")
    page.fill("input[name=installments-0-amount]", fee)
    page.click("form button.btn-primary")
    page.wait_for_selector("#contract-status")
    assert page.locator("#issue-problems").count() == 0, page.inner_text("#issue-problems")
    with scopes_disabled():
        contract = Contract.objects.get(engagement=e)
        assert [d.title for d in Deliverable.objects.filter(contract=contract)] == [
            "安全生产标准化管理制度汇编"]
    page.click("#issue-contract")
    page.wait_for_selector(".document-status[data-status=ready] a[href*='/download']")
    page.click("#record-signature")
    page.wait_for_selector("input[name=signed_copy]")
    page.select_option("select[name=firm_signatory]", str(a.consultant.pk))
    page.fill("input[name=client_signatory]", "赵立新（客户法定代表人）")
    signed = tmp_path / "signed-contract.pdf"
    HTML(string="<p>双方已签字盖章</p>").write_pdf(signed)
    page.set_input_files("input[name=signed_copy]", str(signed))
    page.click("form button.btn-success")
    page.wait_for_selector("#signed-sha")
    _advance(page, url, e, Stage.DELIVERY)

    # -- delivery (clause 8) -------------------------------------------------------------
    page.goto(f"{url}/engagements/{e.pk}/research/")
    page.click("#add-site-research")
    page.wait_for_selector("#site-research-form")
    page.fill("input[name=location]", "甲类仓库")
    page.fill("textarea[name=collected]", "危险化学品台账、重大危险源备案资料")
    page.click("#save")
    page.wait_for_selector(".site-research")
    page.click("#add-resource-research")
    page.wait_for_selector("#record-form")
    page.fill("textarea[name=resources_needed]", "气体检测仪、法规标准库")
    page.fill("textarea[name=findings]", "均已齐备")
    page.click("#save")
    page.wait_for_selector(".alert-success")

    # 8.2 the working group: members added in place (htmx), the page stays
    page.click("#nav-team")
    page.wait_for_selector("#member-form")
    for side, who, role, duty in [
            ("provider", str(a.consultant.pk), "项目组长", "统筹项目实施"),
            ("client", str(contact.pk), "客户联络人", "组织客户资料与整改")]:
        page.select_option("#member-form select[name=side]", side)
        field = "user" if side == "provider" else "contact"
        page.select_option(f"#member-form select[name={field}]", who)
        page.fill("#member-form input[name=role]", role)
        page.fill("#member-form textarea[name=responsibilities]", duty)
        page.click("#add-member-button")
        page.wait_for_selector(f".team-member[data-side={side}]")
    page.wait_for_selector("#team-ok")
    _shot(page, "3-working-group-zh")

    # 8.3 the plan: a milestone row added in place
    page.click("#nav-plan")
    for name, text in PLAN.items():
        page.fill(f"#plan-form textarea[name={name}]", text)
    total = int(page.input_value("#id_milestones-TOTAL_FORMS"))
    page.click("#add-milestone")
    page.wait_for_selector(f"input[name=milestones-{total}-title]")
    page.fill("input[name=milestones-0-title]", "诊断报告")
    page.fill("input[name=milestones-0-due_date]",
              (today + datetime.timedelta(days=20)).isoformat())
    page.fill(f"input[name=milestones-{total}-title]", "评审辅导")
    page.fill(f"input[name=milestones-{total}-due_date]",
              (today + datetime.timedelta(days=100)).isoformat())
    page.click("#save-plan")
    page.wait_for_selector("#approve-plan:enabled")
    page.fill("#approve-form textarea[name=notes]", "项目小组逐项讨论了分工、进度和培训计划，同意实施")
    page.click("#approve-plan")
    page.wait_for_selector("#issue-plan")
    page.click("#issue-plan")
    page.wait_for_selector("#plan-steps .document-status[data-status=ready] a[href*='/download']")

    # 8.3.1 the client confirms the plan in the portal, on a phone, from the mail's link
    portal_context = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844},
                                         is_mobile=True, has_touch=True,
                                         extra_http_headers={"Accept-Language": "zh-CN"})
    portal = counts.attach(portal_context.new_page())
    portal.on("dialog", lambda dialog: dialog.accept())
    portal.goto(f"{url}/portal/engagements/{e.pk}/")  # the link of the mail: log in first
    portal.fill("input[name=username]", contact.email)
    portal.fill("input[name=password]", PASSWORD)
    portal.click("form button[type=submit]")
    portal.wait_for_url(f"{url}/portal/engagements/{e.pk}/")
    portal.click("#confirm-plan")
    portal.wait_for_selector(".alert-success")
    _shot(portal, "4-plan-confirmed-phone-zh")

    # 8.4 a progress report shared with the client (from the list its save lands on), a
    # risk in the register
    page.goto(f"{url}/engagements/{e.pk}/progress/new/")
    page.fill("input[name=period_start]", (today - datetime.timedelta(days=7)).isoformat())
    page.fill("input[name=period_end]", today.isoformat())
    page.fill("textarea[name=work_done]", "完成现场诊断")
    page.fill("textarea[name=next_steps]", "编制制度文件")
    page.click("#save")
    page.wait_for_selector(".share-button")
    page.click(".share-button")
    page.wait_for_selector(".alert-success")
    page.goto(f"{url}/engagements/{e.pk}/risks/units/new/")
    page.fill("input[name=name]", "甲类仓库")
    page.click("#save")
    page.wait_for_selector("#unit-list")
    page.click("#add-risk")
    page.wait_for_selector("#record-form")
    page.select_option("select[name=unit]", label="甲类仓库")
    page.fill("input[name=activity]", "危险化学品入库作业")
    page.fill("textarea[name=hazard]", "易燃液体泄漏引发火灾")
    page.select_option("select[name=accident_type]", "fire")
    page.fill("textarea[name=existing_controls]", "仓库设可燃气体报警，通风良好")
    page.check("input[name=method][value=LEC]")
    page.select_option("select[name=lec_likelihood]", "3")
    page.select_option("select[name=exposure]", "6")
    page.select_option("select[name=consequence]", "40")
    page.select_option("select[name=control_level]", "workshop")
    page.fill("input[name=responsible_person]", "仓储部主任 许刚")
    page.fill("textarea[name=controls]", "入库前检查包装完好")
    page.fill("input[name=measures_responsible]", "设备部 陈伟")
    page.fill("input[name=measures_due_on]", (today + datetime.timedelta(days=30)).isoformat())
    page.click("#save")
    page.wait_for_selector("#risk-table")

    # 8.5 the contracted deliverable delivered; the client acknowledges it from the mail
    with scopes_disabled():
        [deliverable] = Deliverable.objects.filter(contract=contract)
    page.goto(f"{url}/engagements/{e.pk}/documents/new/")
    page.select_option("select[name=category]", deliverable.category)
    page.fill("input[name=title]", deliverable.title)
    page.select_option("select[name=deliverable]", str(deliverable.pk))
    doc = tmp_path / "deliverable.pdf"
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
    with portal.expect_navigation():
        portal.locator("#documents .acknowledge").first.click()
    portal.wait_for_selector(".alert-success")
    portal_context.close()
    _advance(page, url, e, Stage.EVALUATION)

    # -- evaluation ----------------------------------------------------------------------
    page.goto(f"{url}/engagements/{e.pk}/evaluation/")
    page.select_option("#acceptance select[name=contact]", str(contact.pk))
    page.select_option("#acceptance select[name=verdict]", "reservations")
    page.fill("#acceptance textarea[name=reasons]", "应急预案部分待下月补充")
    _post_form(page, "acceptance")
    page.wait_for_selector("#latest-acceptance")
    page.select_option("select[name=objectives-0-verdict]", "met")
    page.fill("textarea[name=objectives-0-evidence]", "评审组现场评审通过，得分 82 分")
    page.fill("#review textarea[name=conclusion]", "目标实现；应急预案补充后复查")
    _post_form(page, "review")
    page.wait_for_selector("#review-saved")
    _advance(page, url, e, Stage.FOLLOW_UP)

    # -- the follow-up visit on the calendar ---------------------------------------------
    with scopes_disabled():
        [due] = follow_up_summary(e).visit_due_dates
    page.click("#nav-calendar")
    page.wait_for_selector("#calendar-month")
    assert due == today + datetime.timedelta(days=period)
    entry = page.locator(f"#calendar-month [data-day='{due.isoformat()}']")
    assert e.number in entry.inner_text(), entry.inner_text()
    assert "回访" in entry.inner_text()
    _shot(page, "5-calendar-follow-up-visit-zh")

    submissions, pages = len(counts.submissions), len(counts.pages)
    print(f"\nissue 20 walk: {submissions} form submissions, {pages} pages visited")
    print("pages:\n  " + "\n  ".join(p.replace(url, "") for p in counts.pages))
    print("submissions:\n  " + "\n  ".join(s.replace(url, "") for s in counts.submissions))
    assert submissions < FEWER_SUBMISSIONS_THAN, counts.submissions
    assert pages < FEWER_PAGES_THAN, counts.pages
    context.close()
