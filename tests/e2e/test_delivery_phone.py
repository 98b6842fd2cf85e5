"""Clause 8 on a phone: a consultant on the client's site records the site research visit
with a photo from the camera, adds a risk to the register and sees the risk chart."""

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
    assert page.evaluate("(img) => img.complete && img.naturalWidth > 0", img.element_handle())
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shot(page, "delivery-site-research-phone")

    # 8.4: a risk, assessed by LEC
    page.click("#nav-risks")
    page.wait_for_selector("#risk-chart")
    page.click("#add-risk")
    page.wait_for_selector("#record-form")
    page.fill("input[name=location]", "甲醇装卸站台")
    page.fill("textarea[name=hazard]", "装卸过程中甲醇泄漏，遇点火源引发火灾爆炸")
    page.check("input[name=method][value=LEC]")
    assert page.is_visible("#factors-LEC") and not page.is_visible("#factors-LS")
    page.select_option("select[name=lec_likelihood]", "3")
    page.select_option("select[name=exposure]", "6")
    page.select_option("select[name=consequence]", "40")
    page.fill("textarea[name=controls]", "设置静电接地报警器和可燃气体探测器，装卸作业专人监护")
    shot(page, "delivery-risk-form-phone")
    page.click("#save")
    page.wait_for_selector("#risk-table")
    with scopes_disabled():
        item = RiskItem.objects.get(engagement=e)
    assert (item.score, item.level) == (720, "major")
    bar = page.locator('#risk-chart g.bar[data-level="major"]')
    assert bar.get_attribute("data-count") == "1"
    assert page.locator("#risk-chart g.bar").count() == 4
    assert page.locator(f"#r{item.pk}").get_attribute("data-level") == "major"
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shot(page, "delivery-risk-register-phone")
