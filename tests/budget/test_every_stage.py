"""Query budgets of an engagement's pages in every stage (README, "Query budget"; issue 19).

The all-pages crawl (``test_all_pages``) visits one engagement page per route, that of the
first engagement it meets (one in the service stage). An engagement's pages read different
things in different stages (the gate of an active stage; the frozen records of an ended
one; the portal's tabs of what awaits the client), so here the staff engagement page (with
the sections it loads after it) and each tab of the portal's engagement page are measured
for an engagement in every stage, 4 needs analysis … 9 follow-up, closed, declined and
terminated, with 5 and with 50 rows of each kind of record: at most 12 queries, and the
same with 5 and 50.
"""


import pytest
from django.test import Client
from django.urls import reverse

from engagements import services as engagement_services
from engagements.freezing import frozen_records_unlocked
from engagements.models import Engagement
from engagements.stages import Stage
from tests import factories as f
from tests.admin.world import _unique_sets, clone, firm_models, rows_of
from tests.budget.crawl import LOADED, count_queries, measuring
from tests.engagements.helpers import advance_to
from tests.feedback.helpers import handed_over, to_follow_up
from tests.scoping import scopes_disabled

BUDGET = 12
# "stage page": pages over their budget today, with their queries (5 rows = 50 rows); each
# is a strict xfail, so the list must shrink when a page is made cheaper.
OVER_BUDGET: dict[str, str] = {
    # none today. Were over: the closed staff page 19, evaluation and follow-up 20, delivery
    # 13 (clause 6's records now load after the page once frozen; the feedback panel's
    # counts and hand-over are read with the engagement), the portal overview in
    # communication, delivery and evaluation 13 (the verdict read with what awaits the
    # client, none before the hand-over; no transaction when the framework was seen).
}
PORTAL_TABS = ["portal:engagement", "portal:engagement_progress", "portal:engagement_documents",
               "portal:engagement_risks", "portal:engagement_follow_up"]


def engagements_in_every_stage(w):
    """``{stage: engagement}`` of world ``w`` (populated: its closed engagement and its
    engagement in the service stage are the world's own, with every kind of record)."""
    with scopes_disabled():
        mine = Engagement.objects.filter(firm=w.firm).order_by("pk")
        out = {Stage.CLOSED: mine.filter(stage=Stage.CLOSED).first(),
               Stage.DELIVERY: mine.filter(stage=Stage.DELIVERY).first()}

        def new():
            return f.EngagementFactory(client=w.client, lead_consultant=w.consultant)

        out[Stage.NEEDS_ANALYSIS] = new()
        out[Stage.COMMUNICATION] = advance_to(new(), Stage.COMMUNICATION)
        out[Stage.CONTRACTING] = advance_to(new(), Stage.CONTRACTING)
        out[Stage.EVALUATION] = handed_over(w)
        out[Stage.FOLLOW_UP] = to_follow_up(handed_over(w), w)
        declined = advance_to(new(), Stage.CONTRACTING)
        engagement_services.engagement_decline(engagement=declined, by=w.manager,
                                               reason="客户预算不足，暂不签订合同")
        out[Stage.DECLINED] = declined
        terminated = handed_over(w)
        engagement_services.engagement_terminate(engagement=terminated, by=w.manager,
                                                 reason="客户停产整顿，双方协商终止服务")
        out[Stage.TERMINATED] = terminated
    assert {e.stage for e in out.values()} == set(Stage.values)
    return out


def engagement_record_models():
    """``[(model, its foreign key to the engagement)]``: the firm's records that belong to
    one engagement, many to one (a one-to-one record is one whatever the rows)."""
    out = []
    for model in firm_models():
        for field in model._meta.concrete_fields:
            if field.is_relation and field.related_model is Engagement and not field.unique \
                    and not _one_per_other_row(model, field):
                out.append((model, field))
                break
    return out


def _one_per_other_row(model, field):
    """Whether ``model`` has one row per engagement and other row (a team member: one per
    person of the firm; as many as the firm's people, which the firm-wide rows give)."""
    for names in _unique_sets(model):
        if field.name in names and all(model._meta.get_field(n).is_relation for n in names):
            return True
    return False


def records_of(engagement, count):
    """Make ``engagement`` have ``count`` rows of each kind of record (clones of the firm's
    rows of that kind, in turn, moved to it)."""
    with scopes_disabled():
        for model, field in engagement_record_models():
            rows = model._base_manager.filter(firm_id=engagement.firm_id)
            seeds = list(rows.order_by("pk")[:20])
            if not seeds:
                continue
            have = rows.filter(**{field.name: engagement}).count()
            for i in range(count - have):
                copy = clone(seeds[i % len(seeds)])
                model._base_manager.filter(pk=copy.pk).update(**{field.attname: engagement.pk})


def pages_of(client, engagement, portal_client):
    """``[(name, client, url)]``: the staff engagement page, the sections it loads after it,
    and the portal's tabs."""
    url = engagement.get_absolute_url()
    response = client.get(url)
    assert response.status_code == 200, (engagement.stage, response.status_code)
    pages = [("staff page", client, url)]
    for section in sorted(set(LOADED.findall(response.content.decode()))):
        pages.append((f"staff section {section.split('/')[-2]}", client, section))
    for name in PORTAL_TABS:
        pages.append((name, portal_client, reverse(name, args=[engagement.pk])))
    return pages


@pytest.fixture(scope="module")
def measured(worlds, django_db_blocker):
    """``{(stage, page): (status, queries with 5 rows, status, queries with 50 rows)}``."""
    wa, _wb = worlds
    with measuring(django_db_blocker):
        stages = engagements_in_every_stage(wa)
        from feedback.services import causes_for
        from hazards.services import criteria_seed
        with scopes_disabled():
            causes_for(wa.firm)
            criteria_seed(firm=wa.firm)
        models = firm_models()

        def fill(rows):
            # records copied into engagements past their stage: PostgreSQL's frozen
            # record triggers refuse them, but for this one logged escape
            with frozen_records_unlocked("the budget test's world: records copied "
                                         "into engagements past their stage"):
                for model in models:
                    rows_of(model, wa.firm, rows)
                for engagement in stages.values():
                    records_of(engagement, rows)

        staff, portal = Client(), Client()
        staff.force_login(wa.manager)
        portal.force_login(wa.contact.user)
        staff.get("/")
        portal.get("/portal/")
        fill(5)
        found = {}
        for stage, engagement in stages.items():
            for name, client, url in pages_of(staff, engagement, portal):
                count_queries(client, url)  # the first visit of a URL, as the crawl's
                response, queries = count_queries(client, url)
                found[(stage, name)] = (client, url, response.status_code, queries)
        fill(50)
        result = {}
        for key, (client, url, status, small) in found.items():
            response, large = count_queries(client, url)
            result[key] = (status, small, response.status_code, large)
        yield result


def test_every_stage_and_page_is_measured(db, measured):
    stages = {stage for stage, _page in measured}
    assert stages == set(Stage.values)
    for stage in Stage.values:
        assert (stage, "staff page") in measured
        assert (stage, "staff section history") in measured, stage
        for name in PORTAL_TABS:
            assert (stage, name) in measured
    # The portal shows the client every engagement of theirs, whatever its stage.
    assert all(status == 200 for status, _s, _status, _l in measured.values()), {
        key: value for key, value in measured.items() if value[0] != 200}


def within(value):
    status, small, status2, large = value
    return max(small, large) <= BUDGET and small == large and status == status2


def test_an_engagements_pages_are_within_budget_in_every_stage(db, measured):
    failures = [f"{stage} {page}: {small} → {large} queries (status {status}, {status2})"
                for (stage, page), (status, small, status2, large) in sorted(measured.items())
                if f"{stage} {page}" not in OVER_BUDGET
                and not within((status, small, status2, large))]
    assert not failures, "\n".join(failures)


def test_every_page_over_budget_is_measured(db, measured):
    """A key of ``OVER_BUDGET`` that names no measured page would pass its strict xfail
    for ever."""
    names = {f"{stage} {page}" for stage, page in measured}
    assert not [name for name in OVER_BUDGET if name not in names]


@pytest.mark.parametrize("name", [
    pytest.param(name, marks=pytest.mark.xfail(strict=True, reason=f"{count} queries today"))
    for name, count in OVER_BUDGET.items()])
def test_pages_over_budget_today(db, measured, name):
    by_name = {f"{stage} {page}": value for (stage, page), value in measured.items()}
    assert within(by_name[name]), by_name[name]
