"""Dates written into messages by Python code take the project's one format per language
(consultancy/formats: 2026年12月2日; 2 Dec 2026), never ISO: a django message, a form
error or refusal, an event's text in the activity log, and a chat robot's text."""

import datetime
from types import SimpleNamespace

import pytest
from django.urls import reverse
from django.utils import translation

from consultancy.activity.models import Event
from consultancy.activity.verbs import describe
from consultancy.formats import dates_shown, show_date
from consultancy.notifications.chat import chat_text
from feedback.models import Complaint, Reminder
from tests.conftest import login
from tests.scoping import scopes_disabled

DAY = datetime.date(2026, 12, 2)


@pytest.mark.parametrize("language, expected", [("zh-hans", "2026年12月2日"),
                                                ("en", "2 Dec 2026")])
def test_show_date_takes_a_date_an_iso_string_or_a_datetime(language, expected):
    with translation.override(language):
        assert show_date(DAY) == show_date("2026-12-02") == expected
        assert show_date(datetime.datetime(2026, 12, 2, 10, 0, tzinfo=datetime.UTC)) == expected
        assert show_date(None) == show_date("") == ""
        assert show_date("不是日期") == "不是日期"
        assert dates_shown({"day": "2026-12-02", "number": "2026-001"}) == {"day": expected}


@pytest.mark.parametrize("verb, params, expected", [
    ("visit.saved", {"day": "2026-12-02"}, "2026年12月2日"),
    ("hazard.notified", {"number": "YH-1", "deadline": "2026-12-02"}, "2026年12月2日"),
])
def test_an_events_text_shows_its_date(verb, params, expected):
    event = Event(verb=verb, params=params, system_actor="background_task")
    with translation.override("zh-hans"):
        text = describe(event)
    assert expected in text and "2026-12-02" not in text
    with translation.override("en"):
        assert "2 Dec 2026" in describe(event)


def test_a_robots_text_shows_the_reminders_date():
    """The robot writes in Chinese whatever language the reader has: the reminder's text
    (kept as its values, dates as ISO) is rendered in Chinese with the Chinese date."""
    reminder = Reminder(kind=Reminder.Kind.GUIDANCE_ENDING, text="", params={
        "number": "2026-015", "title": "安全生产标准化咨询", "day": "2027-03-02"})
    message = SimpleNamespace(kind="daily_reminder",
                              context={"reminder": reminder, "link": ""})
    with translation.override("en"):
        title, _link = chat_text(message)
        assert "2 Mar 2027" in reminder.display_text  # shown to an English reader
    assert "2027年3月2日" in title and "2027-03-02" not in title


@pytest.mark.django_db
def test_a_django_message_shows_the_date(client, a):
    login(client, a.contact.user)
    resp = client.post(reverse("portal:complaint_new"), {"engagement": "",
                                                         "description": "发票开具错误"},
                       follow=True, HTTP_ACCEPT_LANGUAGE="zh-hans")
    with scopes_disabled():
        complaint = Complaint.objects.get(contact=a.contact)
    assert complaint.due_on is not None
    [message] = [str(m) for m in resp.context["messages"]]
    with translation.override("zh-hans"):
        assert show_date(complaint.due_on) in message
    assert complaint.due_on.isoformat() not in message
