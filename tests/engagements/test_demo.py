"""``manage.py demo``: the engagements it makes, through the services, idempotently."""

from io import StringIO

import pytest
from django.core.management import call_command

from consultancy.tenancy.models import Firm
from engagements import gates
from engagements.models import (
    CommunicationRecord,
    Engagement,
    ExchangeRecord,
    NeedsAssessment,
    ProjectFramework,
    SiteVisit,
    StageTransition,
)
from engagements.stages import Stage
from tests.scoping import scopes_disabled

RECORD_MODELS = [Engagement, StageTransition, NeedsAssessment, SiteVisit, CommunicationRecord,
                 ExchangeRecord, ProjectFramework]


def _counts(firm):
    return {model.__name__: model.objects.filter(firm=firm).count() for model in RECORD_MODELS}


@pytest.mark.django_db
def test_demo_engagements_stand_at_their_gates_and_a_second_run_adds_nothing():
    call_command("demo", stdout=StringIO())
    with scopes_disabled():
        firms = list(Firm.objects.filter(name__in=["安泰安全技术咨询有限公司",
                                                   "华安企业安全咨询有限公司"]))
        assert len(firms) == 2
        first = {firm.pk: _counts(firm) for firm in firms}
    call_command("demo", stdout=StringIO())
    with scopes_disabled():
        for firm in firms:
            assert _counts(firm) == first[firm.pk], firm.name
            engagements = list(Engagement.objects.filter(firm=firm))
            by_stage = {}
            for e in engagements:
                by_stage.setdefault(e.stage, []).append(e)
            for stage in (Stage.NEEDS_ANALYSIS, Stage.COMMUNICATION, Stage.CONTRACTING,
                          Stage.DECLINED):
                assert by_stage.get(stage), (firm.name, stage)
            for e in by_stage[Stage.COMMUNICATION] + by_stage[Stage.CONTRACTING]:
                assert e.transitions.filter(from_stage=Stage.NEEDS_ANALYSIS,
                                            to_stage=Stage.COMMUNICATION).exists(), e
            open_gates = {gates.gate_is_open(e) for e in by_stage[Stage.NEEDS_ANALYSIS]}
            assert open_gates == {True, False}, firm.name
            for e in by_stage[Stage.CONTRACTING]:
                rows = e.requirements(Stage.COMMUNICATION)
                assert rows and all(r.met for r in rows), e
            for e in by_stage[Stage.COMMUNICATION]:
                assert not gates.gate_is_open(e), e
            for e in by_stage[Stage.DECLINED]:
                assert e.needs_assessment.decision == NeedsAssessment.Decision.DECLINE
                assert e.needs_assessment.decision_reasons and e.end_reason
