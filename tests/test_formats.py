"""One date format per language (2026年12月2日; 2 Dec 2026), money always ¥98,000.00, and
reminders shown in the reader's language whatever language they were written in."""

import datetime
import re
from decimal import Decimal

import pytest
from django.template import Context, Template
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format

from engagements.models import ProjectFramework
from engagements.stages import Stage
from feedback.models import Reminder
from feedback.tasks import send_daily_reminders
from tests import factories as f
from tests.conftest import login
from tests.engagements.helpers import advance_to
from tests.feedback.helpers import end_guidance_period, handed_over, to_follow_up
from tests.scoping import scopes_disabled

DAY = datetime.date(2026, 12, 2)


@pytest.mark.parametrize("language, expected", [("zh-hans", "2026年12月2日"),
                                                ("en", "2 Dec 2026")])
def test_one_date_format_per_language(language, expected):
    with translation.override(language):
        assert date_format(DAY) == expected
        assert date_format(DAY, "SHORT_DATE_FORMAT") == expected
        assert Template('{{ d|date:"DATE_FORMAT" }}|{{ d|date }}').render(
            Context({"d": DAY})) == f"{expected}|{expected}"
        moment = datetime.datetime(2026, 12, 2, 14, 30)
        assert date_format(moment, "DATETIME_FORMAT").startswith(expected)
        assert date_format(moment, "SHORT_DATETIME_FORMAT") == date_format(moment,
                                                                            "DATETIME_FORMAT")


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_money_is_always_yuan_with_thousands_and_cents(language):
    template = Template("{{ a|money }} {{ b|money }} {{ c|money }} [{{ d|money }}]")
    with translation.override(language):
        assert template.render(Context({"a": Decimal("98000"), "b": 1234567.5, "c": 0,
                                        "d": None})) == "¥98,000.00 ¥1,234,567.50 ¥0.00 []"


def test_the_portal_prints_the_budget_as_money(client, a):
    with scopes_disabled():
        e = f.EngagementFactory(client=a.client, lead_consultant=a.consultant)
        advance_to(e, Stage.CONTRACTING)
        budget = ProjectFramework.objects.get(engagement=e).budget
    assert budget == Decimal("100000")
    login(client, a.contact.user)
    page = client.get(reverse("portal:engagement", args=[e.pk])).content.decode()
    assert "¥100,000.00" in page
    assert not re.search(r"(?<![\d,])100000(\.00)?(?!\d)", page)


def test_no_page_prints_iso_dates_as_text(client, a):
    with scopes_disabled():
        e = f.EngagementFactory(client=a.client, lead_consultant=a.consultant)
        advance_to(e, Stage.CONTRACTING)
    login(client, a.consultant)
    today = timezone.localdate()
    for url in (reverse("engagements:detail", args=[e.pk]),
                reverse("contracts:contract", args=[e.pk])):
        page = client.get(url).content.decode()
        text = re.sub(r"<[^>]*>", " ", page)  # attributes (form values, links) keep ISO
        assert today.isoformat() not in text, url
    # the engagement's dates (the records of clauses 5 and 6) in the one format
    page = client.get(reverse("engagements:detail", args=[e.pk])).content.decode()
    assert date_format(today) in page


def test_reminders_are_shown_in_the_readers_language(client, a):
    with scopes_disabled():
        e = to_follow_up(handed_over(a), a)
        end_guidance_period(e, days_ago=85)  # the guidance period ends in a few days
        a.consultant.language = "zh-hans"
        a.consultant.save(update_fields=["language"])
        send_daily_reminders(a.firm.pk)
        reminder = Reminder.objects.get(user=a.consultant, kind="guidance_ending")
    assert "技术指导期" in reminder.text or "指导期" in reminder.text  # written in Chinese
    login(client, a.consultant)
    with scopes_disabled():
        a.consultant.language = "en"
        a.consultant.save(update_fields=["language"])
    client.cookies["django_language"] = "en"
    page = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    with translation.override("en"):
        english = reminder.display_text
    assert english.startswith("The guidance period of") and e.number in english
    assert english.replace("“", "&ldquo;") in page or english in page.replace("&ldquo;", "“") \
        .replace("&rdquo;", "”")
    assert reminder.text not in page
    with translation.override("zh-hans"):
        assert reminder.display_text == reminder.text  # the same words in Chinese
