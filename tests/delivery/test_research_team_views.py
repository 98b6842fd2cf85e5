"""Clause 8.1 (research, with photos) and 8.2 (the working group) pages: scoped to the
firm and the engagement, each record made through the form, frozen records refused."""

import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from consultancy.tenancy.scoping import firm_scope
from delivery import services
from delivery.models import ResearchAttachment, ResourceResearch, SiteResearch, TeamMember
from engagements import services as engagement_services
from engagements.services import record_save
from engagements.stages import Stage
from tests import factories as f
from tests.conftest import login
from tests.engagements.helpers import advance_to
from tests.scoping import scopes_disabled
from tests.uploads import pdf_bytes
from tests.versions import seen_versions

pytestmark = pytest.mark.django_db


def png_bytes(colour=(200, 60, 40)):
    buf = io.BytesIO()
    Image.new("RGB", (8, 8), colour).save(buf, format="PNG")
    return buf.getvalue()


def png(name="现场.png"):
    return SimpleUploadedFile(name, png_bytes(), content_type="image/png")


def _records(w, e):
    today = timezone.localdate()
    site = services.site_research_save(
        record=SiteResearch(engagement=e, researched_on=today, location="罐区",
                            collected="危险化学品台账、重大危险源资料"),
        by=w.consultant, researchers=[w.consultant])
    attachment = services.research_attachment_add(research=site, file=png(), caption="罐区东侧",
                                                  by=w.consultant)
    resource = record_save(record=ResourceResearch(
        engagement=e, researched_on=today, resources_needed="检测仪器", findings="齐备"),
        by=w.consultant)
    member = services.team_member_add(engagement=e, by=w.consultant, side="client",
                                      contact=w.contact, role="客户联络人",
                                      responsibilities="组织客户资料与整改")
    return {"engagement": e, "site": site, "attachment": attachment, "resource": resource,
            "member": member}


@pytest.fixture
def world(a, b):
    """Each firm's engagement in the service stage, led by its consultant (who holds a
    valid RSE), with one record of each kind."""
    made = {}
    with scopes_disabled():
        for w in (a, b):
            # signed 30 days ago: its records may be dated from then on
            e = advance_to(f.EngagementFactory(client=w.client, lead_consultant=w.consultant),
                           Stage.DELIVERY,
                           on=timezone.localdate() - datetime.timedelta(days=30))
            made[w.firm.pk] = _records(w, e)
    return made


def urls_of(rec):
    e = rec["engagement"].pk
    return {
        "research": reverse("delivery:research", args=[e]),
        "siteresearch_create": reverse("delivery:siteresearch_create", args=[e]),
        "siteresearch_update": reverse("delivery:siteresearch_update", args=[e, rec["site"].pk]),
        "attachment_add": reverse("delivery:attachment_add", args=[e, rec["site"].pk]),
        "attachment_file": reverse("delivery:attachment_file", args=[e, rec["attachment"].pk]),
        "resourceresearch_create": reverse("delivery:resourceresearch_create", args=[e]),
        "resourceresearch_update": reverse("delivery:resourceresearch_update",
                                           args=[e, rec["resource"].pk]),
        "team": reverse("delivery:team", args=[e]),
        "team_remove": reverse("delivery:team_remove", args=[e, rec["member"].pk]),
    }


POST_ONLY = {"attachment_add", "team_remove"}
GET_ONLY = {"research", "attachment_file"}


def _post_data(name, w):
    """A complete, valid POST for each writing URL (so a 404 is the access check's)."""
    today = timezone.localdate().isoformat()
    return {
        "siteresearch_create": {"researched_on": today, "researchers": [w.consultant.pk],
                                "location": "x", "collected": "x"},
        "siteresearch_update": {"researched_on": today, "researchers": [w.consultant.pk],
                                "location": "x", "collected": "x"},
        "attachment_add": {"file": png(), "caption": "x"},
        "resourceresearch_create": {"researched_on": today, "resources_needed": "x",
                                    "findings": "x"},
        "resourceresearch_update": {"researched_on": today, "resources_needed": "x",
                                    "findings": "x"},
        "team": {"side": "provider", "user": w.manager.pk, "role": "x",
                 "responsibilities": "x"},
        "team_remove": {},
    }.get(name, {})


def _counts(e):
    with scopes_disabled():
        return (SiteResearch.objects.filter(engagement=e).count(),
                ResearchAttachment.objects.filter(research__engagement=e).count(),
                ResourceResearch.objects.filter(engagement=e).count(),
                TeamMember.objects.filter(engagement=e).count(),
                sorted(SiteResearch.objects.filter(engagement=e).values_list("location",
                                                                           flat=True)))


# -- access ---------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["consultant", "manager"])
def test_firm_b_records_are_404_to_firm_a(client, a, b, world, who):
    login(client, getattr(a, who))
    theirs = world[b.firm.pk]
    before = _counts(theirs["engagement"])
    for name, url in urls_of(theirs).items():
        if name not in POST_ONLY:
            assert client.get(url).status_code == 404, name
        if name not in GET_ONLY:
            assert client.post(url, _post_data(name, a)).status_code == 404, name
    assert _counts(theirs["engagement"]) == before
    # firm a's own pages answer, so the 404s above are the access check's
    for name, url in urls_of(world[a.firm.pk]).items():
        if name not in POST_ONLY:
            assert client.get(url).status_code == 200, name


def test_records_of_another_engagement_are_404_under_this_one(client, a, world):
    """A record id is looked up within the engagement of the URL."""
    with scopes_disabled():
        other = advance_to(f.EngagementFactory(client=a.client, lead_consultant=a.consultant),
                           Stage.DELIVERY)
    login(client, a.consultant)
    mine = world[a.firm.pk]
    for name, url in urls_of({**mine, "engagement": other}).items():
        if name in ("research", "siteresearch_create", "resourceresearch_create", "team"):
            continue
        if name not in POST_ONLY:
            assert client.get(url).status_code == 404, name
        else:
            assert client.post(url, _post_data(name, a)).status_code == 404, name


def test_a_consultant_not_on_the_engagement_gets_404(client, a, world):
    with scopes_disabled():
        outsider = f.ConsultantFactory(firm=a.firm)
        f.QualificationFactory(holder=outsider)
    login(client, outsider)
    mine = world[a.firm.pk]
    before = _counts(mine["engagement"])
    for name, url in urls_of(mine).items():
        if name not in POST_ONLY:
            assert client.get(url).status_code == 404, name
        if name not in GET_ONLY:
            data = _post_data(name, a)
            data.update({"researchers": [outsider.pk]} if "researchers" in data else {})
            assert client.post(url, data).status_code == 404, name
    assert _counts(mine["engagement"]) == before


def test_the_lead_consultant_sees_every_page(client, a, world):
    login(client, a.consultant)
    for name, url in urls_of(world[a.firm.pk]).items():
        if name not in POST_ONLY:
            assert client.get(url).status_code == 200, name


def test_a_working_group_member_sees_the_engagement(client, a, world):
    mine = world[a.firm.pk]
    with scopes_disabled():
        member = f.ConsultantFactory(firm=a.firm)
    login(client, member)
    assert client.get(urls_of(mine)["research"]).status_code == 404
    with scopes_disabled():
        services.team_member_add(engagement=mine["engagement"], by=a.consultant,
                                 side="provider", user=member, role="组员",
                                 responsibilities="资料编制")
    for name, url in urls_of(mine).items():
        if name not in POST_ONLY:
            assert client.get(url).status_code == 200, name
    assert client.get(mine["engagement"].get_absolute_url()).status_code == 200


def test_client_contact_gets_404(client, a, world):
    login(client, a.contact.user)
    for name, url in urls_of(world[a.firm.pk]).items():
        if name not in POST_ONLY:
            assert client.get(url).status_code == 404, name


# -- 8.1 research ---------------------------------------------------------------------


def test_research_list_shows_records_and_thumbnails(client, a, world):
    mine = world[a.firm.pk]
    login(client, a.consultant)
    resp = client.get(urls_of(mine)["research"])
    text = resp.text
    assert "罐区" in text and "危险化学品台账" in text and "检测仪器" in text
    assert urls_of(mine)["attachment_file"] in text
    assert 'class="delivery-thumb"' in text
    assert 'id="delivery-nav"' in text


def test_attachment_file_is_served_inline(client, a, world):
    login(client, a.consultant)
    resp = client.get(urls_of(world[a.firm.pk])["attachment_file"])
    assert resp.status_code == 200
    assert resp["Content-Type"] == "image/png"
    assert not resp.get("Content-Disposition", "").startswith("attachment")
    assert b"".join(resp.streaming_content).startswith(b"\x89PNG")


def test_site_research_created_with_a_photo(client, a, world):
    mine = world[a.firm.pk]
    login(client, a.consultant)
    url = urls_of(mine)["siteresearch_create"]
    page = client.get(url)
    assert 'capture="environment"' in page.text and 'accept="image/*"' in page.text
    resp = client.post(url, {
        "researched_on": timezone.localdate().isoformat(), "researchers": [a.consultant.pk],
        "location": "二号车间", "collected": "设备台账、操作规程", "notes": "通道狭窄",
        "photo": png("车间.png"), "caption": "二号车间入口"})
    assert resp.status_code == 302
    with scopes_disabled():
        record = SiteResearch.objects.get(engagement=mine["engagement"], location="二号车间")
        assert list(record.researchers.all()) == [a.consultant]
        att = record.attachments.get()
        assert att.caption == "二号车间入口" and att.uploaded_by == a.consultant
        assert att.file.name.startswith(f"{a.firm.pk}/research/")
    assert resp["Location"].endswith(f"#site-{record.pk}")


def test_site_research_without_a_photo(client, a, world):
    mine = world[a.firm.pk]
    login(client, a.consultant)
    resp = client.post(urls_of(mine)["siteresearch_create"], {
        "researched_on": timezone.localdate().isoformat(), "researchers": [a.consultant.pk],
        "location": "仓库", "collected": "消防设施"})
    assert resp.status_code == 302
    with scopes_disabled():
        assert not SiteResearch.objects.get(location="仓库").attachments.exists()


def test_a_researcher_without_a_valid_qualification_is_refused_by_name(client, a, world):
    mine = world[a.firm.pk]
    today = timezone.localdate()
    with scopes_disabled():
        expired = f.ConsultantFactory(firm=a.firm, full_name="证书过期者")
        f.QualificationFactory(holder=expired, valid_from=today - datetime.timedelta(days=900),
                               valid_until=today - datetime.timedelta(days=1))
        none = f.ConsultantFactory(firm=a.firm, full_name="无证者")
    login(client, a.consultant)
    before = _counts(mine["engagement"])
    resp = client.post(urls_of(mine)["siteresearch_create"], {
        "researched_on": today.isoformat(),
        "researchers": [a.consultant.pk, expired.pk, none.pk],
        "location": "锅炉房", "collected": "压力容器检验报告", "photo": png(), "caption": "c"})
    assert resp.status_code == 200
    errors = " ".join(resp.context["form"].errors["researchers"])
    assert "证书过期者" in errors and "无证者" in errors and a.consultant.full_name not in errors
    assert "证书过期者" in resp.text
    # nothing lost: what was typed is still there; nothing saved (not even the photo)
    assert "锅炉房" in resp.text and "压力容器检验报告" in resp.text
    assert _counts(mine["engagement"]) == before
    # the same staff on a day the certificate was valid is accepted
    resp = client.post(urls_of(mine)["siteresearch_create"], {
        "researched_on": (today - datetime.timedelta(days=10)).isoformat(),
        "researchers": [expired.pk], "location": "锅炉房", "collected": "压力容器检验报告"})
    assert resp.status_code == 302


def test_a_non_image_photo_is_rejected_and_the_form_kept(client, a, world):
    mine = world[a.firm.pk]
    login(client, a.consultant)
    before = _counts(mine["engagement"])
    fake = SimpleUploadedFile("照片.png", b"MZ\x90\x00 this is an executable", "image/png")
    resp = client.post(urls_of(mine)["siteresearch_create"], {
        "researched_on": timezone.localdate().isoformat(), "researchers": [a.consultant.pk],
        "location": "配电室", "collected": "电气图纸", "photo": fake, "caption": "配电柜"})
    assert resp.status_code == 200
    errors = " ".join(resp.context["form"].errors["photo"])
    assert "PNG" in errors and "JPEG" in errors and "PDF" in errors  # says what is accepted
    assert [e.code for e in resp.context["form"].errors.as_data()["photo"]] == ["file_type"]
    assert "配电室" in resp.text and "电气图纸" in resp.text and "配电柜" in resp.text
    assert _counts(mine["engagement"]) == before


def test_more_attachments_are_added_and_bad_ones_refused(client, a, world):
    mine = world[a.firm.pk]
    login(client, a.consultant)
    url = urls_of(mine)["attachment_add"]
    resp = client.post(url, {"file": SimpleUploadedFile("检测报告.pdf", pdf_bytes(b"report")),
                             "caption": "检测报告"})
    assert resp.status_code == 302
    resp = client.post(url, {"file": SimpleUploadedFile("x.jpg", b"not a picture"),
                             "caption": "坏文件"})
    assert resp.status_code == 200
    assert "坏文件" in resp.text  # the caption is kept in the re-shown form
    failed = next(r for r in resp.context["sites"] if r.pk == mine["site"].pk)
    assert [e.code for e in failed.upload_form.errors.as_data()["file"]] == ["file_type"]
    assert failed.upload_form.errors["file"][0] in resp.text
    with scopes_disabled():
        assert [x.caption for x in mine["site"].attachments.all()] == ["罐区东侧", "检测报告"]


def test_site_research_is_edited(client, a, world):
    mine = world[a.firm.pk]
    login(client, a.consultant)
    url = urls_of(mine)["siteresearch_update"]
    page = client.get(url)
    assert "photo" not in page.context["form"].fields  # more photos: the research page
    resp = client.post(url, {"researched_on": timezone.localdate().isoformat(),
                             "researchers": [a.consultant.pk], "location": "罐区（修订）",
                             "collected": "补充资料", **seen_versions(page)})
    assert resp.status_code == 302
    with scopes_disabled():
        mine["site"].refresh_from_db()
    assert mine["site"].location == "罐区（修订）"


def test_resource_research_created(client, a, world):
    mine = world[a.firm.pk]
    login(client, a.consultant)
    resp = client.post(urls_of(mine)["resourceresearch_create"], {
        "researched_on": timezone.localdate().isoformat(), "resources_needed": "法规标准库",
        "findings": "缺少地方标准", "gaps": "采购"})
    assert resp.status_code == 302
    with scopes_disabled():
        assert ResourceResearch.objects.filter(engagement=mine["engagement"],
                                               findings="缺少地方标准").exists()


# -- 8.2 the working group ------------------------------------------------------------


def test_team_page_names_what_the_group_lacks(client, a, world):
    mine = world[a.firm.pk]
    login(client, a.consultant)
    url = urls_of(mine)["team"]
    problems = [c for c, _text in client.get(url).context["problems"]]
    assert problems == ["8.2.1", "8.2.2"]  # client side present; no provider, no RSE
    with scopes_disabled():
        nobody = f.ConsultantFactory(firm=a.firm, full_name="无证组员")
        services.team_member_add(engagement=mine["engagement"], by=a.consultant,
                                 side="provider", user=nobody, role="组员", responsibilities="x")
    problems = [c for c, _text in client.get(url).context["problems"]]
    assert problems == ["8.2.2"]
    resp = client.post(url, {"side": "provider", "user": a.consultant.pk, "role": "项目组长",
                             "responsibilities": "统筹项目实施"})
    assert resp.status_code == 302
    resp = client.get(url)
    assert resp.context["problems"] == [] and 'id="team-ok"' in resp.text
    with scopes_disabled():
        TeamMember.objects.filter(side="client", engagement=mine["engagement"]).delete()
    problems = [c for c, _text in client.get(url).context["problems"]]
    assert problems == ["8.2.1"]


def test_team_shows_rse_status_and_warns_before_expiry(client, a, world):
    mine = world[a.firm.pk]
    today = timezone.localdate()
    with scopes_disabled():
        soon = f.ConsultantFactory(firm=a.firm, full_name="即将到期")
        f.QualificationFactory(holder=soon, valid_until=today + datetime.timedelta(days=30))
        later = f.ConsultantFactory(firm=a.firm, full_name="长期有效")
        f.QualificationFactory(holder=later, valid_until=today + datetime.timedelta(days=61))
        old = f.ConsultantFactory(firm=a.firm, full_name="已过期")
        f.QualificationFactory(holder=old, valid_from=today - datetime.timedelta(days=800),
                               valid_until=today - datetime.timedelta(days=1))
        other = f.ConsultantFactory(firm=a.firm, full_name="其他资格")
        f.QualificationFactory(holder=other, kind="other")
        for u in (soon, later, old, other):
            services.team_member_add(engagement=mine["engagement"], by=a.consultant,
                                     side="provider", user=u, role="组员", responsibilities="x")
    login(client, a.consultant)
    resp = client.get(urls_of(mine)["team"])
    status = {m.user.full_name: m for m in resp.context["provider"]}
    assert status["即将到期"].rse_warning and status["即将到期"].rse_expires_in == 30
    assert not status["长期有效"].rse_warning
    assert status["已过期"].rse_expired and status["已过期"].valid_rse is None
    assert status["其他资格"].valid_rse is None and not status["其他资格"].rse_expired
    text = resp.text
    assert text.count("rse-expiring") == 1 and text.count("rse-expired") == 1
    assert text.count("rse-none") == 1 and text.count("rse-valid") == 1


def test_team_add_client_member_and_remove(client, a, world):
    mine = world[a.firm.pk]
    with scopes_disabled():
        second = f.ClientContactFactory(client=a.client, name="安全部长")
    login(client, a.consultant)
    url = urls_of(mine)["team"]
    resp = client.post(url, {"side": "client", "contact": second.pk, "role": "技术配合",
                             "responsibilities": "组织车间整改"})
    assert resp.status_code == 302
    with scopes_disabled():
        member = TeamMember.objects.get(contact=second)
    assert "安全部长" in client.get(url).text
    resp = client.post(reverse("delivery:team_remove", args=[mine["engagement"].pk, member.pk]))
    assert resp.status_code == 302
    with scopes_disabled():
        assert not TeamMember.objects.filter(pk=member.pk).exists()


def test_team_add_refuses_other_firms_and_other_clients_people(client, a, b, world):
    mine = world[a.firm.pk]
    with scopes_disabled():
        other_client_contact = f.ClientContactFactory(client=f.ClientFactory(firm=a.firm))
        inactive = f.ClientContactFactory(client=a.client, is_active=False)
    login(client, a.consultant)
    url = urls_of(mine)["team"]
    before = _counts(mine["engagement"])
    for data in [
        {"side": "provider", "user": b.consultant.pk},
        {"side": "provider", "user": a.contact.user.pk},  # not staff
        {"side": "client", "contact": b.contact.pk},
        {"side": "client", "contact": other_client_contact.pk},
        {"side": "client", "contact": inactive.pk},
        {"side": "provider"},  # nobody chosen
        {"side": "client", "user": a.manager.pk},  # staff on the client side
    ]:
        resp = client.post(url, {**data, "role": "组员", "responsibilities": "x"})
        assert resp.status_code == 200, data
        assert resp.context["form"].errors, data
    # the same person twice: not offered again, and refused
    page = client.get(url)
    with firm_scope(a.firm):  # the choices, read as the page reads them
        assert a.contact not in page.context["form"].fields["contact"].queryset
        assert a.consultant in page.context["form"].fields["user"].queryset
    resp = client.post(url, {"side": "client", "contact": a.contact.pk, "role": "x",
                             "responsibilities": "x"})
    assert resp.status_code == 200 and "contact" in resp.context["form"].errors
    assert _counts(mine["engagement"]) == before


def test_team_page_queries_do_not_grow_with_members(client, a, world):
    mine = world[a.firm.pk]
    e = mine["engagement"]
    url = urls_of(mine)["team"]
    login(client, a.consultant)

    def add(n):
        with scopes_disabled():
            for _i in range(n):
                u = f.ConsultantFactory(firm=a.firm)
                f.QualificationFactory(holder=u)
                TeamMember.objects.create(firm=a.firm, engagement=e, side="provider", user=u,
                                          role="组员", responsibilities="x",
                                          created_by=a.consultant)
                c = f.ClientContactFactory(client=a.client)
                TeamMember.objects.create(firm=a.firm, engagement=e, side="client", contact=c,
                                          role="配合", responsibilities="x",
                                          created_by=a.consultant)

    def queries():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx)

    add(5)
    five = queries()
    add(45)
    assert queries() == five


def test_research_page_queries_do_not_grow_with_records(client, a, world):
    mine = world[a.firm.pk]
    url = urls_of(mine)["research"]
    login(client, a.consultant)

    def add(n):
        with scopes_disabled():
            for _i in range(n):
                site = services.site_research_save(
                    record=SiteResearch(engagement=mine["engagement"],
                                        researched_on=timezone.localdate(), location="x",
                                        collected="x"),
                    by=a.consultant, researchers=[a.consultant])
                services.research_attachment_add(research=site, file=png(), caption="x",
                                                  by=a.consultant)

    def queries():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx)

    add(4)
    five = queries()
    add(20)
    assert queries() == five


# -- frozen ---------------------------------------------------------------------------


@pytest.fixture
def handed_over(a, world):
    """Firm a's engagement past the service stage: its clause 8 records are frozen."""
    from tests.delivery.helpers import meet

    mine = world[a.firm.pk]
    with scopes_disabled():
        e = mine["engagement"]
        # site and resource research and the client member are in the world already
        for code in ("8.2.2.rse", "8.3.1.plan_confirmed", "8.4.progress", "8.4.risks",
                     "8.5.deliverables"):
            meet(code, e)
        engagement_services.engagement_hand_over(engagement=e, by=a.consultant)
        e.refresh_from_db()
        assert e.stage == Stage.EVALUATION
    return mine


def test_frozen_records_are_read_only_and_refuse_posts(client, a, handed_over):
    mine = handed_over
    login(client, a.consultant)
    urls = urls_of(mine)
    before = _counts(mine["engagement"])
    for name in ("siteresearch_update", "resourceresearch_update"):
        page = client.get(urls[name])
        assert page.status_code == 200 and page.context["frozen"], name
        assert all(field.disabled for field in page.context["form"].fields.values()), name
        assert 'id="save"' not in page.text, name
    for name in ("siteresearch_create", "siteresearch_update", "attachment_add",
                 "resourceresearch_create", "resourceresearch_update", "team", "team_remove"):
        resp = client.post(urls[name], _post_data(name, a))
        assert resp.status_code == 409, name
    assert _counts(mine["engagement"]) == before
    # reading still works, without the forms that would change anything
    page = client.get(urls["research"])
    assert page.status_code == 200 and "attachment-form" not in page.text
    assert 'id="add-site-research"' not in page.text
    team = client.get(urls["team"])
    assert 'id="member-form"' not in team.text and "remove-member" not in team.text


# -- the engagement page's clause 8 card ------------------------------------------------


def test_the_engagement_page_links_every_clause_8_page(client, a, world):
    mine = world[a.firm.pk]
    e = mine["engagement"]
    login(client, a.consultant)
    text = client.get(e.get_absolute_url()).text
    assert 'id="delivery-panel"' in text
    for name in ("research", "team", "plan", "guidance", "risks", "progress", "documents"):
        assert reverse(f"delivery:{name}", args=[e.pk]) in text, name
    # not shown before the service stage
    with scopes_disabled():
        early = f.EngagementFactory(client=a.client, lead_consultant=a.consultant)
    assert 'id="delivery-panel"' not in client.get(early.get_absolute_url()).text
