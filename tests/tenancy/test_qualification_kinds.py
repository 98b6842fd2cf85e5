"""8.1.1 "具有安全相关资质的人员": what counts as a safety qualification is the firm's list of
kinds of certificate, seeded with the usual ones and each marked safety-related or not; a
kind first named with an "other" certificate counts only once a manager marks it so."""

import datetime
import importlib

import pytest
from django.apps import apps as django_apps
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone, translation

from consultancy.activity.models import Event
from consultancy.tenancy import services
from consultancy.tenancy.models import Qualification, QualificationKind
from delivery import services as delivery_services
from delivery.models import SiteResearch
from engagements.stages import Stage
from tests import factories as f
from tests.conftest import login
from tests.engagements.helpers import advance_to
from tests.scoping import scopes_disabled

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()
SEEDED = ["注册安全工程师", "安全评价师", "注册消防工程师", "安全生产管理人员考核合格证",
          "职业卫生专业技术人员证书", "特种设备安全管理人员证书"]


def _kinds(firm):
    with scopes_disabled():
        return {k.name: k for k in QualificationKind.objects.filter(firm=firm)}


def _research(engagement, by, researchers):
    with scopes_disabled(), translation.override("en"):
        return delivery_services.site_research_save(
            record=SiteResearch(engagement=engagement, researched_on=TODAY, location="罐区",
                                collected="危险化学品台账"),
            by=by, researchers=researchers)


def _met(engagement):
    with scopes_disabled():
        return {r.code: r.met for r in engagement.requirements(Stage.DELIVERY)}[
            "8.1.1.site_research"]


def test_a_new_firm_starts_with_the_usual_kinds(a, b):
    kinds = _kinds(a.firm)
    assert set(SEEDED) <= set(kinds)
    assert [n for n, k in kinds.items() if k.is_rse] == ["注册安全工程师"]
    assert all(kinds[n].safety_related for n in SEEDED)
    assert not kinds["注册建造师"].safety_related and not kinds["注册建造师"].awaiting_decision
    assert set(_kinds(b.firm)) == set(kinds)  # each firm its own list
    assert not set(k.pk for k in kinds.values()) & set(k.pk for k in _kinds(b.firm).values())


def test_every_certificate_has_a_kind_of_the_list(a):
    with scopes_disabled():
        assert a.qualification.qualification_kind.is_rse and a.qualification.kind == "rse"
        assessor = f.QualificationFactory(holder=a.consultant, kind="other", name="安全评价师（二级）")
        assert assessor.qualification_kind.name == "安全评价师" and assessor.is_safety_related


def test_an_other_certificate_counts_once_a_manager_marks_its_kind(client, a, b):
    with scopes_disabled():
        engagement = advance_to(f.EngagementFactory(client=a.client,
                                                    lead_consultant=a.consultant),
                                Stage.DELIVERY)
        operator = f.ConsultantFactory(firm=a.firm, full_name="消防操作员")
        q = services.qualification_save(
            firm=a.firm, by=a.manager, holder=operator, name="消防设施操作员（四级）",
            number="XF-001", valid_from=TODAY - datetime.timedelta(days=10),
            valid_until=TODAY + datetime.timedelta(days=300))
    kind = q.qualification_kind
    assert kind.name == "消防设施操作员（四级）" and kind.awaiting_decision
    assert not kind.safety_related and q.kind == "other"
    # 8.1.1: not a safety qualification yet; refused, naming the clause and the person
    with pytest.raises(ValidationError) as exc:
        _research(engagement, a.consultant, [operator])
    assert "8.1.1" in str(exc.value) and "消防操作员" in str(exc.value)
    assert not _met(engagement)
    # the kinds page shows it awaiting, first; a consultant may not decide
    login(client, a.manager)
    page = client.get(reverse("staff:qualification_kinds"))
    assert page.status_code == 200 and 'id="kinds-awaiting"' in page.text
    assert page.context["kinds"][0] == kind
    decide = reverse("staff:qualification_kind_decide", args=[kind.pk])
    login(client, a.consultant)
    assert client.post(decide, {"safety_related": "1"}).status_code in (302, 403, 404)
    with scopes_disabled():
        kind.refresh_from_db()
    assert not kind.safety_related
    # another firm's manager: 404, unchanged
    login(client, b.manager)
    assert client.post(decide, {"safety_related": "1"}).status_code == 404
    # the manager marks it safety-related: recorded (who, when, the activity log)
    login(client, a.manager)
    assert client.post(decide, {"safety_related": "1"}).status_code == 302
    with scopes_disabled():
        kind.refresh_from_db()
        assert kind.safety_related and kind.decided_by == a.manager and kind.decided_at
        assert Event.objects.filter(firm=a.firm, verb="qualification_kind.decided",
                                    clause="8.1.1").exists()
    _research(engagement, a.consultant, [operator])
    assert _met(engagement)


def test_a_kind_not_safety_related_does_not_count_for_8_1_1(a):
    with scopes_disabled():
        engagement = advance_to(f.EngagementFactory(client=a.client,
                                                    lead_consultant=a.consultant),
                                Stage.DELIVERY)
        constructor = f.ConsultantFactory(firm=a.firm)
        services.qualification_save(
            firm=a.firm, by=a.manager, holder=constructor,
            qualification_kind=_kinds(a.firm)["注册建造师"], number="JZ-1",
            valid_from=TODAY - datetime.timedelta(days=10),
            valid_until=TODAY + datetime.timedelta(days=300))
    with pytest.raises(ValidationError):
        _research(engagement, a.consultant, [constructor])
    # a research record made before the rule (or a kind marked no longer safety-related)
    # leaves the gate shut
    with scopes_disabled():
        _research(engagement, a.consultant, [a.consultant])
        assert _met(engagement)
        services.qualification_kind_decide(firm=a.firm, by=a.manager,
                                           kind=_kinds(a.firm)["安全评价师"],
                                           safety_related=False)
        record = SiteResearch.objects.get(engagement=engagement)
        record.researchers.add(constructor)
    assert not _met(engagement)


def test_only_a_manager_decides_and_the_rse_stays_safety_related(a):
    kinds = _kinds(a.firm)
    with scopes_disabled():
        with pytest.raises(ValidationError):
            services.qualification_kind_decide(firm=a.firm, by=a.consultant,
                                               kind=kinds["注册建造师"], safety_related=True)
        with pytest.raises(ValidationError):
            services.qualification_kind_decide(firm=a.firm, by=a.manager,
                                               kind=kinds["注册安全工程师"],
                                               safety_related=False)


def test_the_form_offers_the_firms_list_and_names_an_other(client, a, b):
    login(client, a.manager)
    url = reverse("staff:qualification_create", args=[a.consultant.pk])
    form = client.get(url).context["form"]
    with scopes_disabled():
        offered = {k.pk for k in form.fields["qualification_kind"].queryset}
    assert offered == {k.pk for k in _kinds(a.firm).values()}
    theirs = _kinds(b.firm)["安全评价师"]
    resp = client.post(url, {"qualification_kind": theirs.pk, "number": "P-1",
                             "valid_from": TODAY.isoformat(), "valid_until": TODAY.isoformat()})
    assert resp.status_code == 200 and "qualification_kind" in resp.context["form"].errors
    resp = client.post(url, {"qualification_kind": "", "name": "注册安全评价工程师", "number": "P-2",
                             "valid_from": TODAY.isoformat(), "valid_until": TODAY.isoformat()})
    assert resp.status_code == 302
    with scopes_disabled():
        q = Qualification.objects.get(number="P-2")
        assert q.qualification_kind.firm_id == a.firm.pk and q.qualification_kind.awaiting_decision


def test_the_migration_gives_every_certificate_its_kind(a):
    migration = importlib.import_module(
        "consultancy.tenancy.migrations.0005_qualification_kinds")
    with scopes_disabled():
        rse = a.qualification
        assessor = f.QualificationFactory(holder=a.consultant, kind="other", name="安全评价师（二级）")
        odd = f.QualificationFactory(holder=a.consultant, kind="other", name="叉车司机证")
        Qualification.objects.filter(pk__in=[rse.pk, assessor.pk, odd.pk]).update(
            qualification_kind=None)
        QualificationKind.objects.filter(firm=a.firm, seeded=False).delete()
        migration.kinds_for_every_firm(django_apps, None)
        kinds = {q.pk: q.qualification_kind for q in Qualification.objects.filter(
            pk__in=[rse.pk, assessor.pk, odd.pk]).select_related("qualification_kind")}
    assert kinds[rse.pk].is_rse
    assert kinds[assessor.pk].name == "安全评价师" and kinds[assessor.pk].safety_related
    assert kinds[odd.pk].name == "叉车司机证" and not kinds[odd.pk].safety_related
    assert kinds[odd.pk].decided_by_id is None and not kinds[odd.pk].seeded
