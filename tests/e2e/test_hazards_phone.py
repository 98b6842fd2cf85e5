"""Hidden dangers on a phone, in Chinese: a consultant on the client's site records a major
hidden danger with a photo; the client's contact acknowledges it in the portal and submits
the rectification with a photo; the consultant verifies it on site and it is closed."""

import datetime
import io

import pytest
from django.utils import timezone
from PIL import Image

from engagements.stages import Stage
from hazards.models import HiddenDanger
from tests import factories as f
from tests.engagements.helpers import advance_to
from tests.factories import PASSWORD
from tests.scoping import scopes_disabled

pytestmark = pytest.mark.django_db(transaction=True)


def _photo(colour):
    buf = io.BytesIO()
    image = Image.new("RGB", (640, 480), colour)
    for x in range(160, 480):
        for y in range(200, 260):
            image.putpixel((x, y), (250, 250, 250))
    image.save(buf, format="JPEG")
    return buf.getvalue()


def _login(page, url, email):
    page.goto(f"{url}/accounts/login/")
    page.fill("input[name=username]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("form button[type=submit]")
    page.wait_for_load_state()


def test_a_major_hidden_danger_recorded_rectified_and_verified_on_phones(
        phone_page, browser, live_server, a, b, shot):
    with scopes_disabled():
        a.client.industry = "chemical"
        a.client.save()
        e = advance_to(f.EngagementFactory(client=a.client, lead_consultant=a.consultant,
                                           title="危化品企业安全生产标准化咨询"), Stage.DELIVERY)
    url = live_server.url
    page = phone_page
    _login(page, url, a.consultant.email)

    # the consultant on site: one short form, a photo from the phone
    page.goto(f"{url}/engagements/{e.pk}/hazards/")
    page.click("#record-hazard")
    page.wait_for_selector("#hazard-form")
    page.fill("input[name=location]", "甲醇罐区")
    page.fill("textarea[name=description]", "防火堤内可燃气体检测报警器故障停用，无替代监测")
    page.check("input[name=grade][value=major]")
    page.select_option("select[name=criterion]", index=1)
    page.select_option("select[name=category]", "site")
    page.select_option("select[name=subtype]", "equipment")
    page.fill("input[name=deadline]",
              (timezone.localdate() + datetime.timedelta(days=3)).isoformat())
    page.fill("input[name=responsible_person]", "设备部 王建国")
    page.fill("textarea[name=recommendation]", "立即更换报警器并接入 DCS，修复前专人巡检")
    page.fill("textarea[name=basis]", "GB/T 50493-2019 第 3.0.1 条")
    page.select_option("select[name=source]", "guidance")
    page.locator("input[name=photos]").set_input_files(
        {"name": "罐区.jpg", "mimeType": "image/jpeg", "buffer": _photo((190, 60, 50))})
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shot(page, "hazard-record-form-phone")
    page.click("#save")
    page.wait_for_selector("#hazard-card")
    with scopes_disabled():
        danger = HiddenDanger.objects.get(engagement=e)
    assert danger.state == "notified"  # a major one: notified the same day
    img = page.locator("#found-photos img")
    img.scroll_into_view_if_needed()
    # served and decoded (a broken image never gets a width: the wait times out)
    page.wait_for_function("(i) => i.complete && i.naturalWidth > 0",
                           arg=img.element_handle(), timeout=15000)
    assert "重大隐患" in page.inner_text("#hazard-card")
    shot(page, "hazard-major-recorded-phone")

    # the client's contact, in the portal, on their phone
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True,
                                  has_touch=True, locale="zh-CN", device_scale_factor=2)
    client_page = context.new_page()
    _login(client_page, url, a.contact.email)
    client_page.goto(f"{url}/portal/engagements/{e.pk}/risks/#hazards")
    client_page.click(f"#portal-hazard-{danger.pk}")
    client_page.wait_for_selector("#acknowledge-hazard")
    client_page.click("#acknowledge-hazard")
    client_page.wait_for_selector("#rectification-form")
    client_page.fill("textarea[name=measures]", "已更换 2 台报警器并接入 DCS，完成标定")
    client_page.locator("input[name=photos]").set_input_files(
        {"name": "整改后.jpg", "mimeType": "image/jpeg", "buffer": _photo((60, 150, 80))})
    shot(client_page, "hazard-portal-rectification-phone")
    client_page.click("#submit-rectification")
    client_page.wait_for_selector("#hazard-card")
    assert "整改已提交" in client_page.inner_text("body")
    shot(client_page, "hazard-portal-submitted-phone")
    context.close()

    # the consultant verifies on site
    page.goto(f"{url}/engagements/{e.pk}/hazards/{danger.pk}/")
    page.wait_for_selector("#verify-form")
    page.check("input[name=passed][value='1']")
    page.fill("textarea[name=note]", "现场查看报警器运行正常，DCS 画面显示在线，合格")
    page.click("#verify")
    page.wait_for_selector("#hazard-card")
    with scopes_disabled():
        assert HiddenDanger.objects.get(pk=danger.pk).state == "closed"
    assert page.locator("#rectified-photos img").count() == 1
    shot(page, "hazard-verified-phone")
    page.goto(f"{url}/engagements/{e.pk}/hazards/")
    page.wait_for_selector("#hazard-stats")
    assert page.inner_text("#stat-rate") == "100.0%"
    shot(page, "hazard-ledger-phone")
