"""9.4: the firm's complaint register, a complaint's own page and the general complaint
form: confidential to the managers and the engagement's staff, another firm's a 404."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from feedback import services
from feedback.models import Complaint, ComplaintStep
from tests import factories as f
from tests.conftest import login
from tests.feedback.helpers import handed_over
from tests.feedback.steps import cause_of, step
from tests.scoping import scopes_disabled
from tests.versions import with_versions

pytestmark = pytest.mark.django_db

REGISTER = reverse("feedback:complaint_register")


def page_language(page):
    return "en" if '<html lang="en"' in page else "zh-hans"


def _receive(w, engagement=None, days_ago=0, **kwargs):
    kwargs.setdefault("complainant_name", "张工")
    kwargs.setdefault("description", "报告交付延迟")
    with scopes_disabled():
        return services.complaint_receive(
            firm=w.firm, by=w.manager, engagement=engagement, channel="phone",
            received_on=timezone.localdate() - datetime.timedelta(days=days_ago), **kwargs)


@pytest.fixture
def world(a, b):
    with scopes_disabled():
        ea, eb = handed_over(a), handed_over(b)
        other = f.ConsultantFactory(firm=a.firm, email="other@a.test")
    return {"ea": ea, "eb": eb, "other": other,
            "mine": _receive(a, ea, complainant_name="王工程师"),
            "general": _receive(a, None, complainant_name="匿名来电", days_ago=10),
            "theirs": _receive(b, eb, complainant_name="B公司客户")}


def test_the_register_shows_what_the_user_may_see(client, a, b, world):
    login(client, a.manager)
    page = client.get(REGISTER).content.decode()
    assert "王工程师" in page and "匿名来电" in page and "B公司客户" not in page
    login(client, a.consultant)  # leads ea: sees its complaint, not the general one
    page = client.get(REGISTER).content.decode()
    assert "王工程师" in page and "匿名来电" not in page and "B公司客户" not in page
    login(client, world["other"])  # on no engagement: sees nothing
    page = client.get(REGISTER).content.decode()
    assert 'id="no-complaints"' in page and "王工程师" not in page
    login(client, b.manager)
    page = client.get(REGISTER).content.decode()
    assert "B公司客户" in page and "王工程师" not in page


def test_the_register_is_closed_to_contacts_and_anonymous(client, a, world):
    assert client.get(REGISTER).status_code == 302
    login(client, a.contact.user)
    assert client.get(REGISTER).status_code == 404


def test_the_overdue_step_is_flagged_and_filtered(client, a, world):
    login(client, a.manager)
    page = client.get(REGISTER).content.decode()
    general = world["general"]
    assert general.is_overdue  # acknowledge within 1 working day, received 10 days ago
    row = page[page.index(f'id="c{general.pk}"'):]
    row = row[:row.index("</tr>")]
    assert "table-danger" in page[page.index(f'id="c{general.pk}"') - 40:][:80]
    with translation.override(page_language(page)):
        late = str(services.STEP_LABELS["acknowledge"])
    assert 'badge text-bg-danger overdue' in row and late in row
    mine_row = page[page.index(f'id="c{world["mine"].pk}"'):]
    assert "overdue" not in mine_row[:mine_row.index("</tr>")]
    page = client.get(REGISTER, {"overdue": "on"}).content.decode()
    assert "匿名来电" in page and "王工程师" not in page


def test_the_filters(client, a, world):
    with scopes_disabled():
        safety = _receive(a, world["ea"], complainant_name="安全员", safety_related=True)
        step(safety, "acknowledge", a.manager)
    login(client, a.manager)
    page = client.get(REGISTER, {"safety": "on"}).content.decode()
    assert "安全员" in page and "王工程师" not in page
    page = client.get(REGISTER, {"state": "acknowledged"}).content.decode()
    assert "安全员" in page and "王工程师" not in page
    page = client.get(REGISTER, {"state": "received"}).content.decode()
    assert "安全员" not in page and "王工程师" in page
    page = client.get(REGISTER, {"q": world["ea"].number}).content.decode()
    assert "王工程师" in page and "匿名来电" not in page
    page = client.get(REGISTER, {"q": a.client.name}).content.decode()
    assert "王工程师" in page and "匿名来电" not in page


def test_safety_related_open_complaints_come_first(client, a, world):
    with scopes_disabled():
        safety = _receive(a, world["ea"], complainant_name="安全员", safety_related=True)
    login(client, a.manager)
    page = client.get(REGISTER).content.decode()
    assert page.index(f'id="c{safety.pk}"') < page.index(f'id="c{world["mine"].pk}"')


def _register_queries(client):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(REGISTER)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_the_register_query_count_does_not_grow_with_rows(client, a, world):
    login(client, a.manager)
    with scopes_disabled():
        for i in range(2):
            _receive(a, world["ea"], complainant_name=f"客户{i}")
    few = _register_queries(client)  # 5 complaints of firm a in all (with the fixture's)
    with scopes_disabled():
        others = [handed_over(a) for _ in range(2)]
        for i in range(45):
            _receive(a, others[i % 2], complainant_name=f"客户X{i}", safety_related=i % 3 == 0)
    assert _register_queries(client) == few  # 50 complaints
    page = client.get(REGISTER).content.decode()
    assert "pagination" in page


def test_the_detail_page_is_confidential(client, a, b, world):
    mine, general, theirs = world["mine"], world["general"], world["theirs"]
    url = lambda c: reverse("feedback:complaint_detail", args=[c.pk])  # noqa: E731
    login(client, a.manager)
    assert client.get(url(mine)).status_code == 200
    assert client.get(url(general)).status_code == 200
    assert client.get(url(theirs)).status_code == 404
    login(client, a.consultant)
    assert client.get(url(mine)).status_code == 200
    assert client.get(url(general)).status_code == 404
    login(client, world["other"])
    assert client.get(url(mine)).status_code == 404
    assert client.post(url(mine), {"step": "acknowledge"}).status_code == 404
    login(client, b.manager)
    assert client.get(url(mine)).status_code == 404
    assert client.post(url(mine), {"step": "acknowledge"}).status_code == 404
    with scopes_disabled():
        mine.refresh_from_db()
        assert mine.status == "received"


def test_the_steps_are_taken_on_the_detail_page_and_recorded(client, a, world):
    complaint = world["mine"]
    url = reverse("feedback:complaint_detail", args=[complaint.pk])
    login(client, a.consultant)
    page = client.get(url).content.decode()
    assert 'id="step-acknowledge"' in page and 'id="step-investigate"' not in page
    with scopes_disabled():
        cause = cause_of(complaint, "交付延误")

    def post(name, ok=True, **data):
        response = client.post(url, with_versions(client, url, {"step": name, **data}))
        assert response.status_code == (302 if ok else 400), response.status_code
        with scopes_disabled():
            complaint.refresh_from_db()
        return client.get(url).content.decode() if ok else response.content.decode()

    page = post("investigate", ok=False, findings="资料交接延误")  # a skipped step: said so
    assert complaint.status == "received" and "alert-danger" in page
    page = post("acknowledge", ok=False, acknowledgement="", note="")  # the text is required
    assert complaint.status == "received" and "invalid-feedback" in page
    post("acknowledge", acknowledgement="电话告知投诉人已受理，说明了编号和答复时限",
         note="电话 13800000000")
    post("assess", severity="high", cause=cause.pk, assessment="影响评审进度，需调查",
         safety_related="on")
    post("investigate", findings="资料交接延误，项目组未按计划移交", on=timezone.localdate())
    page = post("escalate", ok=False, escalated_to="", reason="")  # both required
    assert complaint.status == "investigated" and page.count("invalid-feedback") >= 2
    post("respond", decision="补交资料并减免部分费用")
    page = post("close", ok=False, complainant_acceptance="客户书面确认接受处理决定")
    assert complaint.status == "responded" and "alert-danger" in page  # no action, no reason
    login(client, a.manager)
    assert client.post(url, {"form": "no_action", "noaction-reason":
                             "属个别交接失误，已当面说明，无需采取纠正措施"}).status_code == 302
    login(client, a.consultant)
    page = post("close", complainant_acceptance="客户书面确认接受处理决定")
    assert complaint.status == "closed" and complaint.safety_related
    with scopes_disabled():
        assert complaint.cause == cause
    assert 'id="no-step"' in page
    with scopes_disabled():
        steps = list(ComplaintStep.objects.filter(complaint=complaint).order_by("at", "pk"))
        assert [s.step for s in steps] == ["receive", "acknowledge", "assess", "investigate",
                                          "respond", "close"]
        assert all(s.by == a.consultant for s in steps[1:])
    assert "电话 13800000000" in page and str(a.consultant) in page


def test_escalation_from_the_detail_page(client, a, world):
    complaint = world["mine"]
    with scopes_disabled():
        step(complaint, "acknowledge", a.manager)
    url = reverse("feedback:complaint_detail", args=[complaint.pk])
    login(client, a.manager)
    client.post(url, with_versions(client, url, {"step": "escalate",
                                                 "escalated_to": "苏州仲裁委员会",
                                                 "reason": "对处理决定不服，申请仲裁"}))
    with scopes_disabled():
        complaint.refresh_from_db()
    assert complaint.status == "escalated"
    page = client.get(url).content.decode()
    assert "苏州仲裁委员会" in page and 'id="step-close"' in page


def test_a_general_complaint_is_received(client, a, b, world):
    url = reverse("feedback:complaint_receive")
    login(client, a.manager)
    page = client.get(url).content.decode()
    assert world["eb"].title not in page and b.contact.name not in page
    data = {"received_on": timezone.localdate().isoformat(), "channel": "letter",
            "complainant_name": "周先生", "description": "业务员态度不好",
            "remedy_sought": "书面道歉"}
    assert client.post(url, {**data, "description": ""}).status_code == 200  # required
    response = client.post(url, data)
    with scopes_disabled():
        complaint = Complaint.objects.get(complainant_name="周先生")
    assert response.status_code == 302
    assert response["Location"] == reverse("feedback:complaint_detail", args=[complaint.pk])
    assert complaint.engagement is None and complaint.firm == a.firm
    assert complaint.number.startswith(f"TS-{timezone.localdate().year}-")
    # another firm's engagement or contact is refused by the form (not offered)
    response = client.post(url, {**data, "complainant_name": "钱先生",
                                 "engagement": world["eb"].pk})
    assert response.status_code == 200
    response = client.post(url, {**data, "complainant_name": "钱先生",
                                 "contact": b.contact.pk})
    assert response.status_code == 200
    with scopes_disabled():
        assert not Complaint.objects.filter(complainant_name="钱先生").exists()


def test_a_contact_of_another_client_than_the_engagement_is_refused(client, a, world):
    with scopes_disabled():
        stranger = f.ClientContactFactory(client=f.ClientFactory(firm=a.firm))
    login(client, a.manager)
    response = client.post(reverse("feedback:complaint_receive"), {
        "received_on": timezone.localdate().isoformat(), "channel": "phone",
        "complainant_name": "孙先生", "description": "业务员未按约定时间回电",
        "engagement": world["ea"].pk,
        "contact": stranger.pk})
    assert response.status_code == 200
    assert "contact" in response.content.decode()
    with scopes_disabled():
        assert not Complaint.objects.filter(complainant_name="孙先生").exists()


def test_a_consultant_receiving_a_general_complaint_goes_back_to_the_register(client, a, world):
    login(client, a.consultant)
    response = client.post(reverse("feedback:complaint_receive"), {
        "received_on": timezone.localdate().isoformat(), "channel": "phone",
        "complainant_name": "吴女士", "description": "电话无人接听"})
    assert response.status_code == 302 and response["Location"] == REGISTER


def test_the_nav_links_to_the_register(client, a, world):
    login(client, a.consultant)
    assert REGISTER in client.get(reverse("home")).content.decode()
