"""9.4 in the browser UI: a step form carries the version of the complaint the user saw and
the one-time token; a refused step keeps the input and says why on the form; the actions
and the manager's "no action needed" on the complaint's page; the engagement's complaint
page at a constant query count; the dossier's complaints."""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from consultancy.formats import show_date
from consultancy.tenancy.versioning import VERSION_FIELD
from feedback import services
from feedback.models import Complaint, ComplaintAction, ComplaintStep
from tests.conftest import login, zh
from tests.feedback.helpers import handed_over, on_commit
from tests.feedback.steps import cause_of, step, walk
from tests.scoping import scopes_disabled
from tests.versions import with_versions

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _calendar(china_calendar):
    """China's working days, as seeded (conftest)."""


def _receive(w, engagement=None, days_ago=0, contact=None):
    with scopes_disabled():
        return services.complaint_receive(
            firm=w.firm, by=w.manager, engagement=engagement, channel="phone", contact=contact,
            received_on=timezone.localdate() - datetime.timedelta(days=days_ago),
            complainant_name="王工程师", description="报告交付比约定晚了一周")


def _detail(c):
    return reverse("feedback:complaint_detail", args=[c.pk])


def _field(page, name):
    match = re.search(rf'name="{name}" value="([^"]*)"', page)
    return match.group(1) if match else None


def test_a_step_on_a_complaint_changed_meanwhile_is_refused_with_the_input_kept(client, a):
    c = _receive(a)
    login(client, a.manager)
    page = client.get(_detail(c)).text
    seen = _field(page, VERSION_FIELD)
    assert seen and seen.startswith(f"{c.pk}:")
    # someone else acknowledges it meanwhile (another tab, a colleague)
    with scopes_disabled():
        step(c, "acknowledge", a.manager)
    response = client.post(_detail(c), {
        "step": "acknowledge", VERSION_FIELD: seen,
        "acknowledgement": "第二次电话告知投诉人已受理并说明时限"})
    assert response.status_code == 400
    assert "第二次电话告知投诉人已受理并说明时限" in response.text
    with scopes_disabled():
        assert ComplaintStep.objects.filter(complaint=c, step="acknowledge").count() == 1
    # a stale assessment form (the complaint moved on after it was opened)
    page = client.get(_detail(c)).text
    seen = _field(page, VERSION_FIELD)
    with scopes_disabled():
        services.complaint_no_action(complaint=c, by=a.manager,
                                     reason="属沟通误会，已当面说明，无需采取纠正措施")
        cause = cause_of(c)
    response = client.post(_detail(c), {
        "step": "assess", VERSION_FIELD: seen, "severity": "low", "cause": cause.pk,
        "assessment": "属于沟通不畅，影响较小"})
    assert response.status_code == 400 and "属于沟通不畅，影响较小" in response.text
    with scopes_disabled():
        assert Complaint.objects.get(pk=c.pk).status == "acknowledged"


def test_a_double_post_of_a_step_takes_it_once(client, a):
    c = _receive(a)
    login(client, a.manager)
    page = client.get(_detail(c)).text
    data = {"step": "acknowledge", "_once": _field(page, "_once"),
            VERSION_FIELD: _field(page, VERSION_FIELD),
            "acknowledgement": "电话告知投诉人已受理并说明答复时限"}
    first = client.post(_detail(c), data)
    second = client.post(_detail(c), data)
    assert first.status_code == 302 and second.status_code == 302
    with scopes_disabled():
        assert ComplaintStep.objects.filter(complaint=c, step="acknowledge").count() == 1


def test_a_step_dated_before_its_predecessor_is_said_on_the_date_field(client, a):
    c = _receive(a, days_ago=5)
    login(client, a.manager)
    before = (c.received_on - datetime.timedelta(days=1)).isoformat()
    response = client.post(_detail(c), with_versions(client, _detail(c), {
        "step": "acknowledge", "on": before,
        "acknowledgement": "电话告知投诉人已受理并说明答复时限"}))
    assert response.status_code == 400
    page = response.text
    assert "invalid-feedback" in page and show_date(c.received_on) in page  # 2026年12月2日
    assert f'value="{before}"' in page and "电话告知投诉人已受理并说明答复时限" in page
    with scopes_disabled():
        assert Complaint.objects.get(pk=c.pk).status == "received"
    response = client.post(_detail(c), with_versions(client, _detail(c), {
        "step": "acknowledge", "on": c.received_on.isoformat(),
        "acknowledgement": "电话告知投诉人已受理并说明答复时限"}))
    assert response.status_code == 302
    with scopes_disabled():
        assert Complaint.objects.get(pk=c.pk).acknowledged_on == c.received_on


def test_actions_on_the_complaints_page(client, a, b):
    c = _receive(a)
    with scopes_disabled():
        walk(c, a.manager, until="respond")
    login(client, a.manager)
    url = _detail(c)
    response = client.post(url, {"form": "action", "action-kind": "corrective",
                                 "action-description": "", "action-owner": a.consultant.pk,
                                 "action-due_on": timezone.localdate().isoformat()})
    assert response.status_code == 400 and 'id="new-action"' in response.text
    response = client.post(url, {"form": "action", "action-kind": "corrective",
                                 "action-description": "修订资料交付计划，增加交付前三日提醒",
                                 "action-owner": b.consultant.pk,  # another firm's: refused
                                 "action-due_on": timezone.localdate().isoformat()})
    assert response.status_code == 400
    response = client.post(url, {"form": "action", "action-kind": "corrective",
                                 "action-description": "修订资料交付计划，增加交付前三日提醒",
                                 "action-owner": a.consultant.pk,
                                 "action-due_on": timezone.localdate().isoformat()})
    assert response.status_code == 302
    with scopes_disabled():
        action = ComplaintAction.objects.get(complaint=c)
    page = client.get(url).text
    assert 'id="action-list"' in page and f"done{action.pk}-done_note" in page
    # closing is refused until it is done, and says why on the close form
    response = client.post(url, with_versions(client, url, {"step": "close",
                                 "complainant_acceptance": "投诉人电话确认接受处理决定"}))
    assert response.status_code == 400 and "修订资料交付计划" in response.text
    response = client.post(url, {"form": "action_done", "action": action.pk,
                                 f"done{action.pk}-done_on": timezone.localdate().isoformat(),
                                 f"done{action.pk}-done_note": "交付计划已修订并通知项目组"})
    assert response.status_code == 302
    response = client.post(url, {"form": "action_verify", "action": action.pk,
                                 f"verify{action.pk}-verified_on":
                                 timezone.localdate().isoformat(),
                                 f"verify{action.pk}-verification": "抽查后续两次交付均按计划完成"})
    assert response.status_code == 302
    response = client.post(url, with_versions(client, url, {"step": "close",
                                 "complainant_acceptance": "投诉人电话确认接受处理决定"}))
    assert response.status_code == 302
    with scopes_disabled():
        action.refresh_from_db()
        assert action.verified_by == a.manager and action.done_on is not None
        assert Complaint.objects.get(pk=c.pk).status == "closed"
    # firm b's manager: the page, and posting to it, are a 404
    login(client, b.manager)
    assert client.get(url).status_code == 404
    assert client.post(url, {"form": "action", "action-description": "x"}).status_code == 404


def test_only_managers_see_and_use_no_action_needed(client, a):
    c = _receive(a, engagement=None)
    with scopes_disabled():
        walk(c, a.manager, until="respond")
    login(client, a.manager)
    page = client.get(_detail(c)).text
    assert 'id="no-action-form"' in page and 'name="no_action_reason"' in page
    with scopes_disabled():
        engagement = handed_over(a)
    c2 = _receive(a, engagement=engagement)
    with scopes_disabled():
        walk(c2, a.manager, until="respond")
    login(client, a.consultant)
    page = client.get(_detail(c2)).text
    assert 'id="no-action-form"' not in page and 'name="no_action_reason"' not in page
    response = client.post(_detail(c2), {"form": "no_action",
                                         "noaction-reason": "误会，已说明，无需采取措施"})
    assert response.status_code == 400
    assert zh("Only the firm's managers change this.") in response.text


def _engagement_page_queries(client, engagement):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse("feedback:complaints", args=[engagement.pk]))
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_the_engagements_complaint_page_query_count_does_not_grow(client, a):
    with scopes_disabled():
        engagement = handed_over(a)
    login(client, a.manager)

    def add(n):
        for i in range(n):
            c = _receive(a, engagement)
            with scopes_disabled():
                if i % 2:
                    walk(c, a.manager, until=["acknowledge", "assess", "respond"][i % 3])

    add(5)
    few = _engagement_page_queries(client, engagement)
    add(45)
    assert _engagement_page_queries(client, engagement) == few
    assert few <= 15


def test_the_dossier_has_the_complaints_steps_notices_replies_and_actions(a):
    from consultancy.documents.pdf import render_html
    from dashboard.pdf import dossier_pdf_spec

    with scopes_disabled():
        engagement = handed_over(a)
        c = _receive(a, engagement, contact=a.contact)
        with on_commit():
            walk(c, a.manager, until="respond")
        services.complaint_action_add(complaint=c, by=a.manager, owner=a.consultant,
                                      due_on=timezone.localdate(),
                                      description="修订资料交付计划，增加交付前三日提醒")
        c.refresh_from_db()
        services.complaint_reply(complaint=c, by=a.contact.user, accepts=True,
                                 handling_rating=4, comment="处理及时")
        spec = dossier_pdf_spec(engagement)
        html = render_html(spec.template_name, {**spec.context, "firm": a.firm})
    section = next(s for s in spec.context["sections"] if s.key == "9.4")
    titles = [b.get("title") for b in section.blocks]
    assert titles == [f"投诉 {c.number}", "处理步骤", "给投诉人的通知", "投诉人的答复",
                      "纠正和预防措施"]
    for text in ("确认受理通知", "书面答复通知", a.contact.email, "4 / 5", "修订资料交付计划",
                 "自收到之日起 15 个工作日", "服务质量"):
        assert text in html, text
