"""Clause 5: a "blocker" verdict on any of the six dimensions is a manager's decision. The
engagement proceeds only with a manager's recorded approval (who, when, why), bound to the
findings they approved; shown on the engagement's pages and in the dossier."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from consultancy.activity.models import Event
from consultancy.tenancy.scoping import CrossFirmReference
from dashboard.pdf import dossier_chapters
from engagements import services
from engagements.models import NeedsAssessment
from engagements.stages import Stage
from tests import factories as f
from tests.conftest import login
from tests.scoping import scopes_disabled

pytestmark = pytest.mark.django_db

REASON = "客户已承诺增派两名安全员，进度风险可控，同意承接"


@pytest.fixture(autouse=True)
def _unscoped():
    with scopes_disabled():
        yield


@pytest.fixture
def blocked(a):
    """A complete assessment deciding *proceed*, with a blocker on the schedule."""
    engagement = f.EngagementFactory(client=a.client, lead_consultant=a.consultant)
    f.NeedsAssessmentFactory(engagement=engagement, schedule_verdict="blocker",
                             schedule_finding="客户要求一个月内完成，常规需三个月")
    return engagement


def _gate_missing(engagement, by):
    with pytest.raises(services.GateClosed) as exc:
        services.engagement_confirm_needs(engagement=engagement, by=by)
    return [r.code for r in exc.value.missing]


def test_the_gate_of_clause_5_lists_the_managers_decision(a, blocked):
    assert [r.code for r in blocked.requirements()] == ["5.assessment", "5.blocker_approved"]
    row = blocked.requirements()[1]
    assert row.clause == "5" and not row.met


def test_a_blocker_alone_holds_the_gate_until_a_manager_approves(a, blocked):
    assert _gate_missing(blocked, a.consultant) == ["5.blocker_approved"]
    services.needs_blocker_approve(assessment=blocked.needs_assessment, by=a.manager,
                                   reason=REASON)
    services.engagement_confirm_needs(engagement=blocked, by=a.consultant)
    assert blocked.stage == Stage.COMMUNICATION


def test_without_a_blocker_no_decision_is_needed(a):
    engagement = f.EngagementFactory(client=a.client, lead_consultant=a.consultant)
    f.NeedsAssessmentFactory(engagement=engagement)  # "fine" and "concern" only
    assert all(r.met for r in engagement.requirements())
    with pytest.raises(ValidationError) as exc:
        services.needs_blocker_approve(assessment=engagement.needs_assessment, by=a.manager,
                                       reason=REASON)
    assert "第 5 条款" in " ".join(exc.value.messages)


def test_the_approval_records_who_when_and_why(a, blocked):
    approved = services.needs_blocker_approve(assessment=blocked.needs_assessment,
                                              by=a.manager, reason=REASON)
    assert approved.blocker_approved_by == a.manager
    assert approved.blocker_approved_at is not None
    assert approved.blocker_approval_reason == REASON and approved.blocker_approved
    event = Event.objects.get(engagement_id=blocked.pk, verb="needs.blocker_approved")
    assert event.actor == a.manager and event.clause == "5"
    assert event.params["reason"] == REASON and "进度" in event.params["dimensions"]


@pytest.mark.parametrize("who, reason, field", [
    ("consultant", REASON, None), ("manager", "", "reason"), ("manager", "无", "reason")])
def test_only_a_manager_with_a_reason_approves(a, blocked, who, reason, field):
    with pytest.raises(ValidationError) as exc:
        services.needs_blocker_approve(assessment=blocked.needs_assessment,
                                       by=getattr(a, who), reason=reason)
    if field:
        assert field in exc.value.message_dict
    else:
        assert "第 5 条款" in " ".join(exc.value.messages)
    assert not NeedsAssessment.objects.get(engagement=blocked).blocker_approved


def test_a_manager_of_another_firm_cannot_approve(a, b, blocked):
    with pytest.raises(CrossFirmReference):
        services.needs_blocker_approve(assessment=blocked.needs_assessment, by=b.manager,
                                       reason=REASON)
    assert not NeedsAssessment.objects.get(engagement=blocked).blocker_approved


def test_changing_the_findings_lapses_the_approval(a, blocked):
    services.needs_blocker_approve(assessment=blocked.needs_assessment, by=a.manager,
                                   reason=REASON)
    services.needs_assessment_save(engagement=blocked, by=a.consultant,
                                   schedule_finding="客户要求两周内完成")
    assessment = NeedsAssessment.objects.get(engagement=blocked)
    assert not assessment.blocker_approved and assessment.blocker_approved_by is None
    assert Event.objects.filter(engagement_id=blocked.pk,
                                verb="needs.blocker_approval_lapsed").exists()
    assert _gate_missing(blocked, a.consultant) == ["5.blocker_approved"]
    # a change that leaves the findings as approved keeps it
    services.needs_blocker_approve(assessment=assessment, by=a.manager, reason=REASON)
    services.needs_assessment_save(engagement=blocked, by=a.consultant,
                                   decision_reasons="同意承接")
    assert NeedsAssessment.objects.get(engagement=blocked).blocker_approved


def test_the_decision_page(client, a, b, blocked):
    url = reverse("engagements:needs_blocker_approval", args=[blocked.pk])
    login(client, a.consultant)
    page = client.get(url)
    assert page.status_code == 200 and page.context["form"] is None
    assert client.post(url, {"reason": REASON}).status_code == 404
    detail = client.get(reverse("engagements:detail", args=[blocked.pk]))
    assert 'id="blocker-status"' in detail.text and url in detail.text
    login(client, b.manager)
    assert client.get(url).status_code == 404
    login(client, a.manager)
    page = client.get(url)
    form = page.context["form"]
    from consultancy.tenancy.versioning import VERSION_FIELD

    data = {"reason": "", VERSION_FIELD: form.fields[VERSION_FIELD].initial}
    assert "reason" in client.post(url, data).context["form"].errors
    data["reason"] = REASON
    assert client.post(url, data).status_code == 302
    assessment = NeedsAssessment.objects.get(engagement=blocked)
    assert assessment.blocker_approved_by == a.manager
    page = client.get(url)
    assert page.context["form"] is None and REASON in page.text


def test_a_stale_decision_is_refused(client, a, blocked):
    url = reverse("engagements:needs_blocker_approval", args=[blocked.pk])
    login(client, a.manager)
    form = client.get(url).context["form"]
    from consultancy.tenancy.versioning import VERSION_FIELD

    seen = form.fields[VERSION_FIELD].initial
    services.needs_assessment_save(engagement=blocked, by=a.consultant,
                                   schedule_finding="客户要求两周内完成")
    resp = client.post(url, {"reason": REASON, VERSION_FIELD: seen})
    assert resp.status_code == 200 and resp.context["form"].errors
    assert not NeedsAssessment.objects.get(engagement=blocked).blocker_approved


def test_the_dossier_shows_the_decision(a, blocked):
    def rows():
        chapter = dossier_chapters(blocked, only=["5"])[0]
        block = chapter["sections"][0].blocks[0]
        return dict(block["rows"])

    assert rows()["经理决定继续"] == "尚未批准"
    services.needs_blocker_approve(assessment=blocked.needs_assessment, by=a.manager,
                                   reason=REASON)
    shown = rows()
    assert a.manager.full_name in shown["经理决定继续"] and shown["决定理由"] == REASON
    assert shown["“不可行”结论"] == "进度安排"


def test_every_save_keeps_the_findings_fingerprint_current(a, blocked):
    """The gate compares the approved fingerprint with the stored one in SQL (one batched
    query): every save keeps the stored one equal to the findings' own, new rows too."""
    assessment = NeedsAssessment.objects.get(engagement=blocked)
    before = assessment.blocker_content_fingerprint
    assert before == assessment.blocker_fingerprint != ""
    assessment.schedule_finding = "客户同意延长至三个月"
    assessment.save(update_fields=["schedule_finding"])
    stored = NeedsAssessment.objects.get(pk=assessment.pk)
    assert stored.blocker_content_fingerprint == stored.blocker_fingerprint != before


def test_the_migration_fingerprints_as_the_model_does(a, blocked):
    """0009's data migration computes the fingerprint from the historical model: the same
    digest as the model's property, so approvals given before it still hold."""
    import importlib

    from django.apps import apps as django_apps

    migration = importlib.import_module("engagements.migrations.0009_blocker_content_fingerprint")
    assessment = NeedsAssessment.objects.get(engagement=blocked)
    NeedsAssessment.objects.filter(pk=assessment.pk).update(blocker_content_fingerprint="")
    migration.fingerprint_findings(django_apps, mock_schema_editor())
    assert (NeedsAssessment.objects.get(pk=assessment.pk).blocker_content_fingerprint
            == assessment.blocker_fingerprint)


def mock_schema_editor():
    from types import SimpleNamespace

    from django.db import connection

    return SimpleNamespace(connection=connection)


def test_the_gate_is_one_batched_query_for_many_engagements(a, blocked):
    """5.blocker_approved joins the gates' one UNION ALL: the statuses of several
    engagements in needs analysis, blocked or not, take the same number of queries."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from engagements.gates import statuses_for_many

    others = [f.EngagementFactory(client=a.client, lead_consultant=a.consultant)
              for _ in range(3)]
    f.NeedsAssessmentFactory(engagement=others[0], risks_verdict="blocker")
    with CaptureQueriesContext(connection) as one:
        statuses_for_many([blocked])
    with CaptureQueriesContext(connection) as four:
        statuses = statuses_for_many([blocked, *others])
    assert len(one) == len(four)
    met = {e.pk: {r.code: r.met for r in statuses[e.pk]} for e in [blocked, *others]}
    assert met[blocked.pk]["5.blocker_approved"] is False
    assert met[others[0].pk]["5.blocker_approved"] is False
    assert met[others[1].pk]["5.blocker_approved"] is True
