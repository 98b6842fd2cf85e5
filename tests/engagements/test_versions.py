"""``VersionedQuerySet``: the current version of a versioned record (the framework of 6.4,
the contract of 7, the plan of 8.3, a document of 8.5) is its highest version, and a firm
only ever sees its own."""

import pytest
from django_scopes import ScopeError

from consultancy.tenancy.scoping import firm_scope
from engagements.models import Engagement, ProjectFramework
from tests import factories as f
from tests.scoping import scopes_disabled


@pytest.fixture
def frameworks(a, b):
    """Firm a: one engagement with versions 1–3 (3 a draft) and one with version 1 only.
    Firm b: one engagement with versions 1–4."""
    with scopes_disabled():
        ours = f.EngagementFactory(client=a.client)
        single = f.EngagementFactory(client=a.client)
        theirs = f.EngagementFactory(client=b.client)
        for v in (2, 1, 3):  # created out of order: the number decides, not the row
            f.ProjectFrameworkFactory(engagement=ours, version=v, objectives=f"ours v{v}")
        f.ProjectFrameworkFactory(engagement=single, version=1)
        for v in (1, 2, 3, 4):
            f.ProjectFrameworkFactory(engagement=theirs, version=v)
    return ours, single, theirs


def test_current_for_picks_the_highest_version(a, frameworks):
    ours, single, _ = frameworks
    with firm_scope(a.firm):
        assert ProjectFramework.objects.current_for(ours).version == 3
        assert ProjectFramework.objects.current_for(ours.pk).objectives == "ours v3"
        assert ProjectFramework.objects.current_for(single).version == 1
        # "current" is relative to the queryset it is asked of
        assert ProjectFramework.objects.exclude(version=3).current_for(ours).version == 2
        assert ProjectFramework.objects.filter(engagement=ours).current().version == 3


def test_another_firms_records_are_never_current(a, b, frameworks):
    ours, _, theirs = frameworks
    with firm_scope(a.firm):
        assert ProjectFramework.objects.current_for(theirs) is None
        assert ProjectFramework.objects.current().engagement_id != theirs.pk
        newest = ProjectFramework.objects.filter(engagement_id__in=[ours.pk, theirs.pk]).newest()
        assert [(fw.engagement_id, fw.version) for fw in newest] == [(ours.pk, 3)]
    with firm_scope(b.firm):
        assert ProjectFramework.objects.current_for(theirs).version == 4
        assert ProjectFramework.objects.current_for(ours) is None


def test_newest_gives_each_owners_highest_version_in_one_query(a, frameworks,
                                                               django_assert_num_queries):
    ours, single, _ = frameworks
    with firm_scope(a.firm), django_assert_num_queries(1):
        rows = {fw.engagement_id: fw.version for fw in ProjectFramework.objects.newest()}
    assert rows == {ours.pk: 3, single.pk: 1}
    with firm_scope(a.firm):
        # filtered after: an owner whose highest version fails the filter drops out
        assert list(ProjectFramework.objects.newest().filter(version__gt=1)
                    .values_list("engagement_id", flat=True)) == [ours.pk]
        # filtered before: the highest of what is left
        assert {fw.engagement_id: fw.version
                for fw in ProjectFramework.objects.filter(version__lt=3).newest()} == {
            ours.pk: 2, single.pk: 1}


def test_current_value_annotates_the_owners(a, frameworks):
    ours, single, theirs = frameworks
    with firm_scope(a.firm):
        rows = dict(Engagement.objects.annotate(v=ProjectFramework.objects.current_value(
            "version")).values_list("pk", "v"))
    assert rows[ours.pk] == 3 and rows[single.pk] == 1 and theirs.pk not in rows


def test_outside_a_scope_the_versioned_methods_refuse(a, frameworks):
    ours, _, _ = frameworks
    with pytest.raises(ScopeError):
        ProjectFramework.objects.current_for(ours)
    with pytest.raises(ScopeError):
        ProjectFramework.objects.newest()
    with pytest.raises(ScopeError):
        ProjectFramework.objects.current()
