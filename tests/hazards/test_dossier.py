"""The engagement dossier's section of hidden dangers (8.4, 隐患排查治理): the figures,
the ledger with each one's unit and rectification, and the steps of the major ones and
of a refused one; in Chinese (the dossier's language) and in English."""

import pytest
from django.utils import translation

from consultancy.documents.pdf import render_html
from consultancy.tenancy.scoping import firm_scope
from dashboard.pdf import dossier_pdf_spec
from delivery import services as delivery_services
from delivery.models import SiteUnit
from tests.hazards.helpers import record, take, to_state
from tests.scoping import scopes_disabled

pytestmark = pytest.mark.django_db


@pytest.fixture
def dangers(a, eng):
    e = eng[a.firm.pk]
    with firm_scope(a.firm):
        tanks = delivery_services.site_unit_save(
            record=SiteUnit(engagement=e, name="甲类罐区"), by=a.consultant)
    to_state(record(e, a.consultant, unit=tanks, location="3# 储罐",
                    description="呼吸阀堵塞"), "closed", staff=a.consultant, contact=a.contact)
    major = record(e, a.consultant, major=True, location="液氯储存区",
                   description="液氯钢瓶未设置防倾倒措施")
    refused = record(e, a.consultant, location="二车间", description="设备接地断开")
    take(refused, "notify", a.consultant)
    take(refused, "record_refusal", a.consultant, reason="停产检修时再整改",
         advice="立即临时接地", informed_in_writing_on=None)
    return {"e": e, "major": major, "refused": refused}


def _section(engagement, language):
    with translation.override(language), scopes_disabled():
        spec = dossier_pdf_spec(engagement)
        html = render_html(spec.template_name, {**spec.context, "firm": engagement.firm})
    return {s.key: s for s in spec.context["sections"]}["8.4.hazards"], html


def test_the_section_in_chinese(a, dangers):
    section, html = _section(dangers["e"], "zh-hans")
    assert section.heading == "8.4　隐患排查治理" and len(section.blocks) == 4
    figures, ledger, major_steps, refused_steps = section.blocks
    assert "整改率 33.3%" in figures["title"]
    assert figures["rows"][0][:3] == ["一般隐患", "2", "1"]
    assert ledger["header"][0] == "编号" and len(ledger["rows"]) == 3
    assert ledger["rows"][0][2] == "甲类罐区 · 3# 储罐"
    assert f"（{dangers['major'].criterion.code}）" in ledger["rows"][1][5]
    assert major_steps["title"].startswith(dangers["major"].number)
    assert ["停产检修时再整改"] == [r[4] for r in refused_steps["rows"]
                                    if r[0] == "客户拒绝整改的理由"]
    assert 'data-clause="8.4.hazards"' in html and "液氯钢瓶未设置防倾倒措施" in html


def test_the_section_in_english(a, dangers):
    section, _html = _section(dangers["e"], "en")
    figures, ledger = section.blocks[:2]
    assert "rectification rate 33.3%" in figures["title"]
    assert ledger["header"][:3] == ["No.", "Found on", "Unit or area"]
