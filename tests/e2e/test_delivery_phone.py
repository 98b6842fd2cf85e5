"""Clause 8 on a phone: a consultant on the client's site records the site research visit
with a photo from the camera, adds a risk to the register and sees the risk chart."""

import datetime
import io

import pytest
from django.utils import timezone
from PIL import Image

from delivery.models import RiskItem, SiteResearch
from engagements.stages import Stage
from tests import factories as f
from tests.engagements.helpers import advance_to
from tests.factories import PASSWORD
from tests.scoping import scopes_disabled

pytestmark = pytest.mark.django_db(transaction=True)


def _photo():
    buf = io.BytesIO()
    image = Image.new("RGB", (640, 480), (70, 110, 160))
    for x in range(200, 440):
        for y in range(300, 340):
            image.putpixel((x, y), (230, 180, 40))
    image.save(buf, format="PNG")
    return buf.getvalue()


def test_site_research_and_risk_on_a_phone(phone_page, live_server, a, b, shot):
    with scopes_disabled():
        e = advance_to(f.EngagementFactory(client=a.client, lead_consultant=a.consultant,
                                           title="危化品企业安全生产标准化咨询"), Stage.DELIVERY)
    page = phone_page
    url = live_server.url
    page.goto(f"{url}/accounts/login/")
    page.fill("input[name=username]", a.consultant.email)
    page.fill("input[name=password]", PASSWORD)
    page.click("form button[type=submit]")
    page.wait_for_url(f"{url}/")

    # 8.1.1: the site visit, with a photo from the camera
    page.goto(f"{url}/engagements/{e.pk}/research/")
    page.click("#add-site-research")
    page.wait_for_selector("#site-research-form")
    photo = page.locator("input[name=photo]")
    assert photo.get_attribute("capture") == "environment"
    assert photo.get_attribute("accept") == "image/*"
    assert page.input_value("input[name=researched_on]") == timezone.localdate().isoformat()
    assert page.is_checked(f"input[name=researchers][value='{a.consultant.pk}']")
    page.fill("input[name=location]", "甲醇罐区及装卸站台")
    page.fill("textarea[name=collected]", "重大危险源备案资料、储罐检测报告、装卸作业规程")
    page.fill("textarea[name=notes]", "罐区防火堤有裂缝，需列入隐患清单")
    photo.set_input_files({"name": "罐区.png", "mimeType": "image/png", "buffer": _photo()})
    page.fill("input[name=caption]", "防火堤东南角裂缝")
    # the page fits the phone: nothing wider than the screen
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shot(page, "delivery-site-research-form-phone")
    page.click("#save")
    page.wait_for_selector(".site-research")
    with scopes_disabled():
        record = SiteResearch.objects.get(engagement=e)
        assert record.attachments.count() == 1
    img = page.locator(f"#site-{record.pk} img.delivery-thumb")
    img.wait_for()
    img.scroll_into_view_if_needed()  # the thumbnail loads lazily, once in view
    # served and decoded (a broken image never gets a width: the wait times out)
    page.wait_for_function("(img) => img.complete && img.naturalWidth > 0",
                           arg=img.element_handle(), timeout=15000)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shot(page, "delivery-site-research-phone")

    # 8.4: the units of the site on the register, then a risk of one, assessed by LEC
    page.click("#nav-risks")
    page.wait_for_selector("#risk-chart")
    assert page.is_visible("#no-units")
    for name in ("甲醇装卸站台", "甲类罐区"):
        page.click("#add-unit")
        page.wait_for_selector("#record-form")
        page.fill("input[name=name]", name)
        page.click("#save")
        page.wait_for_selector("#unit-list")
    assert page.locator(".unit-uncovered").count() == 2
    page.click("#add-risk")
    page.wait_for_selector("#record-form")
    page.select_option("select[name=unit]", label="甲醇装卸站台")
    page.fill("input[name=activity]", "甲醇槽车装卸作业")
    page.fill("textarea[name=hazard]", "装卸过程中甲醇泄漏，遇点火源引发火灾爆炸")
    page.select_option("select[name=accident_type]", "fire")
    page.fill("textarea[name=existing_controls]", "装卸鹤位设静电接地夹，配备干粉灭火器")
    page.check("input[name=method][value=LEC]")
    assert page.is_visible("#factors-LEC") and not page.is_visible("#factors-LS")
    page.select_option("select[name=lec_likelihood]", "3")
    page.select_option("select[name=exposure]", "6")
    page.select_option("select[name=consequence]", "40")
    page.select_option("select[name=control_level]", "workshop")
    page.fill("input[name=responsible_person]", "储运车间主任 许刚")
    page.fill("textarea[name=controls]", "设置静电接地报警器和可燃气体探测器，装卸作业专人监护")
    page.fill("input[name=measures_responsible]", "设备部 陈伟")
    page.fill("input[name=measures_due_on]",
              (timezone.localdate() + datetime.timedelta(days=30)).isoformat())
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shot(page, "delivery-risk-form-phone")
    page.click("#save")
    page.wait_for_selector("#risk-table")
    # one unit covered, the tank farm not yet (8.4.risk_coverage still open)
    assert page.locator(".unit-uncovered").count() == 1
    with scopes_disabled():
        item = RiskItem.objects.get(engagement=e)
    assert (item.score, item.level) == (720, "major")
    bar = page.locator('#risk-chart g.bar[data-level="major"]')
    assert bar.get_attribute("data-count") == "1"
    assert page.locator("#risk-chart g.bar").count() == 4
    assert page.locator(f"#r{item.pk}").get_attribute("data-level") == "major"
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shot(page, "delivery-risk-register-phone")
