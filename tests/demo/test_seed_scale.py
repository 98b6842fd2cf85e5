"""``manage.py seed_scale`` (consultancy/demo/scale.py; issue 19's benchmark data set): a new
firm is a copy of the pattern firm and everything it owns, its engagements then copied
until it has as many as asked; every copied row points to the new firm's rows, never to
the pattern's; and it is safe to run again."""

from collections import Counter
from io import StringIO

import pytest
from django.core.management import call_command

from consultancy.demo import scale
from consultancy.tenancy.models import Firm, User
from engagements.models import Engagement
from engagements.stages import Stage
from tests import factories as f
from tests.admin.world import populate
from tests.conftest import _world
from tests.engagements.helpers import advance_to
from tests.scoping import scopes_disabled


@pytest.fixture
def pattern(db):
    """A small firm like the demo's: an engagement closed with every record of clauses
    5–9, one in the service stage with its records (populate), one in needs analysis, one
    in communication with its clause 6 records, one declined."""
    w = _world(db, "p")
    populate(w)
    with scopes_disabled():
        f.EngagementFactory(client=w.client, lead_consultant=w.consultant)
        advance_to(f.EngagementFactory(client=w.client, lead_consultant=w.consultant),
                   Stage.COMMUNICATION)
        declined = advance_to(f.EngagementFactory(client=w.client, lead_consultant=w.consultant),
                              Stage.COMMUNICATION)
        from engagements import services

        services.engagement_decline(engagement=declined, by=w.manager, reason="客户取消需求")
    return w


def firm_owned(model):
    return any(field.name == "firm" for field in model._meta.concrete_fields)


def owned_counts(firm):
    """``{model label: rows of the firm}`` of every firm-owned model seed_scale copies."""
    out = {}
    for model in scale.project_models():
        if firm_owned(model) and model is not Firm:
            out[model._meta.label] = model._base_manager.filter(firm=firm).count()
    return out


def _points_to(field, firm):
    """The filter of the rows whose ``field`` is ``firm`` or one of its rows."""
    return {field.name: firm} if field.related_model is Firm else {f"{field.name}__firm": firm}


def references_to(pattern_firm, new_firm):
    """``[(model, field, count)]``: rows of the new firm (or, in a table with no ``firm`` —
    a many-to-many table —, rows pointing to one of the new firm's) that point to the
    pattern firm or one of its rows."""
    found = []
    for model in scale.project_models():
        if model is Firm:
            continue
        fks = [fk for fk in scale._fks(model)
               if fk.related_model is Firm or firm_owned(fk.related_model)]
        anchors = [None] if firm_owned(model) else fks
        for anchor in anchors:
            mine = {"firm": new_firm} if anchor is None else _points_to(anchor, new_firm)
            for fk in fks:
                if fk is anchor:
                    continue
                n = model._base_manager.filter(**mine).filter(
                    **_points_to(fk, pattern_firm)).count()
                if n:
                    found.append((model._meta.label, fk.name, n))
    return found


def test_copy_firm_and_add_engagements(pattern):
    with scopes_disabled():
        base = pattern.firm
        before = owned_counts(base)
        pattern_engagements = Engagement._base_manager.filter(firm=base).count()
        assert pattern_engagements >= 5
        assert len({e.stage for e in Engagement._base_manager.filter(firm=base)}) >= 4

        firm = scale.copy_firm(base, 1)
        assert firm.pk != base.pk
        # The pattern firm is as it was.
        assert owned_counts(base) == before
        # The new firm owns a copy of everything the pattern firm owns.
        assert owned_counts(firm) == before
        staff = User.objects.filter(firm=firm)
        assert staff.count() == User.objects.filter(firm=base).count()
        assert all("@s001." in user.email for user in staff), [u.email for u in staff]
        assert references_to(base, firm) == []

        wanted = pattern_engagements * 2 + 3  # two rounds of every template, and a rest
        added = scale.add_engagements(firm, wanted, 1)
        engagements = Engagement._base_manager.filter(firm=firm)
        assert engagements.count() == wanted
        assert added == wanted - pattern_engagements
        numbers = list(engagements.values_list("number", flat=True))
        assert len(set(numbers)) == len(numbers)
        # every stage of the pattern's is among the copies
        stages = Counter(engagements.values_list("stage", flat=True))
        assert set(stages) == set(Engagement._base_manager.filter(firm=base)
                                  .values_list("stage", flat=True))
        # No row of the new firm points to a row of the pattern firm (a record to the
        # pattern's engagement, a contract to its client…), and the pattern firm is intact.
        assert references_to(base, firm) == []
        assert owned_counts(base) == before
        # each copied engagement has its records: the new firm has more of them than one copy
        grown = owned_counts(firm)
        assert grown["engagements.StageTransition"] > before["engagements.StageTransition"]

        # Again: nothing is added.
        assert scale.add_engagements(firm, wanted, 1) == 0
        assert owned_counts(firm) == grown
        # Fewer asked than the firm has: nothing either.
        assert scale.add_engagements(firm, 2, 1) == 0
        assert owned_counts(firm) == grown


def test_the_command_seeds_and_is_safe_to_run_again(pattern):
    """The command copies the pattern firm (its manager ``manager@antai.example``) and is
    idempotent: run again, the firms are completed, not made twice."""
    with scopes_disabled():
        User.objects.filter(pk=pattern.manager.pk).update(email="manager@antai.example")
        firms = Firm.objects.count()
    call_command("seed_scale", firms=2, engagements=8, stdout=StringIO())
    with scopes_disabled():
        assert Firm.objects.count() == firms + 2
        for index in (1, 2):
            manager = User.objects.get(email=f"manager@s{index:03d}.antai.example")
            assert Engagement._base_manager.filter(firm=manager.firm_id).count() == 8
        counts = {firm.pk: owned_counts(firm) for firm in Firm.objects.all()}
    call_command("seed_scale", firms=2, engagements=8, stdout=StringIO())
    with scopes_disabled():
        assert Firm.objects.count() == firms + 2
        assert {firm.pk: owned_counts(firm) for firm in Firm.objects.all()} == counts
