"""The engagement dossier: every record of every clause of one engagement in one PDF, with a
table of contents by clause; managers and the engagement's staff only, their firm only."""

import pytest
from django.urls import reverse

from consultancy.documents.models import GeneratedDocument
from consultancy.documents.pdf import render_html
from contracts.models import Contract
from dashboard.pdf import KIND, dossier_pdf_spec
from delivery.models import DocumentDelivery
from tests import factories as f
from tests.conftest import login
from tests.dashboard.helpers import closed_engagement
from tests.feedback.helpers import on_commit
from tests.scoping import scopes_disabled

pytestmark = pytest.mark.django_db

SECTION_KEYS = ["5", "6.1", "6.2", "6.3", "6.4", "7", "8.1", "8.2", "8.3", "8.4.guidance",
                "8.4.progress", "8.4.risks", "8.4.hazards", "8.5", "E.acceptance", "E.review", "9.1", "9.2",
                "9.4", "9.5"]
# what a request-origin engagement built by the test helpers has no record of
EMPTY = {"6.1", "8.4.guidance", "8.4.hazards"}


@pytest.fixture
def closed(a):
    with scopes_disabled():
        return closed_engagement(a)


def _request(client, engagement, **headers):
    return client.post(reverse("dashboard:dossier", args=[engagement.pk]), **headers)


def test_the_dossier_has_a_section_per_clause(a, closed):
    with scopes_disabled():
        spec = dossier_pdf_spec(closed)
        signed = Contract.objects.get(engagement=closed, status="signed")
        delivery = DocumentDelivery.objects.select_related("version").filter(
            engagement=closed).first()
        html = render_html(spec.template_name, {**spec.context, "firm": a.firm})
    sections = {s.key: s for s in spec.context["sections"]}
    assert list(sections) == SECTION_KEYS
    for key in SECTION_KEYS:
        assert bool(sections[key].blocks) == (key not in EMPTY), key
        assert f'data-clause="{key}"' in html
        assert f'href="#{sections[key].anchor}"' in html  # in the table of contents
    for chapter in ("5", "6", "7", "8", "E", "9", "history"):
        assert f'data-chapter="{chapter}"' in html
    assert [c["title"] for c in spec.context["chapters"]] == [
        "5 需求分析", "6 沟通与确认", "7 签订合同", "8 提供咨询服务", "评价", "9 跟踪与改进"]
    assert "target-counter(attr(href), page)" in html
    # clause 7 with its SHA-256; 8.5 with the delivered version's; 8.4 with the chart
    assert signed.signed_copy_sha256 and signed.signed_copy_sha256 in html
    assert delivery.version.sha256 in html
    assert 'src="data:image/svg+xml;base64,' in html
    # the stage history at the end, every transition
    assert len(spec.context["transitions"]) == 6
    assert html.index('data-chapter="9"') < html.index('data-chapter="history"')
    assert "投诉" in html and "满意度调查" in html


def test_the_dossier_shows_the_new_records_of_clause_8(a, closed):
    """The working group's plan review (8.3.1), the register's coverage of the site's units
    and each risk's fields (8.4), each researcher's safety qualification (8.1.1), the
    engineers' fit to the client and a manager's justification (8.2.2)."""
    from delivery import services as delivery_services
    from delivery.models import PlanReview, RseJustification
    from engagements.models import Engagement

    with scopes_disabled():
        review = PlanReview.objects.get(engagement=closed)
        Engagement.objects.filter(pk=closed.pk).update(stage="delivery")  # as it was then
        closed.refresh_from_db()
        delivery_services.rse_justification_save(
            engagement=closed, by=a.manager, holder=a.consultant,
            experience="从事危险化学品企业安全管理 10 年，完成标准化项目 15 个")
        Engagement.objects.filter(pk=closed.pk).update(stage="closed")
        closed.refresh_from_db()
        spec = dossier_pdf_spec(closed)
        html = render_html(spec.template_name, {**spec.context, "firm": a.firm})
        assert RseJustification.objects.filter(engagement=closed).exists()
    assert "参加讨论的项目小组成员" in html and review.conclusion in html
    assert "风险辨识覆盖的单元" in html and "甲类罐区" in html
    assert "管控层级" in html and "事故类型" in html and "火灾" in html
    assert "调研人员的安全相关资质（8.1.1）" in html and "注册安全工程师" in html
    assert "注册安全工程师专业与委托方行业的匹配" in html
    assert "从事危险化学品企业安全管理 10 年" in html


def test_a_real_render_has_more_than_one_page(client, a, closed):
    login(client, a.manager)
    with on_commit():  # the render task runs after the commit
        response = _request(client, closed)
    assert response.status_code == 302
    with scopes_disabled():
        document = GeneratedDocument.objects.get(kind=KIND)
    assert document.status == GeneratedDocument.Status.READY, document.error
    assert document.pages > 1
    assert document.download_filename.endswith(".pdf")
    with document.file.open("rb") as fh:
        assert fh.read(5) == b"%PDF-"
    # the engagement page shows the panel with the ready document
    page = client.get(closed.get_absolute_url()).content.decode()
    assert 'id="dossier-panel"' in page
    assert reverse("documents:download", args=[document.pk]) in page


def test_firm_isolation_and_who_may_ask(client, a, b):
    with scopes_disabled():
        ea = f.EngagementFactory(client=a.client, lead_consultant=a.consultant)
        eb = f.EngagementFactory(client=b.client, lead_consultant=b.consultant)
        outsider = f.ConsultantFactory(firm=a.firm, email="outsider@a.test")
    login(client, a.manager)
    assert _request(client, eb).status_code == 404  # another firm's engagement
    login(client, outsider)
    assert _request(client, ea).status_code == 404  # not on this engagement
    login(client, a.contact.user)
    assert _request(client, ea).status_code == 404
    with scopes_disabled():
        assert not GeneratedDocument.objects.filter(kind=KIND).exists()
    login(client, a.consultant)  # the lead consultant may
    response = _request(client, ea, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert 'class="document-status' in response.content.decode()
    with scopes_disabled():
        document = GeneratedDocument.objects.get(kind=KIND)
    login(client, b.manager)  # firm B cannot read firm A's dossier
    assert client.get(reverse("documents:status", args=[document.pk])).status_code == 404
    assert client.get(reverse("documents:download", args=[document.pk])).status_code == 404
    login(client, outsider)
    assert client.get(reverse("documents:status", args=[document.pk])).status_code == 404
    login(client, a.manager)
    assert client.get(reverse("documents:status", args=[document.pk])).status_code == 200


def test_the_request_is_a_post(client, a):
    with scopes_disabled():
        ea = f.EngagementFactory(client=a.client, lead_consultant=a.consultant)
    login(client, a.manager)
    assert client.get(reverse("dashboard:dossier", args=[ea.pk])).status_code == 405
