"""The pages: firm and company isolation on every URL and photo, the record form with
photos, the verification, the portal's client acts, the Excel export with the formula
guard, and the ledger's queries not growing with its rows."""

import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from consultancy.tenancy.scoping import firm_scope
from hazards.models import HiddenDanger, HiddenDangerPhoto
from tests import factories as f
from tests.conftest import login
from tests.hazards.helpers import criterion, fingerprint, photo, record, refresh, to_state
from tests.scoping import scopes_disabled

pytestmark = pytest.mark.django_db


@pytest.fixture
def dangers(a, b, eng):
    """In each firm: one notified major hidden danger with a photo."""
    return {w.firm.pk: record(eng[w.firm.pk], w.consultant, major=True) for w in (a, b)}


def staff_urls(d):
    with scopes_disabled():
        p = HiddenDangerPhoto.objects.filter(danger=d).first()
    e = d.engagement_id
    return {
        "ledger": ("get", reverse("hazards:ledger", args=[e])),
        "export": ("get", reverse("hazards:export", args=[e])),
        "record": ("get", reverse("hazards:record", args=[e])),
        "detail": ("get", reverse("hazards:detail", args=[e, d.pk])),
        "photo": ("get", reverse("hazards:photo", args=[e, p.pk])),
        "notify": ("post", reverse("hazards:notify", args=[e, d.pk])),
        "photo_add": ("post", reverse("hazards:photo_add", args=[e, d.pk])),
        "verify": ("post", reverse("hazards:verify", args=[e, d.pk])),
        "refusal": ("post", reverse("hazards:refusal", args=[e, d.pk])),
    }


def portal_urls(d):
    with scopes_disabled():
        p = HiddenDangerPhoto.objects.filter(danger=d).first()
    e = d.engagement_id
    return {
        "hazard": ("get", reverse("portal:hazard", args=[e, d.pk])),
        "photo": ("get", reverse("portal:hazard_photo", args=[e, p.pk])),
        "acknowledge": ("post", reverse("portal:hazard_acknowledge", args=[e, d.pk])),
        "submit": ("post", reverse("portal:hazard_submit", args=[e, d.pk])),
    }


def test_our_pages_answer(client, a, dangers):
    login(client, a.consultant)
    for name, (method, url) in staff_urls(dangers[a.firm.pk]).items():
        if method == "get":
            assert client.get(url).status_code == 200, name
    login(client, a.contact.user)
    for name, (method, url) in portal_urls(dangers[a.firm.pk]).items():
        if method == "get":
            assert client.get(url).status_code == 200, name


def test_another_firm_gets_404_on_every_url_and_photo(client, a, b, dangers):
    theirs = dangers[b.firm.pk]
    for user in (a.consultant, a.manager):
        login(client, user)
        for name, (method, url) in staff_urls(theirs).items():
            assert getattr(client, method)(url).status_code == 404, (user, name)
    login(client, a.contact.user)
    for name, (method, url) in portal_urls(theirs).items():
        assert getattr(client, method)(url).status_code == 404, name
    with scopes_disabled():
        assert refresh(theirs).state == "notified"


def test_another_companys_contact_gets_404_on_every_url_and_photo(client, a, dangers):
    with scopes_disabled():
        other = f.PortalContactFactory(client=f.ClientFactory(firm=a.firm),
                                       email="other@a.test")
    login(client, other.user)
    for name, (method, url) in portal_urls(dangers[a.firm.pk]).items():
        assert getattr(client, method)(url).status_code == 404, name
    # and the client's contact never reaches the staff pages
    login(client, a.contact.user)
    for name, (method, url) in staff_urls(dangers[a.firm.pk]).items():
        assert getattr(client, method)(url).status_code in (302, 404), name


def test_one_not_yet_notified_is_not_in_the_portal(client, a, eng):
    d = record(eng[a.firm.pk], a.consultant)
    login(client, a.contact.user)
    for name, (method, url) in portal_urls(d).items():
        assert getattr(client, method)(url).status_code == 404, name


def test_the_record_form_with_photos_on_a_phone(client, a, eng):
    e = eng[a.firm.pk]
    crit = criterion(a.firm)
    login(client, a.consultant)
    url = reverse("hazards:record", args=[e.pk])
    page = client.get(url)
    assert page.status_code == 200 and 'accept="image/*"' in page.content.decode()
    # no inline style (the house rule with the CSP): its width is the stylesheet's class
    assert "style=" not in page.content.decode() and "card-narrow" in page.content.decode()
    today = timezone.localdate().isoformat()
    answer = client.post(url, {
        "location": "二号罐区", "description": "可燃气体报警器失效", "grade": "major",
        "criterion": crit.pk, "category": "site", "subtype": "equipment",
        "deadline": today, "responsible_person": "张主任", "recommendation": "立即更换",
        "basis": "GB 50493", "source": "guidance", "found_on": today,
        "photos": [photo("a.png"), photo("b.png", (1, 2, 3))]})
    assert answer.status_code == 302
    with firm_scope(a.firm):
        d = HiddenDanger.objects.get(engagement=e)
        assert d.state == "notified" and d.photos.count() == 2
    # a file that is no photo, whatever its name, is refused on the form
    bad = client.post(url, {
        "location": "x", "description": "x", "grade": "general", "category": "site",
        "subtype": "equipment", "deadline": today, "responsible_person": "x",
        "recommendation": "x", "basis": "x", "source": "guidance", "found_on": today,
        "photos": [__import__("django.core.files.uploadedfile", fromlist=["x"])
                   .SimpleUploadedFile("x.png", b"<html><script>1</script>", "image/png")]})
    assert bad.status_code == 200 and "photos" in bad.context["form"].errors


def test_portal_acknowledge_and_submit_then_staff_verify(client, a, dangers):
    d = dangers[a.firm.pk]
    urls = portal_urls(d)
    login(client, a.contact.user)
    stale = client.post(urls["acknowledge"][1], {"content_fingerprint": "0" * 64})
    assert stale.status_code == 302 and refresh(d).state == "notified"
    client.post(urls["acknowledge"][1], {"content_fingerprint": fingerprint(d)})
    assert refresh(d).state == "acknowledged"
    missing_photo = client.post(urls["submit"][1], {
        "content_fingerprint": fingerprint(d), "measures": "已更换",
        "rectified_on": timezone.localdate().isoformat()})
    assert missing_photo.status_code == 400 and refresh(d).state == "acknowledged"
    client.post(urls["submit"][1], {
        "content_fingerprint": fingerprint(d), "measures": "已更换报警器",
        "rectified_on": timezone.localdate().isoformat(), "photos": [photo()]})
    assert refresh(d).state == "submitted"
    login(client, a.consultant)
    url = staff_urls(d)["verify"][1]
    no_reason = client.post(url, {"passed": "0", "note": ""})
    assert no_reason.status_code == 400 and refresh(d).state == "submitted"
    client.post(url, {"passed": "1", "note": "合格"})
    assert refresh(d).state == "closed"
    again = client.post(url, {"passed": "1"})
    assert again.status_code == 409


def test_a_step_in_the_wrong_state_is_a_409_not_a_500(client, a, dangers):
    d = dangers[a.firm.pk]
    login(client, a.consultant)
    assert client.post(staff_urls(d)["notify"][1]).status_code == 409
    assert client.post(staff_urls(d)["verify"][1], {"passed": "1"}).status_code == 409


def test_ledger_filters(client, a, eng):
    e = eng[a.firm.pk]
    major = record(e, a.consultant, major=True)
    general = record(e, a.consultant, location="仓库", category="basic", subtype="training")
    login(client, a.consultant)
    url = reverse("hazards:ledger", args=[e.pk])

    def shown(**params):
        return {d.pk for d in client.get(url, params).context["dangers"]}

    assert shown() == {major.pk, general.pk}
    assert shown(grade="major") == {major.pk}
    assert shown(category="basic") == {general.pk}
    assert shown(state="found") == {general.pk}
    assert shown(location="仓") == {general.pk}
    assert shown(overdue="1") == set()


def test_excel_export_with_the_formula_guard(client, a, eng):
    e = eng[a.firm.pk]
    record(e, a.consultant, description="=HYPERLINK(\"http://evil\")", location="罐区")
    login(client, a.consultant)
    answer = client.get(reverse("hazards:export", args=[e.pk]))
    assert answer.status_code == 200
    sheet = load_workbook(io.BytesIO(answer.content)).active
    row = list(sheet[2])
    cell = row[4]  # what was found
    assert cell.value == "=HYPERLINK(\"http://evil\")" and cell.data_type == "s"
    assert cell.quotePrefix
    assert row[0].value == "YH-001"


@pytest.mark.parametrize("url_name", ["hazards:ledger"])
def test_ledger_queries_do_not_grow_with_rows(client, a, eng, url_name):
    e = eng[a.firm.pk]
    login(client, a.consultant)
    url = reverse(url_name, args=[e.pk])

    def add(n):
        for _i in range(n):
            record(e, a.consultant, photos=1)

    def queries():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx)

    add(5)
    five = queries()
    add(45)
    assert queries() == five and five <= 12


def test_portal_engagement_page_queries_do_not_grow_with_rows(client, a, eng):
    e = eng[a.firm.pk]
    login(client, a.contact.user)
    url = reverse("portal:engagement_risks", args=[e.pk])

    def add(n):
        for _i in range(n):
            record(e, a.consultant, major=True, photos=1)

    def queries():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx)

    add(5)
    five = queries()
    add(45)
    assert queries() == five


def test_engagement_page_shows_the_stats(client, a, eng):
    e = eng[a.firm.pk]
    to_state(record(e, a.consultant), "closed", staff=a.consultant, contact=a.contact)
    record(e, a.consultant, major=True)
    login(client, a.consultant)
    page = client.get(e.get_absolute_url()).content.decode()
    assert 'id="hazards-panel"' in page and 'id="stat-rate">50.0%' in page
    assert 'id="panel-major-open"' in page


def test_todays_open_items_per_site_only_of_my_engagements(client, a, b, eng):
    mine = record(eng[a.firm.pk], a.consultant, major=True, location="甲醇罐区")
    to_state(record(eng[a.firm.pk], a.consultant, location="已销号区"), "closed",
             staff=a.consultant, contact=a.contact)
    record(eng[b.firm.pk], b.consultant, location="别家罐区")
    with scopes_disabled():
        outsider = f.ConsultantFactory(firm=a.firm)
    login(client, outsider)
    assert "甲醇罐区" not in client.get(reverse("hazards:today")).content.decode()
    login(client, a.consultant)
    page = client.get(reverse("hazards:today")).content.decode()
    assert "甲醇罐区" in page and mine.number in page
    assert "已销号区" not in page and "别家罐区" not in page


def test_the_client_page_shows_its_hidden_dangers_across_engagements(client, a, b, eng):
    e = eng[a.firm.pk]
    major = record(e, a.consultant, major=True, location="甲醇罐区")
    to_state(record(e, a.consultant, location="配电室"), "closed", staff=a.consultant,
             contact=a.contact)
    login(client, a.consultant)
    page = client.get(reverse("clients:detail", args=[a.client.pk])).content.decode()
    assert 'id="client-hazards"' in page and "甲醇罐区" in page and major.number in page
    assert "配电室" not in page  # closed ones are counted, not listed
    assert "50.0%" in page
    with scopes_disabled():
        outsider = f.ConsultantFactory(firm=a.firm)
    login(client, outsider)
    page = client.get(reverse("clients:detail", args=[a.client.pk])).content.decode()
    assert "甲醇罐区" not in page
