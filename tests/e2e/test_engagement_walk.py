"""One engagement walked from needs analysis to contracting in the browser, in
Chinese, with screenshots of the list, a closed gate and the page after a transition."""

import pytest
from django.utils import timezone

from engagements.models import Engagement
from engagements.stages import Stage
from tests.factories import PASSWORD
from tests.scoping import fresh, scopes_disabled

pytestmark = pytest.mark.django_db(transaction=True)


def test_walk_from_needs_analysis_to_contracting(browser, live_server, a, b, shot):
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900},
                                  extra_http_headers={"Accept-Language": "zh-CN"})
    page = context.new_page()
    url = live_server.url
    page.goto(f"{url}/accounts/login/")
    page.fill("input[name=username]", a.consultant.email)
    page.fill("input[name=password]", PASSWORD)
    page.click("form button[type=submit]")
    page.wait_for_url(f"{url}/")

    # a new engagement
    page.goto(f"{url}/engagements/new/")
    page.select_option("select[name=client]", str(a.client.pk))
    page.fill("input[name=title]", "安全生产标准化二级达标咨询")
    page.select_option("select[name=service_type]", "standardization")
    page.select_option("select[name=origin]", "request")
    page.click("form button.btn-primary")
    page.wait_for_selector("#checklist")
    with scopes_disabled():
        e = Engagement.objects.get(title="安全生产标准化二级达标咨询")
    assert page.is_disabled("#advance")
    assert page.locator('#checklist [data-code="5.assessment"]').count() == 1

    # a draft assessment: the gate stays closed
    page.goto(f"{url}/engagements/{e.pk}/needs/")
    page.fill("textarea[name=scope_finding]", "属于本机构安全标准化咨询服务范围")
    page.select_option("select[name=scope_verdict]", "fine")
    page.click("form button.btn-primary")
    page.wait_for_selector("#checklist")
    assert "仍缺" in page.content() or "草稿" in page.content()
    assert page.is_disabled("#advance")
    shot(page, "engagement-gate-closed-zh")

    # complete it
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
    assert page.is_enabled("#advance")
    page.fill("#id_note", "需求分析完成")
    page.click("#advance")
    page.wait_for_selector(".alert-success")
    fresh(e)
    assert e.stage == Stage.COMMUNICATION
    shot(page, "engagement-after-transition-zh")

    # clause 6: communication, exchange, framework and its confirmation
    page.goto(f"{url}/engagements/{e.pk}/communications/new/")
    page.fill("input[name=participants]", "客户安全总监、李明")
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
    page.fill("textarea[name=timetable]", "三个月")
    page.fill("input[name=budget]", "100000")
    page.click("form button.btn-primary")
    page.wait_for_selector("select[name=contact]")
    page.select_option("select[name=contact]", str(a.contact.pk))
    page.click("button.btn-warning")
    page.wait_for_selector("#versions .text-success")
    page.goto(f"{url}/engagements/{e.pk}/")
    assert page.is_enabled("#advance")
    page.click("#advance")
    page.wait_for_selector(".alert-success")
    fresh(e)
    assert e.stage == Stage.CONTRACTING
    shot(page, "engagement-contracting-zh")

    page.goto(f"{url}/engagements/")
    assert e.number in page.content()
    shot(page, "engagement-list-zh")
    context.close()
