"""8.2.2 "相关经验和能力": the registered safety engineer fits the client. The seven RSE
specialties are matched to the client's industry by the firm's mapping (seeded, editable);
when no engineer of our side fits, the gate stays closed until a manager records the
experience that qualifies one, and the dossier shows it."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from consultancy.tenancy.models import Qualification
from consultancy.tenancy.scoping import CrossFirmReference
from dashboard.pdf import _team
from delivery import services
from delivery.models import DEFAULT_SPECIALTY_FITS, RseJustification, SpecialtyFit
from engagements.models import Engagement
from engagements.stages import Stage
from tests import factories as f
from tests.conftest import login
from tests.engagements.helpers import advance_to
from tests.scoping import scopes_disabled

pytestmark = pytest.mark.django_db
EXPERIENCE = "8 年化工园区企业安全管理经验，主持 12 个危险化学品企业安全生产标准化项目。"


@pytest.fixture
def builder(a):
    """A construction-specialty engineer (valid RSE) on our side of a chemical client's
    working group, with a contact of the client: all of 8.2 but the fit."""
    with scopes_disabled():
        e = advance_to(f.EngagementFactory(client=a.client, lead_consultant=a.consultant),
                       Stage.DELIVERY)
        engineer = f.ConsultantFactory(firm=a.firm, full_name="张建")
        f.QualificationFactory(holder=engineer, specialty=Qualification.Specialty.CONSTRUCTION)
        services.team_member_add(engagement=e, by=a.consultant, side="provider", user=engineer,
                                 role="技术负责人", responsibilities="风险辨识评价")
        services.team_member_add(engagement=e, by=a.consultant, side="client", contact=a.contact,
                                 role="联络人", responsibilities="配合")
    e.engineer = engineer
    return e


def _met(e):
    with scopes_disabled():
        rows = {r.code: r.met for r in e.requirements(Stage.DELIVERY)}
    return rows["8.2.2.rse"], rows["8.2.2.rse_fits"]


def test_every_firm_starts_with_the_usual_mapping(a, b):
    with scopes_disabled():
        for w in (a, b):
            fits = services.specialty_fits_for(w.firm)
            assert fits["chemical"] == {"chemical"}
            assert fits["mining"] == {"coal_mine", "metal_mine"}
            assert fits["construction"] == {"construction"}
            assert fits["transport"] == {"road_transport"}
    specialties = {s for ss in DEFAULT_SPECIALTY_FITS.values() for s in ss}
    assert specialties == set(Qualification.Specialty.values)  # all seven are used
    assert len(Qualification.Specialty.values) == 7


def test_an_engineer_whose_specialty_does_not_fit_holds_the_gate(a, builder):
    assert _met(builder) == (True, False)
    # the firm's mapping says construction engineers fit chemical clients too: met
    with scopes_disabled():
        fit = services.specialty_fit_save(firm=a.firm, by=a.manager, industry="chemical",
                                          specialty="construction")
    assert _met(builder) == (True, True)
    with scopes_disabled():
        services.specialty_fit_delete(fit=fit, by=a.manager)
    assert _met(builder) == (True, False)


def test_only_a_manager_edits_the_mapping(a, b):
    with scopes_disabled():
        with pytest.raises(ValidationError):
            services.specialty_fit_save(firm=a.firm, by=a.consultant, industry="chemical",
                                        specialty="construction")
        with pytest.raises(ValidationError):  # once only
            services.specialty_fit_save(firm=a.firm, by=a.manager, industry="chemical",
                                        specialty="chemical")
        theirs = SpecialtyFit.objects.filter(firm=b.firm).first()
        with pytest.raises(CrossFirmReference):  # another firm's row
            services.specialty_fit_delete(fit=theirs, by=a.manager)
        assert SpecialtyFit.objects.filter(pk=theirs.pk).exists()


def _justify(e, by, holder=None, experience=EXPERIENCE):
    with scopes_disabled(), translation.override("en"):
        return services.rse_justification_save(engagement=e, by=by, holder=holder or e.engineer,
                                               experience=experience)


def test_a_managers_justification_opens_the_gate(a, builder):
    with pytest.raises(ValidationError) as exc:  # a consultant does not decide it
        _justify(builder, a.consultant)
    assert "8.2.2" in str(exc.value)
    with pytest.raises(ValidationError) as exc:  # the experience is said
        _justify(builder, a.manager, experience=" ")
    assert "experience" in exc.value.message_dict
    outsider = f.ConsultantFactory(firm=a.firm)
    with scopes_disabled():
        f.QualificationFactory(holder=outsider, specialty=Qualification.Specialty.OTHER)
    with pytest.raises(ValidationError) as exc:  # of a member of our side
        _justify(builder, a.manager, holder=outsider)
    assert "8.2.2" in exc.value.message_dict["holder"][0]
    assert _met(builder) == (True, False)
    record = _justify(builder, a.manager)
    assert record.created_by == a.manager and record.experience == EXPERIENCE
    assert _met(builder) == (True, True)
    # the dossier shows it
    with scopes_disabled():
        blocks = _team(builder)
    text = str(blocks)
    assert EXPERIENCE in text and "张建" in text


def test_an_engineer_without_a_valid_rse_cannot_be_justified(a, builder):
    with scopes_disabled():
        plain = f.ConsultantFactory(firm=a.firm)
        f.QualificationFactory(holder=plain, kind="other", name="安全评价师")
        services.team_member_add(engagement=builder, by=a.consultant, side="provider",
                                 user=plain, role="组员", responsibilities="资料")
    with pytest.raises(ValidationError) as exc:
        _justify(builder, a.manager, holder=plain)
    assert "registered safety engineer" in exc.value.message_dict["holder"][0]


def test_the_team_page_asks_a_manager_for_the_justification(client, a, b, builder):
    url = reverse("delivery:team", args=[builder.pk])
    login(client, a.consultant)
    page = client.get(url)
    assert "rse-misfit" in page.text and page.context["justify_form"] is None
    assert any(clause == "8.2.2" for clause, _text in page.context["problems"])
    login(client, a.manager)
    page = client.get(url)
    form = page.context["justify_form"]
    with scopes_disabled():
        assert [u.pk for u in form.fields["holder"].queryset] == [builder.engineer.pk]
    justify = reverse("delivery:rse_justify", args=[builder.pk])
    resp = client.post(justify, {"holder": builder.engineer.pk, "experience": ""})
    assert resp.status_code == 200 and "experience" in resp.context["justify_form"].errors
    # another firm's manager: 404, nothing recorded
    login(client, b.manager)
    assert client.post(justify, {"holder": builder.engineer.pk,
                                 "experience": EXPERIENCE}).status_code == 404
    login(client, a.manager)
    resp = client.post(justify, {"holder": builder.engineer.pk, "experience": EXPERIENCE})
    assert resp.status_code == 302
    page = client.get(url)
    assert "rse-justified" in page.text and EXPERIENCE in page.text
    assert not page.context["problems"]
    # once the service stage is passed: frozen
    with scopes_disabled():
        Engagement.objects.filter(pk=builder.pk).update(stage=Stage.EVALUATION)
    assert client.post(justify, {"holder": builder.engineer.pk,
                                 "experience": EXPERIENCE}).status_code == 409
    with scopes_disabled():
        assert RseJustification.objects.filter(engagement=builder).count() == 1
