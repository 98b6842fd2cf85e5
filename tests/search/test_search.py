"""The staff search box: clients by name, pinyin initials and credit code, engagements,
contacts, documents and complaints; only the user's firm, and for a consultant only what
they may see; a fixed number of queries however much matches."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from consultancy.search.pinyin import initials, sort_key
from delivery.models import ProjectDocument
from feedback import services as feedback_services
from tests import factories as f
from tests.conftest import login
from tests.scoping import scopes_disabled

URL = reverse("search:search")


def _hits(resp, key):
    for group in resp.context["groups"]:
        if group["source"].key == key:
            return [h.title for h in group["hits"]]
    return []


def test_pinyin_helpers():
    assert initials("苏州恒信化工有限公司") == "szhxhgyxgs"
    assert initials("3M中国") == "3mzg"
    assert sort_key("重庆银行") == "chong qing yin hang"  # words, not characters: 重 chong
    assert sort_key("安") < sort_key("安徽") < sort_key("北京")


def test_finds_a_client_by_pinyin_initials_and_never_another_firms(client, a, b):
    with scopes_disabled():
        ours = f.ClientFactory(firm=a.firm, name="苏州恒信化工有限公司")
        theirs = f.ClientFactory(firm=b.firm, name="苏州恒信化工有限公司")
    login(client, a.consultant)
    resp = client.get(URL, {"q": "szhx"})
    assert resp.status_code == 200
    assert _hits(resp, "clients") == [ours.name]
    assert ours.get_absolute_url() in resp.text
    assert theirs.get_absolute_url() not in resp.text
    # upper case initials too, and part of the name, and part of the credit code
    assert _hits(client.get(URL, {"q": "HXHG"}), "clients") == [ours.name]
    assert _hits(client.get(URL, {"q": "恒信"}), "clients") == [ours.name]
    assert _hits(client.get(URL, {"q": "苏州  化工"}), "clients") == [ours.name]  # each word
    assert _hits(client.get(URL, {"q": "苏州 钢铁"}), "clients") == []
    assert _hits(client.get(URL, {"q": ours.uscc[-7:].lower()}), "clients") == [ours.name]


def test_finds_engagements_contacts_documents_and_complaints(client, a, b):
    with scopes_disabled():
        e = f.EngagementFactory(client=a.client, lead_consultant=a.consultant,
                                title="双重预防机制建设咨询")
        f.EngagementFactory(client=b.client, title="双重预防机制建设咨询（乙）")
        contact = f.ClientContactFactory(client=a.client, name="赵立新", position="安全科长")
        f.ClientContactFactory(client=b.client, name="赵立新")
        ProjectDocument.objects.create(firm=a.firm, engagement=e, category="standardization",
                                       title="双重预防风险清单", created_by=a.consultant)
        ProjectDocument.objects.create(firm=b.firm, engagement=b_engagement(b),
                                       category="standardization", title="双重预防风险清单乙",
                                       created_by=b.consultant)
        complaint = feedback_services.complaint_receive(
            firm=a.firm, by=a.manager, received_on=timezone.localdate(), channel="phone",
            complainant_name="钱勇", description="现场双重预防培训时间被推迟", engagement=e)
    login(client, a.consultant)
    resp = client.get(URL, {"q": "双重预防"})
    assert _hits(resp, "engagements") == [f"{e.number} {e.title}"]
    assert _hits(resp, "documents") == ["双重预防风险清单"]
    assert _hits(resp, "complaints") == [f"{complaint.number} 钱勇"]
    resp = client.get(URL, {"q": "zlx"})
    assert _hits(resp, "contacts") == [contact.name]
    assert contact.get_absolute_url() in resp.text
    assert _hits(client.get(URL, {"q": e.number}), "engagements") == [f"{e.number} {e.title}"]
    assert _hits(client.get(URL, {"q": complaint.number}), "complaints")


def b_engagement(b):
    return f.EngagementFactory(client=b.client, lead_consultant=b.consultant)


def test_a_consultant_never_finds_an_engagement_they_may_not_see(client, a):
    with scopes_disabled():
        mine = f.EngagementFactory(client=a.client, lead_consultant=a.consultant,
                                   title="应急预案编制甲")
        other = f.ConsultantFactory(firm=a.firm)
        forbidden = f.EngagementFactory(client=a.client, lead_consultant=other,
                                        title="应急预案编制乙")
        ProjectDocument.objects.create(firm=a.firm, engagement=forbidden,
                                       category="standardization", title="应急预案文本乙",
                                       created_by=a.manager)
        feedback_services.complaint_receive(
            firm=a.firm, by=a.manager, received_on=timezone.localdate(), channel="phone",
            complainant_name="孙", description="应急预案编制延误", engagement=forbidden)
    login(client, a.consultant)
    resp = client.get(URL, {"q": "应急预案"})
    assert _hits(resp, "engagements") == [f"{mine.number} {mine.title}"]
    assert forbidden.get_absolute_url() not in resp.text
    assert _hits(resp, "documents") == [] and _hits(resp, "complaints") == []
    # the manager sees them all
    login(client, a.manager)
    resp = client.get(URL, {"q": "应急预案"})
    assert len(_hits(resp, "engagements")) == 2
    assert _hits(resp, "documents") == ["应急预案文本乙"]
    assert len(_hits(resp, "complaints")) == 1


def test_search_is_for_staff_only(client, a):
    login(client, a.contact.user)
    assert client.get(URL, {"q": "a"}).status_code == 404
    client.logout()
    assert client.get(URL, {"q": "a"}).status_code == 302


def test_the_top_bar_has_the_search_box(client, a):
    login(client, a.consultant)
    resp = client.get(reverse("home"))
    assert 'id="top-search"' in resp.text and f'action="{URL}"' in resp.text


def test_an_empty_or_odd_query_is_harmless(client, a):
    login(client, a.consultant)
    for q in ["", "   ", "%", "_", "'; DROP TABLE x; --", "<script>", "x" * 500]:
        resp = client.get(URL, {"q": q})
        assert resp.status_code == 200
        assert "<script>" not in resp.text.split("</nav>", 1)[1].split('value="', 1)[0]


def _queries(client, q):
    with CaptureQueriesContext(connection) as ctx:
        resp = client.get(URL, {"q": q})
    assert resp.status_code == 200
    return len(ctx), resp


@pytest.mark.parametrize("who", ["manager", "consultant"])
def test_query_count_is_fixed_however_much_matches(client, a, who):
    user = getattr(a, who)
    login(client, user)

    def grow(n):
        with scopes_disabled():
            for _ in range(n):
                c = f.ClientFactory(firm=a.firm, name="苏州测试客户有限公司")
                f.ClientContactFactory(client=c, name="苏州测试联系人")
                e = f.EngagementFactory(client=c, lead_consultant=a.consultant,
                                        title="苏州测试项目")
                ProjectDocument.objects.create(firm=a.firm, engagement=e,
                                               category="standardization", title="苏州测试文件",
                                               created_by=a.consultant)

    grow(5)
    five, _ = _queries(client, "苏州测试")
    grow(45)
    fifty, resp = _queries(client, "苏州测试")
    assert five == fifty <= 12
    assert all(g["more"] for g in resp.context["groups"] if g["source"].key != "complaints")


def test_contact_lists_sort_by_pinyin(client, a):
    with scopes_disabled():
        for name in ("邹平", "安然", "曾强", "白雪"):
            f.ClientContactFactory(client=a.client, name=name)
    login(client, a.consultant)
    resp = client.get(reverse("clients:detail", args=[a.client.pk]))
    names = [c.name for c in resp.context["contacts"] if c.name in ("邹平", "安然", "曾强", "白雪")]
    assert names == ["安然", "白雪", "曾强", "邹平"]  # an, bai, zeng, zou
