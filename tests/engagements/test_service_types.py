"""Issue 20, the firm's own lists: the service types are a list the firm keeps (seeded with
the common ones), the engagement names one of its firm's, the statistics and the 8.5.1
mapping follow the firm's list; every firm-kept list is seeded in one place when the firm
is created, and no page seeds one on a read."""

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from consultancy.tenancy import firm_lists
from consultancy.tenancy.models import QualificationKind
from consultancy.tenancy.scoping import CrossFirmReference
from contracts import services as contract_services
from contracts.models import Deliverable, DocumentSystemRequirement
from delivery.models import SpecialtyFit
from engagements import services
from engagements.models import Engagement, ServiceType
from engagements.service_types import DEFAULT_SERVICE_TYPES
from engagements.stages import Stage
from feedback.models import ComplaintCause, SurveyQuestion
from hazards.models import MajorHazardCriterion
from tests import factories as f
from tests.conftest import login
from tests.engagements.helpers import advance_to
from tests.engagements.test_admin import admin_url
from tests.scoping import fresh, scopes_disabled

SEEDED_NAMES = ["安全生产标准化咨询", "安全台账", "安全顾问服务",
                "风险分级管控与隐患排查治理（双重预防）", "应急预案编制", "职业卫生", "安全评价辅导",
                "过程安全 / HAZOP", "其他"]


def _names(firm):
    return list(ServiceType.objects.filter(firm=firm).order_by("position", "pk")
                .values_list("name", flat=True))


# -- one place seeds every firm-kept list ------------------------------------------------


def test_a_new_firm_has_every_list_it_keeps_seeded(db):
    assert set(firm_lists.registered()) >= {
        "tenancy.qualification_kinds", "engagements.service_types",
        "contracts.document_systems", "delivery.specialty_fits", "hazards.criteria",
        "feedback.complaint_causes", "feedback.survey_questions"}
    # the mapping is seeded after the list it names
    order = firm_lists.registered()
    assert order.index("engagements.service_types") < order.index("contracts.document_systems")
    with scopes_disabled():
        firm = f.FirmFactory()
        assert _names(firm) == SEEDED_NAMES
        assert all(t.name_en and t.code and t.is_active
                   for t in ServiceType.objects.filter(firm=firm))
        assert ComplaintCause.objects.filter(firm=firm).count() == 7
        assert QualificationKind.objects.filter(firm=firm, is_rse=True).exists()
        assert SpecialtyFit.objects.filter(firm=firm).exists()
        assert MajorHazardCriterion.objects.filter(firm=firm).exists()
        assert SurveyQuestion.objects.filter(firm=firm).exists()
        # 8.5.1: the mapping names the firm's own service types
        assert {(r.service_type.firm_id, r.service_type.code, r.category)
                for r in DocumentSystemRequirement.objects.filter(firm=firm)} == {
            (firm.pk, "standardization", "standardization"), (firm.pk, "ledgers", "ledger"),
            (firm.pk, "risk_grading", "risk_grading")}


def test_seeding_again_adds_nothing_to_a_list_the_firm_has(a):
    with scopes_disabled():
        services.service_type_save(firm=a.firm, by=a.manager, name="安全培训")
        before = {m: m.objects.filter(firm=a.firm).count()
                  for m in (ServiceType, ComplaintCause, DocumentSystemRequirement,
                            MajorHazardCriterion)}
        firm_lists.seed_firm(a.firm)
        assert {m: m.objects.filter(firm=a.firm).count() for m in before} == before


def test_a_get_of_the_hazard_record_page_writes_nothing(client, a):
    with scopes_disabled():
        a.client.industry = "chemical"
        a.client.save()
        e = advance_to(f.EngagementFactory(client=a.client, lead_consultant=a.consultant),
                       Stage.DELIVERY)
        # a firm whose list is empty (it deleted every criterion): a read does not refill it
        MajorHazardCriterion.objects.filter(firm=a.firm).delete()
    login(client, a.consultant)
    client.get(reverse("hazards:record", args=[e.pk]))  # the session is settled first
    with CaptureQueriesContext(connection) as queries:
        page = client.get(reverse("hazards:record", args=[e.pk]))
    assert page.status_code == 200
    writes = [q["sql"] for q in queries.captured_queries
              if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))]
    assert writes == []
    with scopes_disabled():
        assert not MajorHazardCriterion.objects.filter(firm=a.firm).exists()


def test_reading_the_complaint_causes_writes_nothing(a):
    from feedback import services as feedback_services

    with scopes_disabled():
        ComplaintCause.objects.filter(firm=a.firm).delete()
        assert feedback_services.causes_for(a.firm) == []
        assert not ComplaintCause.objects.filter(firm=a.firm).exists()


# -- the engagement names its firm's service type ----------------------------------------


def test_the_engagement_form_offers_the_firms_active_types(client, a, b):
    with scopes_disabled():
        hidden = ServiceType.objects.get(firm=a.firm, code="occupational_health")
        services.service_type_save(firm=a.firm, by=a.manager, service_type=hidden,
                                   is_active=False)
        theirs = services.service_type_save(firm=b.firm, by=b.manager, name="别家的类型",
                                            code="theirs")
        used = f.EngagementFactory(client=a.client, lead_consultant=a.consultant,
                                   service_type=hidden)
    login(client, a.consultant)
    page = client.get(reverse("engagements:create")).content.decode()
    assert "安全评价辅导" in page and "过程安全 / HAZOP" in page
    assert "职业卫生" not in page  # no longer offered
    assert "别家的类型" not in page  # another firm's list
    # an engagement that names a type no longer offered keeps it on its edit form
    edit = client.get(reverse("engagements:update", args=[used.pk])).content.decode()
    assert 'value="occupational_health" selected' in edit
    # another firm's type is not a choice
    answer = client.post(reverse("engagements:create"), {
        "client": a.client.pk, "title": "越界类型", "service_type": theirs.code,
        "origin": "request", "lead_consultant": a.consultant.pk})
    assert answer.status_code == 200 and "service_type" in answer.context["form"].errors
    answer = client.post(reverse("engagements:create"), {
        "client": a.client.pk, "title": "应急预案项目", "service_type": "emergency_plans",
        "origin": "request", "lead_consultant": a.consultant.pk})
    assert answer.status_code == 302
    with scopes_disabled():
        made = Engagement.objects.get(firm=a.firm, title="应急预案项目")
        assert made.service_type.name == "应急预案编制"
    # the list filter goes by the firm's types too
    listing = client.get(reverse("engagements:list"), {"service_type": "emergency_plans"})
    assert [e.pk for e in listing.context["page_obj"]] == [made.pk]


def test_an_engagement_never_names_another_firms_type(a, b):
    with scopes_disabled():
        theirs = ServiceType.objects.get(firm=b.firm, code="ledgers")
        with pytest.raises(CrossFirmReference):
            services.engagement_create(
                firm=a.firm, by=a.consultant, client=a.client, title="x",
                service_type=theirs, origin="request", lead_consultant=a.consultant)
        with pytest.raises(CrossFirmReference):
            services.service_type_save(firm=a.firm, by=a.manager, service_type=theirs,
                                       name="改别家的")


def test_a_type_in_use_is_not_deleted_only_no_longer_offered(a):
    with scopes_disabled():
        used = ServiceType.objects.get(firm=a.firm, code="ledgers")
        f.EngagementFactory(client=a.client, lead_consultant=a.consultant, service_type=used)
        with pytest.raises(ValidationError):
            services.service_type_delete(service_type=used, by=a.manager)
        services.service_type_save(firm=a.firm, by=a.manager, service_type=used,
                                   is_active=False)
        assert not fresh(used).is_active
        # an unused one goes, with its 8.5.1 mapping rows
        unused = ServiceType.objects.get(firm=a.firm, code="standardization")
        assert DocumentSystemRequirement.objects.filter(service_type=unused).exists()
        with pytest.raises(ValidationError):  # only a manager keeps the list
            services.service_type_delete(service_type=unused, by=a.consultant)
        services.service_type_delete(service_type=unused, by=a.manager)
        assert not ServiceType.objects.filter(pk=unused.pk).exists()
        assert not DocumentSystemRequirement.objects.filter(firm=a.firm,
                                                            category="standardization").exists()


def test_a_new_type_gets_a_code_and_names_are_unique_per_firm(a, b):
    with scopes_disabled():
        made = services.service_type_save(firm=a.firm, by=a.manager, name="安全培训",
                                          name_en="Safety training")
        assert made.code == "safety-training" and made.is_active
        nameless = services.service_type_save(firm=a.firm, by=a.manager, name="消防咨询")
        assert nameless.code == "type"
        with pytest.raises(ValidationError):
            services.service_type_save(firm=a.firm, by=a.manager, name="安全台账")
        # the same name in another firm is that firm's business
        services.service_type_save(firm=b.firm, by=b.manager, name="安全培训")


# -- the managers keep the list in the admin (scoped) ------------------------------------


def test_the_admin_keeps_the_firms_list_only(client, a, b):
    with scopes_disabled():
        theirs = services.service_type_save(firm=b.firm, by=b.manager, name="别家的类型")
        used = ServiceType.objects.get(firm=a.firm, code="ledgers")
        f.EngagementFactory(client=a.client, lead_consultant=a.consultant, service_type=used)
    login(client, a.manager)
    listing = client.get(admin_url(ServiceType, "changelist")).content.decode()
    assert "安全台账" in listing and "别家的类型" not in listing
    assert client.get(admin_url(theirs)).status_code == 404
    assert client.post(admin_url(theirs, "delete"), {"post": "yes"}).status_code == 404
    answer = client.post(admin_url(ServiceType, "add"), {
        "name": "安全培训", "name_en": "Safety training", "code": "", "position": 20,
        "is_active": "on"})
    assert answer.status_code == 302
    with scopes_disabled():
        added = ServiceType.objects.get(firm=a.firm, name="安全培训")
        assert added.code == "safety-training"
    # a type in use: the admin refuses to delete it
    client.post(admin_url(used, "delete"), {"post": "yes"})
    with scopes_disabled():
        assert ServiceType.objects.filter(pk=used.pk).exists()
    # a consultant does not keep the list
    login(client, a.consultant)
    assert client.get(admin_url(ServiceType, "changelist")).status_code in (302, 403)


# -- the statistics and the 8.5.1 mapping follow the firm's list ---------------------------


def test_a_type_the_firm_adds_can_require_a_document_system(a):
    with scopes_disabled():
        training = services.service_type_save(firm=a.firm, by=a.manager, name="安全培训")
        contract_services.document_system_save(firm=a.firm, by=a.manager,
                                               service_type=training, category="ledger")
        e = advance_to(f.EngagementFactory(client=a.client, lead_consultant=a.consultant,
                                           service_type=training), Stage.CONTRACTING)
        contract = contract_services.contract_draft(engagement=e, by=a.consultant)
        rows = {r.code: r.met for r in e.requirements()}
        assert rows["7.document_system"] is False
        assert contract_services.missing_document_systems(contract) == [
            str(Deliverable.Category.LEDGER.label)]


def test_the_seeded_list_matches_the_defaults():
    assert [name for _code, name, _en in DEFAULT_SERVICE_TYPES] == SEEDED_NAMES
    assert len({code for code, _name, _en in DEFAULT_SERVICE_TYPES}) == len(SEEDED_NAMES)
