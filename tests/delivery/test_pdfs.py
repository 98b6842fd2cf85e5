"""The PDFs of clause 8: the consulting plan (8.3.1) and the hand-over list (8.5.2),
rendered by WeasyPrint for a realistic engagement, read back with poppler."""

import datetime
import os
import shutil

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from consultancy.documents.selectors import latest_document
from consultancy.documents.services import pdf_request
from consultancy.documents.tasks import render_document
from contracts.models import Contract, Deliverable
from delivery import services
from delivery.pdf import HANDOVER_TITLE, PLAN_SECTIONS, PLAN_TITLE, plan_doc_number
from engagements.stages import Stage
from tests import factories as f
from tests.documents.helpers import poppler
from tests.engagements.helpers import advance_to
from tests.scoping import scopes_disabled
from tests.uploads import pdf_bytes

pytestmark = pytest.mark.django_db

PLAN = {
    "division_of_work": (
        "咨询方负责现场诊断、制度文件编制、风险辨识评估及培训实施，项目组长统筹进度与质量。\n"
        "委托方安全管理部负责组织各车间配合调研，提供现有制度、台账和检测报告，并落实整改。"),
    "schedule": "项目分诊断、体系建设、运行辅导三个阶段实施，总工期约四个月。",
    "client_cooperation": (
        "1. 指定一名安全管理部负责人作为联络人，全程参与项目。\n"
        "2. 提供近三年安全生产管理制度、操作规程、隐患排查台账及事故记录。\n"
        "3. 安排各车间、班组负责人配合现场调研与访谈。"),
    "anomaly_channel": "双方联络人建立项目工作群，异常情况当日电话告知并于 24 小时内书面确认。",
    "emergency_handling": (
        "现场发现重大事故隐患时，咨询人员立即口头告知现场负责人，建议停止相关作业，"
        "并在 2 小时内以书面形式报告委托方主要负责人。"),
    "training_plan": "管理层安全生产法律法规培训 1 次；班组长岗位安全职责培训 2 次；全员风险辨识培训 1 次。",
    "other": "本方案未尽事宜，按双方签订的技术咨询合同执行。",
}


@pytest.fixture(autouse=True)
def _unscoped():
    with scopes_disabled():
        yield


@pytest.fixture
def engagement(a):
    """A realistic engagement in the service stage: a joint team, a confirmed-ready plan
    with milestones, three documents delivered, one acknowledged."""
    e = advance_to(f.EngagementFactory(client=a.client, lead_consultant=a.consultant,
                                       title="安全生产标准化二级达标咨询项目"), Stage.DELIVERY)
    by = a.consultant
    services.team_member_add(engagement=e, by=by, side="provider", user=by, role="项目组长",
                             responsibilities="统筹项目实施，审核全部技术文件")
    services.team_member_add(engagement=e, by=by, side="client", contact=a.contact,
                             role="客户联络人", responsibilities="组织客户资料收集与整改落实")
    today = timezone.localdate()
    services.plan_save(engagement=e, by=by, **PLAN, milestones=[
        {"title": "现场诊断报告", "due_date": today + datetime.timedelta(days=20)},
        {"title": "安全生产标准化制度汇编（送审稿）", "due_date": today + datetime.timedelta(days=60)},
        {"title": "模拟评审及整改验证", "due_date": today + datetime.timedelta(days=110)},
    ])
    deliverable = Deliverable.objects.get(contract__engagement=e)
    docs = [
        services.document_create(engagement=e, by=by, category="standardization",
                                 title=deliverable.title, deliverable=deliverable,
                                 file=SimpleUploadedFile("制度汇编.pdf", pdf_bytes(b"zhidu"))),
        services.document_create(engagement=e, by=by, category="ledger",
                                 title="隐患排查治理台账（模板）",
                                 file=SimpleUploadedFile("台账.pdf", pdf_bytes(b"taizhang"))),
        services.document_create(engagement=e, by=by, category="risk_grading",
                                 title="风险分级管控清单及四色分布图",
                                 file=SimpleUploadedFile("风险清单.pdf", pdf_bytes(b"fengxian"))),
    ]
    deliveries = services.documents_deliver(
        engagement=e, versions=[d.versions.get() for d in docs], delivered_on=today, by=by)
    services.delivery_acknowledge(delivery=deliveries[0], contact=a.contact,
                                  acknowledged_on=today, by=by)
    return e


def _render(document):
    assert render_document(document.firm_id, document.pk) == "ready", document.error
    document.refresh_from_db()
    return document.file.path


def _check_cjk_font(path):
    fonts = poppler("pdffonts", path).splitlines()
    cjk = [line for line in fonts if "CJK" in line]
    assert cjk, fonts
    assert all(line.split()[-5] == "yes" for line in cjk), cjk  # embedded


def _keep(path, name):
    """``PDF_OUT=dir pytest …`` keeps the rendered PDFs (for looking at them)."""
    out = os.environ.get("PDF_OUT")
    if out:
        shutil.copy(path, os.path.join(out, name))


def test_the_plan_pdf(a, engagement):
    plan = services.current_plan(engagement)
    services.team_member_add(engagement=engagement, by=a.consultant, side="provider",
                             user=a.manager, role="技术负责人", responsibilities="审核技术文件")
    plan = services.plan_approve(plan=plan, by=a.consultant, approved_by=a.manager,
                                 approved_on=timezone.localdate(), notes="项目组一致同意",
                                 participants=[a.consultant, a.manager])
    path = _render(pdf_request(owner=plan, kind="plan", by=a.consultant))
    _keep(path, "plan.pdf")
    _check_cjk_font(path)
    text = poppler("pdftotext", path).replace("\n", "")
    assert PLAN_TITLE in text
    assert a.client.name in text and a.firm.name in text
    assert plan_doc_number(plan) == f"FA-{engagement.number}-V1"
    assert f"编号：FA-{engagement.number}-V1" in text
    for n, heading in enumerate(PLAN_SECTIONS.values()):
        assert "一二三四五六"[n] + "、" + heading in text, heading
    assert "现场诊断报告" in text and "模拟评审及整改验证" in text  # the milestone table
    assert "项目组长" in text  # the joint team in the division of work
    assert a.manager.full_name in text  # approved by
    assert "参加讨论人员" in text and a.consultant.full_name in text  # the review (8.3.1)
    assert "委托方确认" in text and "确认人（签字）" in text


def test_the_plan_pdf_says_not_applicable_and_why(a, engagement):
    plan = services.plan_save(engagement=engagement, by=a.consultant, training_plan="",
                              training_not_applicable=True,
                              training_na_reason="委托方已于本年度完成全员安全培训")
    path = _render(pdf_request(owner=plan, kind="plan", by=a.consultant))
    text = poppler("pdftotext", path).replace("\n", "")
    assert "不适用。理由：委托方已于本年度完成全员安全培训" in text


def test_the_handover_pdf(a, engagement):
    document = latest_document(engagement, "handover")
    assert document is not None and document.owner == engagement
    path = _render(document)
    _keep(path, "handover.pdf")
    _check_cjk_font(path)
    text = poppler("pdftotext", path).replace("\n", "")
    assert HANDOVER_TITLE in text
    assert a.client.name in text
    contract = Contract.objects.get(engagement=engagement)
    assert contract.number in text
    for heading in ("序号", "资料名称", "类别", "版本", "SHA-256", "交付日期", "签收人", "签收日期"):
        assert heading in text, heading
    for doc in engagement.projectdocuments.all():
        version = doc.versions.get()
        assert doc.title in text
        assert version.sha256[:12] in text and version.sha256[:13] not in text
    assert a.contact.name in text  # the one acknowledged
    assert "移交人（签字）" in text and "接收人（签字）" in text
    assert "共 3 项" in text
