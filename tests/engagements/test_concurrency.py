"""Two users advance the same engagement at the same moment: exactly one wins."""

import threading

import pytest
from django.db import connection, connections

from engagements import services
from engagements.models import Engagement, StageTransition
from engagements.stages import Stage
from tests import factories as f
from tests.scoping import scopes_disabled


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("with_expected_stage", [True, False])
def test_two_simultaneous_transitions_one_wins(a, with_expected_stage):
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL (the CI's second run); SQLite serialises writes")
    with scopes_disabled():
        e = f.EngagementFactory(client=a.client, lead_consultant=a.consultant)
        f.NeedsAssessmentFactory(engagement=e)
    barrier = threading.Barrier(2)
    outcomes = []

    def advance(user):
        try:
            with scopes_disabled():
                mine = Engagement.objects.get(pk=e.pk)  # each user loaded the page
                barrier.wait(timeout=10)
                services.engagement_confirm_needs(
                    engagement=mine, by=user,
                    expected_stage=Stage.NEEDS_ANALYSIS if with_expected_stage else None)
            outcomes.append("won")
        except services.TransitionRefused as exc:
            outcomes.append(type(exc).__name__)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=advance, args=(u,)) for u in (a.consultant, a.manager)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert len(outcomes) == 2 and outcomes.count("won") == 1, outcomes
    if with_expected_stage:  # the UI always sends the stage the user saw
        assert "StageConflict" in outcomes
    with scopes_disabled():
        assert StageTransition.objects.filter(engagement=e).count() == 1
        assert Engagement.objects.get(pk=e.pk).stage == Stage.COMMUNICATION
