import pytest

from engagements.stages import Stage
from tests import factories as f
from tests.engagements.helpers import advance_to
from tests.s3 import moto_endpoint, s3  # noqa: F401 (fixtures: a local S3 API server)
from tests.scoping import scopes_disabled


@pytest.fixture
def eng(a, b):
    """Each firm's engagement with a chemical client, in the service stage, led by its
    consultant."""
    made = {}
    with scopes_disabled():
        for w in (a, b):
            w.client.industry = "chemical"
            w.client.save()
            made[w.firm.pk] = advance_to(
                f.EngagementFactory(client=w.client, lead_consultant=w.consultant),
                Stage.DELIVERY)
    return made
