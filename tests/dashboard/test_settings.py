"""The firm settings page: managers only; complaint time limits and "survey required to
close" saved through feedback.services for their own firm only."""

import pytest
from django.urls import reverse

from feedback.models import FeedbackSettings
from tests.conftest import login, zh
from tests.scoping import scopes_disabled
from tests.versions import with_versions

pytestmark = pytest.mark.django_db

URL = reverse("dashboard:settings")

VALID = {"survey_link_valid_days": 30, "survey_reminder_after_days": 7, "working_days": "on",
         "acknowledge_days": 2, "assess_days": 4, "investigate_days": 12, "respond_days": 20,
         "close_days": 40, "visit_reminder_days": 5}  # survey_required unticked


def test_only_managers(client, a):
    assert client.get(URL).status_code == 302
    for user in (a.consultant, a.contact.user):
        login(client, user)
        assert client.get(URL).status_code == 404
        assert client.post(URL, VALID).status_code == 404
    with scopes_disabled():
        assert not FeedbackSettings.objects.exists()


def test_the_page_links_what_a_firm_sets(client, a):
    login(client, a.manager)
    page = client.get(URL).content.decode()
    assert reverse("contracts:template") in page
    assert 'id="risk-thresholds"' in page and "320" in page  # the LEC default
    assert a.firm.name in page
    assert 'name="survey_required"' in page and 'name="acknowledge_days"' in page


def test_a_manager_saves_the_settings_of_their_firm_only(client, a, b):
    login(client, a.manager)
    response = client.post(URL, VALID)
    assert response.status_code == 302
    with scopes_disabled():
        row = FeedbackSettings.objects.get()
    assert row.firm == a.firm
    assert row.survey_required is False
    assert (row.acknowledge_days, row.assess_days, row.investigate_days, row.respond_days,
            row.close_days) == (2, 4, 12, 20, 40)
    # saved again: the same row changes, no second one
    client.post(URL, with_versions(client, URL, {**VALID, "survey_required": "on"}))
    with scopes_disabled():
        assert FeedbackSettings.objects.count() == 1
        assert FeedbackSettings.objects.get().survey_required is True
        assert not FeedbackSettings.objects.filter(firm=b.firm).exists()


def test_a_zero_day_limit_is_explained(client, a):
    login(client, a.manager)
    response = client.post(URL, {**VALID, "respond_days": 0})
    assert response.status_code == 200
    assert response.context["form"].errors["respond_days"]
    with scopes_disabled():
        assert not FeedbackSettings.objects.exists()


def test_complaint_limits_out_of_order_are_explained_and_nothing_is_saved(client, a):
    """9.4: every limit counts from the receipt, so acknowledging within 30 days and
    closing within 1 cannot both hold."""
    login(client, a.manager)
    response = client.post(URL, {**VALID, "acknowledge_days": 30, "close_days": 1})
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert set(errors) == {"assess_days", "close_days"}  # each against the step before
    page = response.content.decode()
    assert "9.4" in page and 'value="30"' in page  # the input kept
    with scopes_disabled():
        assert not FeedbackSettings.objects.exists()


RISK_URL = reverse("dashboard:risk_thresholds")
RISK = {"risk-lec_major": "400", "risk-lec_large": "200", "risk-lec_general": "80",
        "risk-ls_major": "18", "risk-ls_large": "12", "risk-ls_general": "6"}


def test_a_manager_sets_the_risk_thresholds_of_their_firm_only(client, a, b):
    """8.4: the four risk levels' thresholds are a firm setting; the next risk assessed uses
    them, and the other firm keeps its own."""
    from decimal import Decimal

    from delivery import risk
    from delivery.models import RiskSettings
    from delivery.services import risk_settings_for

    login(client, a.manager)
    assert client.post(RISK_URL, RISK).status_code == 302
    with scopes_disabled():
        row = RiskSettings.objects.get()
        assert row.firm == a.firm
        assert row.thresholds(risk.Method.LEC) == (Decimal(400), Decimal(200), Decimal(80))
        assert risk_settings_for(b.firm).pk is None  # firm B: still the unsaved defaults
    assert risk.level_for(Decimal(300), row.thresholds(risk.Method.LEC)) == risk.Level.LARGE


def test_thresholds_out_of_order_are_explained_and_nothing_is_saved(client, a):
    login(client, a.manager)
    response = client.post(RISK_URL, {**RISK, "risk-ls_large": "20"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "risk-thresholds-form" in page and 'value="20"' in page  # the input is kept
    assert zh("The thresholds must fall from major to large to general (clause 8.4: four "
              "levels, each above the next).") in page
    with scopes_disabled():
        from delivery.models import RiskSettings
        assert not RiskSettings.objects.exists()


def test_only_managers_set_thresholds(client, a):
    from delivery.models import RiskSettings

    for user in (a.consultant, a.contact.user):
        login(client, user)
        assert client.post(RISK_URL, RISK).status_code == 404
    with scopes_disabled():
        assert not RiskSettings.objects.exists()
