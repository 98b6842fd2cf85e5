"""Frozen records are refused below ``save()``: by the queryset guard on every database
(``update()``, ``bulk_update()``, ``delete()``) and by the triggers on PostgreSQL (raw
SQL too); ``frozen_records_unlocked`` is the one, logged, escape."""

import datetime
import logging
from decimal import Decimal

import pytest
from django.apps import apps
from django.db import DatabaseError, connection, models, transaction
from django.utils import timezone

from contracts.models import Contract, Deliverable, PaymentInstallment
from engagements.freezing import FROZEN_SQLSTATE, frozen_records_unlocked, is_frozen_error
from engagements.models import Engagement, EngagementRecord, FrozenGuardQuerySet, FrozenRecord
from engagements.stages import Stage
from feedback.models import ClientAcceptance, ObjectiveReview, OutcomeReview
from tests import factories as f
from tests.scoping import scopes_disabled

# Every model with frozen rows: the records of an engagement (EngagementRecord), the
# contract and its content rows, the objectives of an outcome review.
RECORD_MODELS = [
    "engagements.NeedsAssessment", "engagements.SiteVisit", "engagements.CommunicationRecord",
    "engagements.ExchangeRecord", "engagements.ProjectFramework",
    "delivery.SiteResearch", "delivery.ResourceResearch", "delivery.TeamMember",
    "delivery.RseJustification",
    "delivery.ConsultingPlan", "delivery.GuidanceLog", "delivery.SiteUnit", "delivery.RiskItem",
    "delivery.ProgressReport", "delivery.ProjectDocument",
    "feedback.ClientAcceptance", "feedback.OutcomeReview", "feedback.FollowUpGuidance",
    "feedback.FollowUpVisit",
]
FROZEN_MODELS = RECORD_MODELS + ["contracts.Contract", "contracts.Deliverable",
                                 "contracts.PaymentInstallment", "feedback.ObjectiveReview"]
# Frozen from the moment it is recorded: no row of it is ever "not frozen".
ALWAYS_FROZEN = {"feedback.ClientAcceptance"}

pytestmark = pytest.mark.django_db


def _model(label):
    return apps.get_model(label)


def _fill(model, world, **given):
    """A row of ``model`` with every required column given a plausible value, inserted
    with ``bulk_create`` (no ``save()``: the state is made directly)."""
    values = {"firm": world.firm, **given}
    for field in model._meta.concrete_fields:
        if field.primary_key or field.name in values or field.attname in values:
            continue
        if field.has_default() or getattr(field, "auto_now", False) or getattr(
                field, "auto_now_add", False):
            continue
        if field.null:
            continue
        if field.is_relation:
            related = field.related_model
            if related._meta.label == "tenancy.User":
                values[field.name] = world.consultant
            elif related._meta.label == "clients.ClientContact":
                values[field.name] = world.contact
            else:
                raise AssertionError(f"{model.__name__}.{field.name}: give it")
        elif field.choices:
            values[field.name] = field.choices[0][0]
        elif isinstance(field, models.FileField):
            values[field.name] = ""
        elif isinstance(field, (models.CharField, models.TextField)):
            values[field.name] = "记录内容"
        elif isinstance(field, models.DateTimeField):
            values[field.name] = timezone.now()
        elif isinstance(field, models.DateField):
            values[field.name] = timezone.localdate()
        elif isinstance(field, models.DecimalField):
            values[field.name] = Decimal("1")
        elif isinstance(field, (models.IntegerField, models.PositiveIntegerField)):
            values[field.name] = 1
        else:
            raise AssertionError(f"{model.__name__}.{field.name}: no value for {field!r}")
    [row] = model.objects.bulk_create([model(**values)])
    return row


def _engagement(world, stage):
    engagement = f.EngagementFactory(firm=world.firm, client=world.client,
                                     lead_consultant=world.consultant)
    Engagement.objects.filter(pk=engagement.pk).update(stage=stage)
    return engagement


def _contract(world, status):
    engagement = _engagement(world, Stage.CONTRACTING)
    return _fill(Contract, world, engagement=engagement, created_by=world.consultant,
                 number=f"HT-{engagement.pk}", status=status)


def make_row(label, world, *, frozen):
    """A row of the model ``label``, frozen or not."""
    model = _model(label)
    if model is Contract:
        return _contract(world, Contract.Status.SIGNED if frozen else Contract.Status.DRAFT)
    if model in (Deliverable, PaymentInstallment):
        status = Contract.Status.SIGNED if frozen else Contract.Status.DRAFT
        return _fill(model, world, contract=_contract(world, status))
    if model is ObjectiveReview:
        engagement = _engagement(world, Stage.CLOSED if frozen else Stage.EVALUATION)
        review = _fill(OutcomeReview, world, engagement=engagement, created_by=world.consultant)
        return _fill(model, world, review=review)
    gate = Stage.DELIVERY if label == "delivery.ConsultingPlan" else model.gate_stage
    engagement = _engagement(world, Stage.CLOSED if frozen else gate)
    extra = {"side": "provider", "user": world.consultant} if label == "delivery.TeamMember" else {}
    return _fill(model, world, engagement=engagement, created_by=world.consultant, **extra)


def text_field(model):
    """A text column of the record's content, to change."""
    if model is Contract:
        return "clause_objectives"
    for field in model._meta.concrete_fields:
        if (isinstance(field, models.TextField) and field.editable and not field.choices
                and not field.blank):
            return field.name
    for field in model._meta.concrete_fields:
        if isinstance(field, (models.CharField, models.TextField)) and field.editable \
                and not field.choices and not isinstance(field, models.FileField):
            return field.name
    raise AssertionError(model)


def stored(model, pk, field):
    with scopes_disabled():
        return model.objects.filter(pk=pk).values_list(field, flat=True).get()


# -- the list covers every frozen model ---------------------------------------------------


def test_every_engagement_record_is_in_the_list():
    records = {m._meta.label for m in apps.get_models() if issubclass(m, EngagementRecord)}
    assert records == set(RECORD_MODELS)


@pytest.mark.parametrize("label", FROZEN_MODELS)
def test_every_frozen_model_has_the_guard(label):
    model = _model(label)
    with scopes_disabled():
        assert isinstance(model.objects.all(), FrozenGuardQuerySet)
    assert callable(model.frozen_q)


# -- the queryset guard (every database) --------------------------------------------------


@pytest.mark.parametrize("label", FROZEN_MODELS)
def test_update_of_a_frozen_row_is_refused(label, a):
    model = _model(label)
    field = text_field(model)
    with scopes_disabled():
        row = make_row(label, a, frozen=True)
        with pytest.raises(FrozenRecord):
            model.objects.filter(pk=row.pk).update(**{field: "改过"})
        assert stored(model, row.pk, field) == getattr(row, field)


@pytest.mark.parametrize("label", FROZEN_MODELS)
def test_bulk_update_of_a_frozen_row_is_refused(label, a):
    model = _model(label)
    field = text_field(model)
    with scopes_disabled():
        row = make_row(label, a, frozen=True)
        before = getattr(row, field)
        setattr(row, field, "改过")
        with pytest.raises(FrozenRecord):
            model.objects.bulk_update([row], [field])
        assert stored(model, row.pk, field) == before


@pytest.mark.parametrize("label", FROZEN_MODELS)
def test_delete_of_a_frozen_row_is_refused(label, a):
    model = _model(label)
    with scopes_disabled():
        row = make_row(label, a, frozen=True)
        with pytest.raises(FrozenRecord):
            model.objects.filter(pk=row.pk).delete()
        assert model.objects.filter(pk=row.pk).exists()


@pytest.mark.parametrize("label", sorted(set(FROZEN_MODELS) - ALWAYS_FROZEN))
def test_a_row_that_is_not_frozen_is_updated_and_deleted(label, a):
    model = _model(label)
    field = text_field(model)
    with scopes_disabled():
        row = make_row(label, a, frozen=False)
        assert model.objects.filter(pk=row.pk).update(**{field: "改过"}) == 1
        setattr(row, field, "再改")
        model.objects.bulk_update([row], [field])
        assert stored(model, row.pk, field) == "再改"
        model.objects.filter(pk=row.pk).delete()
        assert not model.objects.filter(pk=row.pk).exists()


def test_the_guard_asks_one_query(a, django_assert_num_queries):
    with scopes_disabled():
        rows = [make_row("engagements.NeedsAssessment", a, frozen=False) for _ in range(3)]
        model = _model("engagements.NeedsAssessment")
        with django_assert_num_queries(2):  # the EXISTS, the UPDATE
            model.objects.filter(pk__in=[r.pk for r in rows]).update(measures="改过")


def test_a_signed_contract_changes_where_the_model_lets_it(a):
    """Clause 7: a signed contract's content and signature are frozen, not the rest
    (its termination, the type of its stored scan)."""
    with scopes_disabled():
        contract = make_row("contracts.Contract", a, frozen=True)
        Contract.objects.filter(pk=contract.pk).update(termination_reason="双方协商一致")
        with pytest.raises(FrozenRecord):
            Contract.objects.filter(pk=contract.pk).update(client_signatory="别人")
        with pytest.raises(FrozenRecord):
            Contract.objects.filter(pk=contract.pk).update(fee=Decimal("1"))
        issued = _contract(a, Contract.Status.ISSUED)
        Contract.objects.filter(pk=issued.pk).update(client_signatory="客户法定代表人")
        with pytest.raises(FrozenRecord):
            Contract.objects.filter(pk=issued.pk).update(end_date=datetime.date(2030, 1, 1))


def test_an_approved_plan_keeps_its_content_but_may_be_issued(a):
    """8.3.1: an approved version's content is frozen; issuing it is not a change of it."""
    from delivery.models import ConsultingPlan

    with scopes_disabled():
        plan = make_row("delivery.ConsultingPlan", a, frozen=False)
        ConsultingPlan.objects.filter(pk=plan.pk).update(
            approved_on=timezone.localdate(), approved_by=a.consultant)
        ConsultingPlan.objects.filter(pk=plan.pk).update(issued_at=timezone.now())
        with pytest.raises(FrozenRecord):
            ConsultingPlan.objects.filter(pk=plan.pk).update(schedule="改过")


def test_a_confirmed_framework_is_frozen_in_its_stage(a):
    """6.4: a confirmed version is never changed."""
    from engagements.models import ProjectFramework

    with scopes_disabled():
        framework = make_row("engagements.ProjectFramework", a, frozen=False)
        ProjectFramework.objects.filter(pk=framework.pk).update(
            confirmed_by=a.contact, confirmed_on=timezone.localdate())
        with pytest.raises(FrozenRecord):
            ProjectFramework.objects.filter(pk=framework.pk).update(scope="改过")


def test_a_recorded_verdict_is_frozen_at_once(a):
    with scopes_disabled():
        acceptance = make_row("feedback.ClientAcceptance", a, frozen=False)
        with pytest.raises(FrozenRecord):
            ClientAcceptance.objects.filter(pk=acceptance.pk).update(reasons="改过")


# -- the escape ---------------------------------------------------------------------------


@pytest.mark.parametrize("label", ["engagements.NeedsAssessment", "contracts.Contract",
                                   "delivery.ConsultingPlan", "feedback.ObjectiveReview"])
def test_the_escape_lets_a_change_through_and_logs_it(label, a, caplog):
    model = _model(label)
    field = text_field(model)
    with scopes_disabled():
        row = make_row(label, a, frozen=True)
        with caplog.at_level(logging.WARNING, logger="engagements.freezing"):
            with frozen_records_unlocked("更正导入时的错别字"):
                model.objects.filter(pk=row.pk).update(**{field: "改过"})
        assert stored(model, row.pk, field) == "改过"
        assert "更正导入时的错别字" in caplog.text
        # Only inside the block.
        with pytest.raises(FrozenRecord):
            model.objects.filter(pk=row.pk).update(**{field: "又改"})


def test_the_escape_needs_a_reason():
    with pytest.raises(ValueError):
        with frozen_records_unlocked("  "):
            pass


# -- the database itself (PostgreSQL) ------------------------------------------------------


def _raw(sql, params):
    """Run ``sql`` past the ORM, in a savepoint (a refusal leaves the test's transaction
    usable)."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


needs_postgresql = pytest.mark.skipif(connection.vendor != "postgresql",
                                      reason="the triggers exist on PostgreSQL only")


@pytest.mark.postgres
@needs_postgresql
@pytest.mark.parametrize("label", FROZEN_MODELS)
def test_the_database_refuses_a_raw_update_and_delete_of_a_frozen_row(label, a):
    model = _model(label)
    field = model._meta.get_field(text_field(model))
    table = model._meta.db_table
    with scopes_disabled():
        row = make_row(label, a, frozen=True)
        with pytest.raises(DatabaseError, match="frozen") as refused:
            _raw(f'UPDATE {table} SET "{field.column}" = %s WHERE id = %s', ["改过", row.pk])
        assert is_frozen_error(refused.value)
        assert getattr(refused.value.__cause__, "sqlstate", None) == FROZEN_SQLSTATE
        with pytest.raises(DatabaseError, match="frozen"):
            _raw(f"DELETE FROM {table} WHERE id = %s", [row.pk])
        assert stored(model, row.pk, field.name) == getattr(row, field.name)


@pytest.mark.postgres
@needs_postgresql
@pytest.mark.parametrize("label", sorted(set(FROZEN_MODELS) - ALWAYS_FROZEN))
def test_the_database_lets_a_row_that_is_not_frozen_change(label, a):
    model = _model(label)
    field = model._meta.get_field(text_field(model))
    table = model._meta.db_table
    with scopes_disabled():
        row = make_row(label, a, frozen=False)
        assert _raw(f'UPDATE {table} SET "{field.column}" = %s WHERE id = %s',
                    ["改过", row.pk]) == 1
        assert _raw(f"DELETE FROM {table} WHERE id = %s", [row.pk]) == 1


@pytest.mark.postgres
@needs_postgresql
def test_the_database_honours_the_escape_only_inside_it(a, caplog):
    model = _model("delivery.RiskItem")
    with scopes_disabled():
        row = make_row("delivery.RiskItem", a, frozen=True)
        with frozen_records_unlocked("修正风险位置"):
            assert _raw("UPDATE delivery_riskitem SET location = %s WHERE id = %s",
                        ["二号车间", row.pk]) == 1
        assert stored(model, row.pk, "location") == "二号车间"
        with pytest.raises(DatabaseError, match="frozen"):
            _raw("UPDATE delivery_riskitem SET location = %s WHERE id = %s", ["三号", row.pk])


@pytest.mark.postgres
@needs_postgresql
def test_the_engagement_row_itself_is_not_frozen(a):
    with scopes_disabled():
        engagement = _engagement(a, Stage.CLOSED)
        assert _raw("UPDATE engagements_engagement SET title = %s WHERE id = %s",
                    ["新名称", engagement.pk]) == 1
