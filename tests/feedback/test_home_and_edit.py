"""The reminders on the home page (each with its link and a "mark read" button), and
changing 9.1 guidance and 9.2 visit records until the engagement is closed (then 409)."""

import pytest
from django.urls import reverse
from django.utils import timezone

from engagements import services as engagement_services
from feedback import services
from feedback.models import FollowUpGuidance, FollowUpVisit, Reminder
from tests import factories as f
from tests.conftest import login
from tests.feedback.helpers import FOLLOW_UP_CODES, handed_over, meet, to_follow_up
from tests.scoping import scopes_disabled
from tests.versions import seen_versions

pytestmark = pytest.mark.django_db

HOME = reverse("home")


def _reminder(w, user, key="visit:1:1", text="第 1 次回访将于 2026-12-01 到期", url="/x/"):
    with scopes_disabled():
        return Reminder.objects.create(firm=w.firm, user=user, kind="visit_due", key=key,
                                       text=text, url=url)


def test_the_home_page_lists_the_users_unread_reminders(client, a, b):
    mine = _reminder(a, a.consultant, url="/engagements/1/follow-up/")
    _reminder(a, a.manager, key="other", text="经理的提醒")
    _reminder(b, b.consultant, key="b", text="B公司的提醒")
    read = _reminder(a, a.consultant, key="read", text="已读的提醒")
    with scopes_disabled():
        services.reminder_mark_read(reminder=read, by=a.consultant)
    login(client, a.consultant)
    page = client.get(HOME).content.decode()
    assert f'id="reminder-{mine.pk}"' in page and mine.text in page
    assert 'href="/engagements/1/follow-up/"' in page
    assert "经理的提醒" not in page and "B公司的提醒" not in page and "已读的提醒" not in page
    assert reverse("feedback:reminder_read", args=[mine.pk]) in page


def test_no_reminders_no_card(client, a):
    login(client, a.consultant)
    assert 'id="reminders"' not in client.get(HOME).content.decode()


def test_mark_read(client, a):
    mine = _reminder(a, a.consultant)
    login(client, a.consultant)
    url = reverse("feedback:reminder_read", args=[mine.pk])
    assert client.get(url).status_code == 405
    response = client.post(url)
    assert response.status_code == 302 and response["Location"] == HOME
    with scopes_disabled():
        mine.refresh_from_db()
    assert mine.read_at is not None
    assert f'id="reminder-{mine.pk}"' not in client.get(HOME).content.decode()


def test_mark_read_with_htmx_removes_the_row(client, a):
    mine = _reminder(a, a.consultant)
    login(client, a.consultant)
    response = client.post(reverse("feedback:reminder_read", args=[mine.pk]),
                           HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and response.content == b""


def test_another_users_reminder_is_404(client, a, b):
    managers = _reminder(a, a.manager, key="m")
    theirs = _reminder(b, b.consultant, key="b")
    login(client, a.consultant)
    for reminder in (managers, theirs):
        response = client.post(reverse("feedback:reminder_read", args=[reminder.pk]))
        assert response.status_code == 404
        with scopes_disabled():
            reminder.refresh_from_db()
        assert reminder.read_at is None


def test_the_home_query_count_does_not_grow_with_reminders(client, a, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    login(client, a.consultant)
    for i in range(5):
        _reminder(a, a.consultant, key=f"k{i}")
    with CaptureQueriesContext(connection) as few:
        client.get(HOME)
    for i in range(5, 50):
        _reminder(a, a.consultant, key=f"k{i}")
    with CaptureQueriesContext(connection) as many:
        page = client.get(HOME).content.decode()
    assert len(many.captured_queries) == len(few.captured_queries)
    assert 'id="reminder-count">50<' in page


# -- editing 9.1 and 9.2 records ------------------------------------------------------------


@pytest.fixture
def records(a, b):
    today = timezone.localdate()
    with scopes_disabled():
        ea = to_follow_up(handed_over(a), a)
        guidance = services.follow_up_guidance_save(
            engagement=ea, by=a.consultant, given_on=today, given_by=a.consultant,
            topic="隐患排查台账", advice="按月更新")
        visit = services.follow_up_visit_save(
            engagement=ea, by=a.consultant, visited_on=today, visitors=[a.consultant],
            discussed="制度执行情况", plan_needs_adjusting=False)
    return ea, guidance, visit


def test_guidance_is_changed_through_its_page(client, a, records):
    ea, guidance, _visit = records
    url = reverse("feedback:guidance_edit", args=[ea.pk, guidance.pk])
    login(client, a.consultant)
    page = client.get(url).content.decode()
    assert "隐患排查台账" in page
    assert url in client.get(reverse("feedback:follow_up", args=[ea.pk])).content.decode()
    data = {"given_on": timezone.localdate().isoformat(), "given_by": a.consultant.pk,
            "channel": "phone", "topic": "隐患排查台账（修订）", "advice": "按周更新",
            **seen_versions(page)}
    assert client.post(url, {**data, "advice": ""}).status_code == 200
    assert client.post(url, data).status_code == 302
    with scopes_disabled():
        guidance.refresh_from_db()
        assert guidance.topic == "隐患排查台账（修订）" and guidance.channel == "phone"
        assert FollowUpGuidance.objects.count() == 1
        assert guidance.history.count() == 2


def test_a_visit_is_changed_through_its_page(client, a, records):
    ea, _guidance, visit = records
    url = reverse("feedback:visit_edit", args=[ea.pk, visit.pk])
    login(client, a.consultant)
    response = client.get(url)
    assert "制度执行情况" in response.content.decode()
    form = response.context["form"]
    assert form["plan_needs_adjusting"].value() == "no"  # the saved answer is preselected
    assert [int(pk) for pk in form["visitors"].value()] == [a.consultant.pk]
    response = client.post(url, {"visited_on": timezone.localdate().isoformat(),
                                 "visitors": [a.consultant.pk, a.manager.pk],
                                 "discussed": "制度执行情况良好", "plan_needs_adjusting": "no",
                                 **seen_versions(response)})
    assert response.status_code == 302
    with scopes_disabled():
        visit.refresh_from_db()
        assert visit.discussed == "制度执行情况良好"
        assert set(visit.visitors.all()) == {a.consultant, a.manager}
        assert FollowUpVisit.objects.count() == 1


def test_the_edit_pages_are_scoped(client, a, b, records):
    ea, guidance, visit = records
    with scopes_disabled():
        eb = handed_over(b)
        outsider = f.ConsultantFactory(firm=a.firm, email="out@a.test")
    urls = [reverse("feedback:guidance_edit", args=[ea.pk, guidance.pk]),
            reverse("feedback:visit_edit", args=[ea.pk, visit.pk])]
    for user in (b.manager, outsider):
        login(client, user)
        for url in urls:
            assert client.get(url).status_code == 404
            assert client.post(url, {"topic": "x"}).status_code == 404
    # a record of another engagement under this engagement's URL
    login(client, b.manager)
    assert client.get(reverse("feedback:guidance_edit", args=[eb.pk, guidance.pk])
                      ).status_code == 404


def test_closed_records_are_frozen_409(client, a, records):
    ea, guidance, visit = records
    with scopes_disabled():
        for code in FOLLOW_UP_CODES:
            if code != "9.2.visits":
                meet(code, ea, a)
        contract = ea.contracts.order_by("-version").first()
        for _ in range(contract.follow_up_visits - 1):
            services.follow_up_visit_save(
                engagement=ea, by=a.consultant, visited_on=timezone.localdate(),
                visitors=[a.consultant], discussed="回访", plan_needs_adjusting=False)
        engagement_services.engagement_close(engagement=ea, by=a.manager)
    login(client, a.consultant)
    url = reverse("feedback:guidance_edit", args=[ea.pk, guidance.pk])
    page = client.get(url)
    assert page.status_code == 200 and 'id="frozen"' in page.content.decode()
    response = client.post(url, {"given_on": timezone.localdate().isoformat(),
                                 "given_by": a.consultant.pk, "channel": "phone",
                                 "topic": "改", "advice": "改"})
    assert response.status_code == 409
    response = client.post(reverse("feedback:visit_edit", args=[ea.pk, visit.pk]),
                           {"visited_on": timezone.localdate().isoformat(),
                            "visitors": [a.consultant.pk], "discussed": "改",
                            "plan_needs_adjusting": "no"})
    assert response.status_code == 409
    follow_up = reverse("feedback:follow_up", args=[ea.pk])
    assert client.post(follow_up, {"form": "guidance"}).status_code == 409
    with scopes_disabled():
        guidance.refresh_from_db()
        visit.refresh_from_db()
    assert guidance.topic == "隐患排查台账" and visit.discussed == "制度执行情况"
