"""Where a hidden danger was found: one of the units of the engagement's 8.4 risk register
(``delivery.SiteUnit``), the free text kept as the detail; the form offers the
engagement's units only, the ledger filters by unit, and the data migration matches the
old text to the units' names where equal."""

import importlib

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from consultancy.tenancy.scoping import firm_scope
from delivery import services as delivery_services
from delivery.models import SiteUnit
from hazards.forms import HiddenDangerForm
from hazards.models import HiddenDanger
from tests import factories as f
from tests.conftest import login
from tests.hazards.helpers import record, refresh
from tests.scoping import scopes_disabled

pytestmark = pytest.mark.django_db


def unit(engagement, by, name):
    with firm_scope(engagement.firm_id):
        return delivery_services.site_unit_save(
            record=SiteUnit(engagement=engagement, name=name), by=by)


def test_the_form_offers_the_engagements_units_only(a, b, eng):
    e = eng[a.firm.pk]
    mine = unit(e, a.consultant, "甲类罐区")
    theirs = unit(eng[b.firm.pk], b.consultant, "乙类罐区")
    with scopes_disabled():
        other = f.EngagementFactory(client=a.client, lead_consultant=a.consultant)
    elsewhere = unit(other, a.consultant, "另一项目罐区")
    with firm_scope(a.firm):
        offered = set(HiddenDangerForm(engagement=e).fields["unit"].queryset)
    assert offered == {mine}
    assert theirs not in offered and elsewhere not in offered


def test_a_hidden_danger_names_its_unit_and_the_detail(a, eng):
    e = eng[a.firm.pk]
    tanks = unit(e, a.consultant, "甲类罐区")
    d = record(e, a.consultant, unit=tanks, location="3# 甲醇储罐")
    with firm_scope(a.firm):
        d = HiddenDanger.objects.select_related("unit").get(pk=d.pk)
        assert d.unit == tanks and d.place == "甲类罐区 · 3# 甲醇储罐"
        assert str(d) == "YH-001 甲类罐区 · 3# 甲醇储罐"
    only_unit = record(e, a.consultant, unit=tanks, location="")
    with firm_scope(a.firm):
        assert HiddenDanger.objects.get(pk=only_unit.pk).place == "甲类罐区"
    # neither a unit nor a place: refused on the unit
    with pytest.raises(ValidationError) as exc:
        record(e, a.consultant, location="  ")
    assert "unit" in exc.value.message_dict


def test_a_unit_of_another_engagement_is_refused(a, eng):
    e = eng[a.firm.pk]
    with scopes_disabled():
        other = f.EngagementFactory(client=a.client, lead_consultant=a.consultant)
    elsewhere = unit(other, a.consultant, "另一项目罐区")
    with pytest.raises(ValidationError) as exc:
        record(e, a.consultant, unit=elsewhere)
    assert "unit" in exc.value.message_dict
    with firm_scope(a.firm):
        assert not HiddenDanger.objects.filter(engagement=e).exists()


def test_the_record_form_posts_a_unit(client, a, eng):
    e = eng[a.firm.pk]
    tanks = unit(e, a.consultant, "甲类罐区")
    with scopes_disabled():
        other = f.EngagementFactory(client=a.client, lead_consultant=a.consultant)
    elsewhere = unit(other, a.consultant, "另一项目罐区")
    login(client, a.consultant)
    url = reverse("hazards:record", args=[e.pk])
    page = client.get(url).content.decode()
    assert "甲类罐区" in page and "另一项目罐区" not in page
    today = timezone.localdate().isoformat()
    data = {"unit": tanks.pk, "location": "", "description": "防火堤破损", "grade": "general",
            "category": "site", "subtype": "equipment", "deadline": today,
            "responsible_person": "张主任", "recommendation": "修补", "basis": "GB 50351",
            "source": "guidance", "found_on": today}
    refused = client.post(url, {**data, "unit": elsewhere.pk})
    assert refused.status_code == 200 and "unit" in refused.context["form"].errors
    assert client.post(url, data).status_code == 302
    with firm_scope(a.firm):
        assert HiddenDanger.objects.get(engagement=e).unit == tanks


def test_the_ledger_filters_by_unit(client, a, eng):
    e = eng[a.firm.pk]
    tanks, store = unit(e, a.consultant, "甲类罐区"), unit(e, a.consultant, "危化品仓库")
    in_tanks = record(e, a.consultant, unit=tanks, location="")
    in_store = record(e, a.consultant, unit=store, location="货架区")
    no_unit = record(e, a.consultant, location="厂区道路")
    login(client, a.consultant)
    url = reverse("hazards:ledger", args=[e.pk])

    def shown(**params):
        return {d.pk for d in client.get(url, params).context["dangers"]}

    assert shown() == {in_tanks.pk, in_store.pk, no_unit.pk}
    assert shown(unit=tanks.pk) == {in_tanks.pk}
    assert shown(unit=store.pk) == {in_store.pk}
    assert shown(unit="x") == {in_tanks.pk, in_store.pk, no_unit.pk}  # ignored, not a 500
    assert shown(location="罐区") == {in_tanks.pk}  # the text searches the unit's name too
    page = client.get(url, {"unit": tanks.pk}).content.decode()
    assert f'<option value="{tanks.pk}" selected>甲类罐区</option>' in page


def test_the_data_migration_matches_the_text_to_a_unit_name(a, eng):
    e = eng[a.firm.pk]
    same = record(e, a.consultant, location="甲类罐区")
    spaced = record(e, a.consultant, location=" 危化品仓库 ")
    nearly = record(e, a.consultant, location="甲类罐区东侧")
    tanks, store = unit(e, a.consultant, "甲类罐区"), unit(e, a.consultant, "危化品仓库")
    with scopes_disabled():
        other = f.EngagementFactory(client=a.client, lead_consultant=a.consultant)
    unit(other, a.consultant, "甲类罐区东侧")  # another engagement's unit: not matched
    migration = importlib.import_module("hazards.migrations.0003_unit_of_the_register")
    with scopes_disabled():
        migration.units_from_locations(apps, None)
    assert refresh(same).unit_id == tanks.pk and refresh(same).location == "甲类罐区"
    assert refresh(spaced).unit_id == store.pk
    assert refresh(nearly).unit_id is None
