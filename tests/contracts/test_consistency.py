"""Clause 7: the contract never contradicts itself. Its clauses are filled from its current
terms when shown and issued (nothing of the terms is written in at drafting); the issue is
refused, naming the clause, when the payment schedule does not add up to the fee (and by
how much) or a deliverable is due outside the service period; the staff annex shows each
person's certificates as they stand on the start date; clause 11 is 赔偿 everywhere."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format

from contracts import services
from contracts.clauses import CLAUSE_NAMES, filled_clauses
from contracts.models import Contract
from contracts.pdf import contract_pdf_spec
from contracts.personnel import personnel_on_start
from engagements.stages import Stage
from tests import factories as f
from tests.conftest import login
from tests.engagements.helpers import advance_to
from tests.scoping import scopes_disabled

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def days(n):
    return TODAY + datetime.timedelta(days=n)


@pytest.fixture(autouse=True)
def _unscoped():
    with scopes_disabled():
        yield


@pytest.fixture
def draft(a):
    """A draft starting today, ending in 120 days, fee 100,000, one deliverable and one
    installment that agree with it."""
    engagement = advance_to(f.EngagementFactory(client=a.client, lead_consultant=a.consultant),
                            Stage.CONTRACTING)
    contract = services.contract_draft(engagement=engagement, by=a.consultant)
    return services.contract_update(
        contract=contract, by=a.consultant, end_date=days(120),
        deliverables=[{"category": "standardization", "title": "安全生产标准化管理制度汇编",
                       "due_date": days(90)}],
        installments=[{"description": "合同签订后 10 个工作日内", "amount": contract.fee}])


def _update(contract, by, **kwargs):
    return services.contract_update(contract=contract, by=by, **kwargs)


def test_a_start_date_changed_after_drafting_is_the_one_every_clause_says(client, a, draft):
    """The case of the issue: the start date moved after drafting; 第四条 said the old day."""
    old = f"{TODAY.year}年{TODAY.month}月{TODAY.day}日"
    later = days(30)
    new = f"{later.year}年{later.month}月{later.day}日"
    contract = _update(draft, a.consultant, start_date=later,
                       deliverables=[{"category": "standardization", "title": "制度汇编",
                                      "due_date": days(90)}])
    assert new in filled_clauses(contract)["period"] and old not in filled_clauses(contract)["period"]
    login(client, a.consultant)
    page = client.get(reverse("contracts:contract", args=[contract.engagement_id]))
    assert f"自 {new} 起" in page.text and f"自 {old} 起" not in page.text
    spec = contract_pdf_spec(contract)
    text = "".join(p for article in spec.context["articles"] for p in article["paragraphs"])
    assert f"自 {new} 起" in text and f"自 {old} 起" not in text
    # and once issued, the same
    contract = services.contract_issue(contract=contract, by=a.consultant)
    text = "".join(p for article in contract_pdf_spec(contract).context["articles"]
                   for p in article["paragraphs"])
    assert f"自 {new} 起" in text


def test_nothing_of_the_terms_is_written_in_at_drafting(a, draft):
    for token in ("{start_date}", "{fee}", "{fee_in_words}", "{personnel}",
                  "{guidance_period_days}", "{follow_up_visits}"):
        assert any(token in getattr(draft, f"clause_{key}") for key in CLAUSE_NAMES), token
    filled = filled_clauses(draft)
    assert "100,000.00" in filled["payment"] and "壹拾万元整" in filled["payment"]
    assert a.consultant.full_name in filled["personnel"]
    assert "{" not in "".join(filled.values())
    # a new fee and new personnel are what the clauses say
    other = f.ConsultantFactory(firm=a.firm, full_name="周新")
    contract = _update(draft, a.consultant, fee=Decimal("120000"), personnel=[other],
                       installments=[{"description": "一次性支付", "amount": Decimal("120000")}])
    filled = filled_clauses(contract)
    assert "120,000.00" in filled["payment"] and "壹拾贰万元整" in filled["payment"]
    assert "周新" in filled["personnel"] and a.consultant.full_name not in filled["personnel"]


def test_the_complaint_limits_are_kept_as_drafted(a, draft):
    """9.4: the complaint clause prints the limits the contract keeps from its drafting."""
    assert "{complaint" not in draft.clause_complaints
    assert f"{draft.complaint_acknowledge_days} 个工作日" in filled_clauses(draft)["complaints"]


@pytest.mark.parametrize("amounts, problem", [
    (["60000", "40000"], None),
    (["60000", "30000"], "少 10,000.00 元"),
    (["60000", "40000.50"], "多 0.50 元"),
])
def test_the_payment_schedule_adds_up_to_the_fee(a, draft, amounts, problem):
    contract = _update(draft, a.consultant, installments=[
        {"description": f"第 {i + 1} 期", "amount": Decimal(x)} for i, x in enumerate(amounts)])
    problems = services.issue_problems(contract)
    if problem is None:
        assert problems == []
        services.contract_issue(contract=contract, by=a.consultant)
        return
    assert len(problems) == 1 and "第 7 条款（付款方式）" in problems[0] and problem in problems[0]
    with pytest.raises(services.ContractRefused) as exc:
        services.contract_issue(contract=contract, by=a.consultant)
    assert problem in str(exc.value)
    assert Contract.objects.get(pk=contract.pk).status == Contract.Status.DRAFT


@pytest.mark.parametrize("due, ok", [(-1, False), (0, True), (120, True), (121, False)])
def test_a_deliverable_is_due_within_the_service_period(a, draft, due, ok):
    contract = _update(draft, a.consultant, deliverables=[
        {"category": "standardization", "title": "制度汇编", "due_date": days(due)}])
    problems = services.issue_problems(contract)
    if ok:
        assert problems == []
        return
    assert len(problems) == 1
    assert "第 7 条款（服务期限和时限要求）" in problems[0] and "制度汇编" in problems[0]
    with pytest.raises(services.ContractRefused):
        services.contract_issue(contract=contract, by=a.consultant)


def test_the_refusals_in_english(a, draft):
    contract = _update(draft, a.consultant, installments=[
        {"description": "一次性", "amount": Decimal("90000")}])
    with translation.override("en"):
        problems = services.issue_problems(contract)
    assert problems == ["Clause 7 (Payment method): the payment schedule adds up to 90,000.00 "
                        "CNY, 10,000.00 CNY less than the fee of 100,000.00 CNY."]


def test_the_staff_annex_shows_each_certificate_on_the_start_date(client, a, draft):
    expired = f.ConsultantFactory(firm=a.firm, full_name="过期的人")
    f.QualificationFactory(holder=expired, valid_from=days(-800), valid_until=days(-1))
    contract = _update(draft, a.consultant, personnel=[a.consultant, expired])
    rows = {row["user"].full_name: row for row in personnel_on_start(contract)}
    assert rows[a.consultant.full_name]["valid"] and not rows[a.consultant.full_name]["flagged"]
    assert rows["过期的人"]["expired"] and rows["过期的人"]["flagged"]
    assert [c["status"] for c in rows["过期的人"]["certificates"]] == ["expired"]
    # starting two years on, the consultant's certificate (valid one year) has expired too
    later = _update(contract, a.consultant, start_date=days(400), end_date=days(500),
                    deliverables=[{"category": "standardization", "title": "制度汇编",
                                   "due_date": days(450)}])
    assert all(row["flagged"] for row in personnel_on_start(later))
    spec = contract_pdf_spec(later)
    assert all(row["expired"] for row in spec.context["personnel"])
    login(client, a.consultant)
    page = client.get(reverse("contracts:contract", args=[later.engagement_id]))
    assert 'id="contract-personnel"' in page.text and "服务开始日已过期" in page.text


def test_the_annex_renders_the_validity_on_the_start_date(a, draft):
    from django.template.loader import render_to_string

    expired = f.ConsultantFactory(firm=a.firm, full_name="过期的人")
    f.QualificationFactory(holder=expired, valid_from=days(-800), valid_until=days(-1))
    contract = _update(draft, a.consultant, personnel=[a.consultant, expired])
    spec = contract_pdf_spec(contract)
    html = render_to_string(spec.template_name, {**spec.context, "firm": a.firm})
    assert "于服务开始日已过期" in html and "资格已过期" in html and "资格有效" in html


def test_clause_11_is_compensation_everywhere(client, a, draft):
    with translation.override("zh-hans"):
        assert str(CLAUSE_NAMES["compensation"]) == "赔偿"
    login(client, a.consultant)
    page = client.get(reverse("contracts:contract", args=[draft.engagement_id]))
    assert "赔偿" in page.text and "报酬" not in page.text
    login(client, a.manager)
    assert "报酬" not in client.get(reverse("contracts:template")).text


def test_the_deliverables_dates_in_the_refusal_take_the_languages_format(a, draft):
    """A refusal built in Python shows its dates as the language writes them (2026年12月2日;
    2 Dec 2026), not ISO (consultancy/formats)."""
    contract = _update(draft, a.consultant, deliverables=[
        {"category": "standardization", "title": "制度汇编", "due_date": days(121)}])
    with translation.override("zh-hans"):
        [zh] = services.issue_problems(contract)
        assert date_format(days(121), "DATE_FORMAT") in zh and "年" in zh
    with translation.override("en"):
        [en] = services.issue_problems(contract)
        assert date_format(days(121), "DATE_FORMAT") in en
    assert days(121).isoformat() not in zh + en and TODAY.isoformat() not in zh + en
