"""8.4 "全方位的风险识别": a register that covers the site. Each risk names its unit or area,
the activity or equipment, the hazard, its accident type (GB 6441), the existing controls,
the control level and the person responsible; the register lists the client's units and
every listed unit has an assessed risk; every 重大风险 and 较大风险 has control measures with
a person responsible and a due date; the four levels are named the same way everywhere."""

import datetime
import importlib

import pytest
from django.apps import apps as django_apps
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone, translation

from consultancy.tenancy.scoping import CrossFirmReference
from delivery import risk, services
from delivery.models import RiskItem, SiteUnit
from engagements.models import Engagement, FrozenRecord
from engagements.stages import Stage
from tests import factories as f
from tests.conftest import login
from tests.delivery.helpers import risk_form, risk_item
from tests.engagements.helpers import advance_to
from tests.scoping import scopes_disabled

pytestmark = pytest.mark.django_db


@pytest.fixture
def delivering(a):
    with scopes_disabled():
        return advance_to(f.EngagementFactory(client=a.client, lead_consultant=a.consultant),
                          Stage.DELIVERY)


def _unit(engagement, by, name="甲类罐区"):
    with scopes_disabled():
        return services.site_unit_save(record=SiteUnit(engagement=engagement, name=name), by=by)


def _met(engagement, code):
    with scopes_disabled():
        return {r.code: r.met for r in engagement.requirements(Stage.DELIVERY)}[code]


def _refused(record, by):
    with scopes_disabled(), translation.override("en"), pytest.raises(ValidationError) as exc:
        services.risk_save(record=record, by=by)
    return exc.value.message_dict


# -- what every risk names --------------------------------------------------------------


@pytest.mark.parametrize("field", ["unit", "activity", "hazard", "accident_type",
                                   "existing_controls", "control_level", "responsible_person"])
def test_a_risk_lacking_what_8_4_names_is_refused(a, delivering, field):
    unit = _unit(delivering, a.consultant)
    record = (risk_item(delivering, None) if field == "unit"
              else risk_item(delivering, unit, **{field: ""}))
    errors = _refused(record, a.consultant)
    assert list(errors) == [field]
    assert "8.4" in errors[field][0]
    with scopes_disabled():
        assert not RiskItem.objects.filter(engagement=delivering).exists()


@pytest.mark.parametrize(("factors", "level"), [
    ({"likelihood": 3, "exposure": 6, "consequence": 40}, "major"),     # 720
    ({"likelihood": 3, "exposure": 6, "consequence": 15}, "large"),     # 270
])
@pytest.mark.parametrize("field", ["controls", "measures_responsible", "measures_due_on"])
def test_a_major_or_significant_risk_needs_its_measures(a, delivering, factors, level, field):
    unit = _unit(delivering, a.consultant)
    errors = _refused(risk_item(delivering, unit, **factors,
                                **{field: None if field == "measures_due_on" else ""}),
                      a.consultant)
    assert list(errors) == [field]
    assert "8.4" in errors[field][0]
    with translation.override("en"):
        assert risk.LEVEL_SHORT[level]() in errors[field][0]
    # with them, it is saved at that level
    with scopes_disabled():
        item = services.risk_save(record=risk_item(delivering, unit, **factors), by=a.consultant)
    assert item.level == level


def test_a_general_or_low_risk_needs_no_new_measures(a, delivering):
    unit = _unit(delivering, a.consultant)
    with scopes_disabled():
        item = services.risk_save(record=risk_item(
            delivering, unit, likelihood=1, exposure=6, consequence=15, controls="",
            measures_responsible="", measures_due_on=None), by=a.consultant)
    assert item.level == "general"
    assert _met(delivering, "8.4.risks") and _met(delivering, "8.4.risk_measures")


def test_measures_due_before_the_risk_was_identified_are_refused(a, delivering):
    unit = _unit(delivering, a.consultant)
    errors = _refused(risk_item(delivering, unit, measures_due_on=timezone.localdate()
                                - datetime.timedelta(days=1)), a.consultant)
    assert list(errors) == ["measures_due_on"]


def test_a_unit_of_another_engagement_is_refused(a, delivering):
    with scopes_disabled():
        other = advance_to(f.EngagementFactory(client=a.client, lead_consultant=a.consultant),
                           Stage.DELIVERY)
    foreign = _unit(other, a.consultant)
    with scopes_disabled(), pytest.raises(CrossFirmReference):
        services.risk_save(record=risk_item(delivering, foreign), by=a.consultant)


def test_an_accident_type_outside_gb_6441_is_refused(a, delivering):
    unit = _unit(delivering, a.consultant)
    assert len(risk.AccidentType.choices) == 20
    with scopes_disabled(), pytest.raises(ValidationError) as exc:
        services.risk_save(record=risk_item(delivering, unit, accident_type="meteor"),
                           by=a.consultant)
    assert "accident_type" in exc.value.message_dict


# -- the units and the coverage gate ------------------------------------------------------


def test_every_listed_unit_needs_an_assessed_risk(a, delivering):
    assert not _met(delivering, "8.4.risk_coverage")  # no unit listed: nothing covered
    tanks = _unit(delivering, a.consultant, "甲类罐区")
    loading = _unit(delivering, a.consultant, "汽车装卸站")
    assert not _met(delivering, "8.4.risk_coverage")
    with scopes_disabled():
        services.risk_save(record=risk_item(delivering, tanks), by=a.consultant)
    assert not _met(delivering, "8.4.risk_coverage")  # the loading station has none
    assert _met(delivering, "8.4.risks")
    with scopes_disabled():
        services.risk_save(record=risk_item(delivering, loading, activity="甲苯槽车装卸",
                                            hazard="静电引燃油气"), by=a.consultant)
    assert _met(delivering, "8.4.risk_coverage")


def test_a_migrated_risk_without_the_new_fields_holds_the_register(a, delivering):
    unit = _unit(delivering, a.consultant)
    with scopes_disabled():
        item = services.risk_save(record=risk_item(delivering, unit), by=a.consultant)
    assert _met(delivering, "8.4.risks") and _met(delivering, "8.4.risk_measures")
    with scopes_disabled():
        RiskItem.objects.filter(pk=item.pk).update(measures_responsible="")
    assert _met(delivering, "8.4.risks") and not _met(delivering, "8.4.risk_measures")
    with scopes_disabled():
        RiskItem.objects.filter(pk=item.pk).update(control_level="")
        item.refresh_from_db()
    assert not _met(delivering, "8.4.risks")
    with translation.override("en"):
        assert "control level" in item.missing()


def test_a_unit_is_listed_once_and_kept_while_it_has_risks(a, delivering):
    unit = _unit(delivering, a.consultant, "加氢车间")
    with scopes_disabled(), translation.override("en"), pytest.raises(ValidationError) as exc:
        services.site_unit_save(record=SiteUnit(engagement=delivering, name=" 加氢车间 "),
                                by=a.consultant)
    assert "8.4" in exc.value.message_dict["name"][0]
    with scopes_disabled():
        services.risk_save(record=risk_item(delivering, unit), by=a.consultant)
        with pytest.raises(ValidationError):
            services.site_unit_delete(unit=unit, by=a.consultant)
        spare = services.site_unit_save(record=SiteUnit(engagement=delivering, name="空压站"),
                                        by=a.consultant)
        services.site_unit_delete(unit=spare, by=a.consultant)
        assert list(SiteUnit.objects.filter(engagement=delivering)) == [unit]
        Engagement.objects.filter(pk=delivering.pk).update(stage=Stage.EVALUATION)
        unit.refresh_from_db()
        with pytest.raises(FrozenRecord):
            services.site_unit_save(record=unit, by=a.consultant)


def test_the_migration_lists_a_unit_per_location_of_open_engagements(a, delivering):
    migration = importlib.import_module(
        "delivery.migrations.0008_site_units_and_risk_register")
    unit = _unit(delivering, a.consultant)
    with scopes_disabled():
        closed = advance_to(f.EngagementFactory(client=a.client, lead_consultant=a.consultant),
                            Stage.DELIVERY)
        old = []
        for engagement, location in [(delivering, "储罐区"), (delivering, "储罐区"),
                                     (delivering, "装卸站"), (closed, "仓库")]:
            item = services.risk_save(record=risk_item(engagement, unit if engagement is
                                                       delivering else _unit(closed, a.consultant)),
                                      by=a.consultant)
            RiskItem.objects.filter(pk=item.pk).update(unit=None, location=location, activity="")
            old.append(item.pk)
        Engagement.objects.filter(pk=closed.pk).update(stage=Stage.CLOSED)
        migration.units_from_locations(django_apps, None)
        units = {r.pk: (r.unit.name if r.unit_id else None)
                 for r in RiskItem.objects.filter(pk__in=old).select_related("unit")}
        assert [units[pk] for pk in old] == ["储罐区", "储罐区", "装卸站", None]
        assert SiteUnit.objects.filter(engagement=delivering, name="储罐区").count() == 1
    # what they lack is named: the activity
    assert not _met(delivering, "8.4.risks")


# -- one name per level ---------------------------------------------------------------------


def test_the_four_levels_are_named_the_same_way_everywhere():
    with translation.override("zh-hans"):
        short = [risk.LEVEL_SHORT[level]() for level in risk.LEVEL_ORDER]
        full = [str(label) for _value, label in risk.Level.choices]
        rows = [row["label"] for row in risk.level_rows(dict.fromkeys(risk.LEVEL_ORDER, 0))]
    assert short == ["重大风险", "较大风险", "一般风险", "低风险"]
    assert rows == short
    assert [label.split("（")[0] for label in full] == short
    assert [c for c in ("红", "橙", "黄", "蓝") if any(c in label for label in full)] == [
        "红", "橙", "黄", "蓝"]


# -- the pages ----------------------------------------------------------------------------


def test_the_register_lists_the_units_and_what_they_lack(client, a, b, delivering):
    covered = _unit(delivering, a.consultant, "加氢车间")
    bare = _unit(delivering, a.consultant, "甲类仓库")
    with scopes_disabled():
        services.risk_save(record=risk_item(delivering, covered), by=a.consultant)
        theirs = advance_to(f.EngagementFactory(client=b.client, lead_consultant=b.consultant),
                            Stage.DELIVERY)
    their_unit = _unit(theirs, b.consultant, "他们的车间")
    login(client, a.consultant)
    page = client.get(reverse("delivery:risks", args=[delivering.pk]))
    assert page.status_code == 200
    text = page.content.decode()
    assert f'id="unit-{covered.pk}" data-risks="1"' in text
    assert f'id="unit-{bare.pk}" data-risks="0"' in text and "unit-uncovered" in text
    assert "8.4.risk_coverage" in text and "他们的车间" not in text
    # a new unit, from the page
    resp = client.post(reverse("delivery:siteunit_create", args=[delivering.pk]),
                       {"name": "汽车装卸站", "description": "装卸鹤位 8 个"})
    assert resp.status_code == 302
    with scopes_disabled():
        assert SiteUnit.objects.filter(engagement=delivering, name="汽车装卸站").exists()
    # the same name again: a form error naming the clause
    resp = client.post(reverse("delivery:siteunit_create", args=[delivering.pk]),
                       {"name": "汽车装卸站"})
    assert resp.status_code == 200 and "8.4" in str(resp.context["form"].errors)
    # a risk for the bare unit, from its link
    form = client.get(reverse("delivery:riskitem_create", args=[delivering.pk])
                      + f"?unit={bare.pk}").context["form"]
    assert str(form.initial["unit"]) == str(bare.pk)
    with scopes_disabled():
        offered = [u.pk for u in form.fields["unit"].queryset]
    assert bare.pk in offered and their_unit.pk not in offered
    resp = client.post(reverse("delivery:riskitem_create", args=[delivering.pk]),
                       risk_form(bare.pk, activity="桶装甲苯堆码", method="LS",
                                 ls_likelihood="2", severity="4"))
    assert resp.status_code == 302, resp.context and resp.context["form"].errors
    # the other firm's unit: 404, untouched
    for url in (reverse("delivery:siteunit_update", args=[theirs.pk, their_unit.pk]),
                reverse("delivery:siteunit_update", args=[delivering.pk, their_unit.pk])):
        assert client.get(url).status_code == 404
        assert client.post(url, {"name": "改名"}).status_code == 404
    assert client.post(reverse("delivery:siteunit_delete",
                               args=[delivering.pk, their_unit.pk])).status_code == 404
    with scopes_disabled():
        assert SiteUnit.objects.get(pk=their_unit.pk).name == "他们的车间"


def test_a_risk_of_a_unit_posted_for_another_engagement_is_a_form_error(client, a, delivering):
    with scopes_disabled():
        other = advance_to(f.EngagementFactory(client=a.client, lead_consultant=a.consultant),
                           Stage.DELIVERY)
    foreign = _unit(other, a.consultant, "别处车间")
    login(client, a.consultant)
    resp = client.post(reverse("delivery:riskitem_create", args=[delivering.pk]),
                       risk_form(foreign.pk, method="LS", ls_likelihood="2", severity="4"))
    assert resp.status_code == 200 and "unit" in resp.context["form"].errors
    with scopes_disabled():
        assert not RiskItem.objects.filter(engagement=delivering).exists()


def test_a_major_risk_without_measures_is_a_form_error_naming_the_clause(client, a, delivering):
    unit = _unit(delivering, a.consultant)
    login(client, a.consultant)
    resp = client.post(reverse("delivery:riskitem_create", args=[delivering.pk]),
                       risk_form(unit.pk, measures_responsible="", method="LEC",
                                 lec_likelihood="6", exposure="6", consequence="15"))
    assert resp.status_code == 200
    errors = resp.context["form"].errors
    assert "8.4" in errors["measures_responsible"][0]
    assert "重大风险" in errors["measures_responsible"][0]  # the page is in Chinese
