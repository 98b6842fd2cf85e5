"""``not_in_the_future``: a day on which something was done is today or earlier."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from consultancy.tenancy.validators import not_in_the_future
from delivery.forms_plan import PlanApproveForm
from engagements.forms import FrameworkConfirmForm
from tests import factories as f
from tests.conftest import zh
from tests.scoping import scopes_disabled

TODAY = timezone.localdate()
TOMORROW = TODAY + datetime.timedelta(days=1)
LAST_YEAR = TODAY - datetime.timedelta(days=365)
MESSAGE = "日期不能晚于今天。"  # "The date cannot be in the future." (zh-hans is the default)


def test_today_the_past_and_no_date_pass():
    for day in (TODAY, LAST_YEAR, None):
        not_in_the_future(day)


def test_a_future_day_is_refused_with_one_message():
    with pytest.raises(ValidationError) as exc:
        not_in_the_future(TOMORROW)
    assert exc.value.code == "future"
    assert exc.value.messages == [MESSAGE]


def test_a_service_names_the_field():
    with pytest.raises(ValidationError) as exc:
        not_in_the_future(TOMORROW, "confirmed_on")
    assert exc.value.message_dict == {"confirmed_on": [MESSAGE]}


def test_the_message_is_translated():
    assert zh("The date cannot be in the future.") == "日期不能晚于今天。"


@pytest.mark.parametrize("day, ok", [(TOMORROW, False), (TODAY, True), (LAST_YEAR, True)])
def test_the_framework_confirmation_form(a, day, ok):
    with scopes_disabled():
        engagement = f.EngagementFactory(client=a.client)
        form = FrameworkConfirmForm({"contact": a.contact.pk, "confirmed_on": day.isoformat()},
                                    engagement=engagement)
        assert form.is_valid() is ok, form.errors
    if not ok:
        assert form.errors == {"confirmed_on": [MESSAGE]}


@pytest.mark.parametrize("day, ok", [(TOMORROW, False), (TODAY, True), (LAST_YEAR, True)])
def test_the_plan_approval_form(a, day, ok):
    from delivery.models import TeamMember

    with scopes_disabled():
        engagement = f.EngagementFactory(client=a.client, lead_consultant=a.consultant)
        member = TeamMember(engagement=engagement, side="provider", user=a.consultant)
        form = PlanApproveForm({"approved_by": a.consultant.pk, "approved_on": day.isoformat(),
                                "participants": [a.consultant.pk], "notes": "同意"},
                               engagement=engagement, members=[member])
        assert form.is_valid() is ok, form.errors
    if not ok:
        assert form.errors == {"approved_on": [MESSAGE]}
