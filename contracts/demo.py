"""Demo contracts (see ``manage.py demo``): clause 7 for each firm.

Per firm, through :mod:`contracts.services` and :mod:`engagements.services` only:

``contracting``  (made by ``engagements.demo``) gets its contract drafted from the firm's
                 template, filled (end date, deliverables, payment schedule) and issued; its
                 PDF is rendered; it stays *issued and unsigned*, so the engagement is held
                 at 7.signed alone.
``delivery``     a new engagement (``DELIVERY[key]``, built by ``engagements.demo._build``
                 up to the contract stage) whose contract is issued, rendered, signed by
                 both sides with the signed copy stored, and which then moves on to
                 ``delivery`` (clause 8) for the later apps' demos.

The PDFs are rendered here, synchronously: ``contract_issue`` also asks for the render
after commit, but that task leaves a document that is no longer pending alone, so the
second run is a no-op. Idempotent: the delivery engagement is keyed by (firm, title), a
contract by its engagement, and each step is taken only when the records show it was not.
"""

import datetime
from decimal import ROUND_HALF_UP, Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from django.utils.formats import date_format

from consultancy.documents.models import GeneratedDocument
from consultancy.documents.tasks import render_document
from engagements import services as engagement_services
from engagements.demo import REQUEST, STANDARDIZATION, _build
from engagements.models import CommunicationRecord, Engagement
from engagements.stages import Stage

from . import services
from .clauses import CLAUSE_KEYS, clause_field
from .models import Contract, Deliverable

STANDARDIZATION_DOCS = Deliverable.Category.STANDARDIZATION
LEDGER_DOCS = Deliverable.Category.LEDGER
RISK_DOCS = Deliverable.Category.RISK_GRADING
OTHER_DOCS = Deliverable.Category.OTHER

SIGN_CONTRACT_NOTE = "合同已经双方签字盖章，签字盖章版已扫描存档，转入项目实施阶段。"
SIGNED_COPY_NAME = "合同签字盖章版.pdf"

# The payment schedule every demo contract uses: (description, share of the fee, days
# after the start date the payment falls due, or None when it depends on an event).
PAYMENT_PLAN = [
    ("合同签订后 10 个工作日内支付合同总额的 40%", Decimal("0.40"), 14),
    ("全部交付成果提交并经甲方签收后 10 个工作日内支付合同总额的 40%", Decimal("0.40"), None),
    ("项目通过验收（或取得评审结论）后 15 个工作日内支付合同总额的 20%", Decimal("0.20"), None),
]

# The contract terms of the engagements ``engagements.demo`` takes to the contract stage
# ("contracting"), and of the ones made here ("delivery"): the service period in months
# and the deliverables, each due ``due_days`` after the start date.
TERMS = {
    "antai": {
        "contracting": {
            "months": 4,
            "deliverables": [
                {
                    "category": STANDARDIZATION_DOCS,
                    "title": "安全生产标准化管理制度汇编",
                    "description": "含安全生产责任制、安全教育培训、设备设施、消防安全、"
                                   "相关方管理等 26 项制度，经甲方审定后发布。",
                    "due_days": 60,
                },
                {
                    "category": STANDARDIZATION_DOCS,
                    "title": "岗位安全操作规程",
                    "description": "叉车驾驶、货架作业、装卸搬运、登高作业等 12 个岗位及设备。",
                    "due_days": 75,
                },
                {
                    "category": RISK_DOCS,
                    "title": "安全风险分级管控清单及四色分布图",
                    "description": "覆盖 2 栋仓库、办公区及配送车队的风险辨识、评价与分级管控措施。",
                    "due_days": 90,
                },
                {
                    "category": LEDGER_DOCS,
                    "title": "安全生产台账（标准化评定用）",
                    "description": "教育培训、隐患排查治理、特种设备、劳动防护用品、应急演练等台账样表及填写指引。",
                    "due_days": 105,
                },
            ],
        },
        "delivery": {
            "months": 5,
            "deliverables": [
                {
                    "category": STANDARDIZATION_DOCS,
                    "title": "安全生产标准化管理制度汇编（二级）",
                    "description": "按危险化学品企业安全生产标准化评审标准修订的全套管理制度，"
                                   "含变更管理、特殊作业、承包商管理等专项制度。",
                    "due_days": 60,
                },
                {
                    "category": STANDARDIZATION_DOCS,
                    "title": "安全操作规程（加氢、罐区及公用工程）",
                    "description": "加氢装置开停车、罐区收付料、导热油炉等岗位操作规程及应急处置卡。",
                    "due_days": 80,
                },
                {
                    "category": RISK_DOCS,
                    "title": "隐患排查治理体系文件",
                    "description": "隐患排查治理制度、排查表（综合、专业、季节性、节假日）及治理闭环记录模板。",
                    "due_days": 100,
                },
                {
                    "category": OTHER_DOCS,
                    "title": "安全生产标准化自评报告",
                    "description": "对照评审标准逐项自评打分，附问题整改清单，用于二级评审申报。",
                    "due_days": 130,
                },
            ],
        },
    },
    "huaan": {
        "contracting": {
            "months": 4,
            "deliverables": [
                {
                    "category": RISK_DOCS,
                    "title": "施工现场安全风险分级管控清单及四色分布图",
                    "description": "4 个在建项目分施工阶段编制，含深基坑、塔吊群塔作业、外脚手架等危大工程。",
                    "due_days": 45,
                },
                {
                    "category": RISK_DOCS,
                    "title": "隐患排查治理体系文件",
                    "description": "隐患排查治理制度、项目部日查周查月查表及隐患整改闭环台账模板。",
                    "due_days": 70,
                },
                {
                    "category": OTHER_DOCS,
                    "title": "项目安全员培训课件及考核记录",
                    "description": "风险辨识（LEC 法）与隐患排查实务培训 2 期。",
                    "due_days": 90,
                },
            ],
        },
        "delivery": {
            "months": 4,
            "deliverables": [
                {
                    "category": STANDARDIZATION_DOCS,
                    "title": "安全生产标准化管理制度汇编",
                    "description": "公司本部安全生产责任制、安全生产费用、分包安全管理、教育培训等制度修订稿。",
                    "due_days": 45,
                },
                {
                    "category": STANDARDIZATION_DOCS,
                    "title": "安全操作规程（施工机械及特种作业）",
                    "description": "塔式起重机、施工升降机、电焊、临时用电等工种安全操作规程。",
                    "due_days": 60,
                },
                {
                    "category": LEDGER_DOCS,
                    "title": "项目部安全生产台账",
                    "description": "3 个考评项目的三级安全教育、安全技术交底、危大工程验收等内业资料目录及样表。",
                    "due_days": 80,
                },
                {
                    "category": OTHER_DOCS,
                    "title": "安全生产标准化自评报告及模拟考评问题清单",
                    "description": "按 JGJ/T 77 逐项自评，附模拟考评发现问题及整改建议。",
                    "due_days": 100,
                },
            ],
        },
    },
}

# The engagement made here and taken to delivery (an ``engagements.demo`` spec; its key
# is "contracting" so that ``_build`` confirms the framework and leaves it at clause 7),
# with who signs the contract for the client.
DELIVERY = {
    "antai": {
        "client_signatory": "黄振华",
        "spec": {
            "key": "contracting",
            "title": "恒信化工危险化学品企业安全生产标准化二级达标咨询",
            "client": 0,
            "service_type": STANDARDIZATION,
            "origin": REQUEST,
            "lead": "li.ming",
            "consultants": ["wang.fang"],
            "description": (
                "客户现持有安全生产标准化三级证书，为满足园区对重点监管危险化工工艺企业的"
                "升级要求，委托我司提供危险化学品企业安全生产标准化二级达标咨询。"
            ),
            "assessment": {
                "days_ago": 46,
                "scope_finding": (
                    "危险化学品企业安全生产标准化二级达标咨询属于本公司主营服务范围。"
                ),
                "scope_verdict": "fine",
                "capability_finding": (
                    "李明为化工安全专业中级注册安全工程师，熟悉 AQ 3013《危险化学品从业单位"
                    "安全标准化通用规范》及江苏省二级企业评审细则，近三年完成同类项目 4 个。"
                ),
                "capability_verdict": "fine",
                "client_resources_finding": (
                    "客户 EHS 部门 4 人，安全总监赵立新牵头，孙丽具体对接；"
                    "工艺安全信息、DCS 及 SIS 资料齐全，三级达标以来的运行记录完整。"
                ),
                "client_resources_verdict": "fine",
                "risks_finding": (
                    "加氢工艺的自动化控制和安全仪表系统须满足二级要求，"
                    "如 SIS 回路需改造，整改周期可能超出咨询周期。"
                ),
                "risks_verdict": "concern",
                "schedule_finding": "客户希望年内提交二级评审申请，按 5 个月建设周期可满足。",
                "schedule_verdict": "fine",
                "budget_finding": (
                    "中型精细化工企业二级达标咨询，按约 55 个人日测算，合理区间 14 万至 18 万元。"
                ),
                "budget_verdict": "fine",
                "budget_min": Decimal("140000"),
                "budget_max": Decimal("180000"),
                "measures": (
                    "首月完成对标诊断并出具整改清单，SIS 相关问题单列，提示客户尽早委托"
                    "具备资质的单位改造；每月提交进度报告；评审申报前组织一次模拟评审。"
                ),
                "decision": "proceed",
                "decision_reasons": "客户基础较好，我司化工专业能力匹配，预算合理，同意承接。",
            },
            "communication": {
                "days_ago": 38,
                "channel": CommunicationRecord.Channel.MEETING,
                "participants": "赵立新（客户安全总监）、孙丽（EHS 专员）；李明、王芳",
                "basic_situation": (
                    "精细化工生产企业，员工约 260 人，主要产品为医药中间体，涉及加氢工艺，"
                    "构成三级危险化学品重大危险源 1 处；2022 年取得安全生产标准化三级证书。"
                ),
                "explicit_needs": "按二级企业评审标准完成体系升级和现场整改，年内提交二级评审申请。",
                "latent_needs": (
                    "变更管理和承包商管理仍停留在三级水平；安全绩效考核未与班组挂钩，"
                    "隐患排查以 EHS 部门为主，车间参与不足。"
                ),
            },
            "exchange": {
                "days_ago": 27,
                "participants": "赵立新、孙丽及生产、设备部门负责人；李明、王芳",
                "objectives": "5 个月内完成二级标准化建设并提交评审申请，自评得分不低于 80 分。",
                "main_content": (
                    "对标诊断；管理制度与操作规程修订；隐患排查治理体系完善；"
                    "全员培训；自评与模拟评审；评审申报辅导。"
                ),
                "implementation_approach": (
                    "每周驻厂 1 天，其余时间远程指导；按月提交进度报告；"
                    "重大问题以书面整改建议书形式提交客户安全总监。"
                ),
                "rights_and_obligations": (
                    "客户对本单位安全生产负主体责任，负责整改和资金投入，如实提供资料；"
                    "我司按计划交付文件、开展培训，对客户资料保密。"
                ),
            },
            "framework": {
                "objectives": "建成符合危险化学品企业安全生产标准化二级要求的安全管理体系，年内提交二级评审申请。",
                "scope": "恒信化工相城厂区生产装置、罐区、仓库、公用工程及全部管理部门。",
                "approach": "对标诊断—体系文件修订—现场整改指导—全员培训—自评与模拟评审—评审申报。",
                "timetable": (
                    "合同签订后 5 个月：第 1 月诊断，第 2–3 月文件修订与整改，"
                    "第 4 月培训与自评，第 5 月模拟评审与申报。"
                ),
                "budget": Decimal("158000"),
            },
            "contact": "赵立新",
            "confirmed_days_ago": 9,
        },
    },
    "huaan": {
        "client_signatory": "俞国栋",
        "spec": {
            "key": "contracting",
            "title": "甬安建工建筑施工安全生产标准化考评辅导",
            "client": 1,
            "service_type": STANDARDIZATION,
            "origin": REQUEST,
            "lead": "liu.yang",
            "consultants": ["zhang.wei"],
            "description": (
                "客户安全生产许可证延期前须通过建筑施工安全生产标准化考评，"
                "委托我司对公司本部及 3 个在建项目开展对标自评、整改指导和考评辅导。"
            ),
            "assessment": {
                "days_ago": 44,
                "scope_finding": "建筑施工安全生产标准化考评辅导属于本公司服务范围。",
                "scope_verdict": "fine",
                "capability_finding": (
                    "刘洋熟悉 JGJ/T 77《施工企业安全生产评价标准》、JGJ 59 及浙江省考评办法，"
                    "完成同类施工企业辅导项目 3 个；张伟负责安全管理制度部分。"
                ),
                "capability_verdict": "fine",
                "client_resources_finding": (
                    "客户办公室主任何敏负责公司本部资料，项目安全员冯晓东协调各项目部；"
                    "内业资料基础一般，部分项目安全技术交底记录不全。"
                ),
                "client_resources_verdict": "concern",
                "risks_finding": (
                    "考评时间由主管部门确定，可能提前；劳务分包人员流动大，"
                    "三级安全教育记录需补齐。"
                ),
                "risks_verdict": "concern",
                "schedule_finding": "预计 4 个月后考评，辅导周期 4 个月，可满足。",
                "schedule_verdict": "fine",
                "budget_finding": "公司本部及 3 个项目，约 30 个人日，合理区间 7.5 万至 9.5 万元。",
                "budget_verdict": "fine",
                "budget_min": Decimal("75000"),
                "budget_max": Decimal("95000"),
                "measures": (
                    "首月完成对标自评并出具问题清单；内业资料按项目分批整改；"
                    "约定如考评提前则增派人员、压缩整改周期。"
                ),
                "decision": "proceed",
                "decision_reasons": "服务范围与能力匹配，风险可控，同意承接。",
            },
            "communication": {
                "days_ago": 35,
                "channel": CommunicationRecord.Channel.MEETING,
                "participants": "何敏（客户办公室主任）、冯晓东（项目安全员）；刘洋、张伟",
                "basic_situation": (
                    "房屋建筑施工总承包二级企业，在建项目 4 个，其中 3 个纳入本次考评；"
                    "公司未设独立安全部，安全管理由工程部兼管，各项目部配专职安全员。"
                ),
                "explicit_needs": "完成标准化自评、整改和迎检辅导，确保考评合格，满足安全生产许可证延期要求。",
                "latent_needs": (
                    "公司层面安全生产责任制和安全生产费用管理制度多年未修订；"
                    "分包单位安全管理未纳入总包考核。"
                ),
            },
            "exchange": {
                "days_ago": 24,
                "participants": "何敏、冯晓东；刘洋、张伟",
                "objectives": "公司本部及 3 个在建项目通过建筑施工安全生产标准化考评。",
                "main_content": (
                    "对标自评；公司制度和操作规程修订；项目内业资料规范；"
                    "现场问题整改指导；模拟考评；迎检辅导。"
                ),
                "implementation_approach": (
                    "公司本部与项目现场交替进行，每周现场 1 天；每月提交进度报告；"
                    "考评前 2 周组织模拟考评。"
                ),
                "rights_and_obligations": (
                    "客户负责现场整改和人员配合，如实提供资料；"
                    "我司按计划交付文件和辅导，对资料保密，不代为补造记录。"
                ),
            },
            "framework": {
                "objectives": "公司本部及 3 个在建项目通过建筑施工安全生产标准化考评。",
                "scope": "公司本部安全管理体系及江北区 2 个住宅项目、鄞州区 1 个厂房项目。",
                "approach": "对标自评—制度修订—内业资料规范—现场整改—模拟考评—迎检辅导。",
                "timetable": "合同签订后 4 个月内完成，第 1 个月出具自评报告，第 4 个月完成模拟考评。",
                "budget": Decimal("86000"),
            },
            "contact": "何敏",
            "confirmed_days_ago": 8,
        },
    },
}


def _add_months(day, months):
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return day.replace(year=year, month=month, day=min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable")


def _installments(fee, start):
    rows, paid = [], Decimal("0")
    for i, (description, share, due_days) in enumerate(PAYMENT_PLAN):
        if i == len(PAYMENT_PLAN) - 1:
            amount = fee - paid  # the last one takes the rounding, so the sum is the fee
        else:
            amount = (fee * share).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        paid += amount
        due = start + datetime.timedelta(days=due_days) if due_days is not None else None
        rows.append({"description": description, "amount": amount, "due_date": due})
    return rows


def _with_end_date(contract, end):
    """The clauses whose text still has the ``{end_date}`` placeholder, filled: the draft
    is made before the end date is known, and ``contract_update`` does not refill it."""
    token, text = "{end_date}", date_format(end, "Y年n月j日")
    return {
        clause_field(key): getattr(contract, clause_field(key)).replace(token, text)
        for key in CLAUSE_KEYS if token in getattr(contract, clause_field(key))
    }


def _render(contract):
    """Render the issued PDF now, if it is still pending (the task leaves a document that
    is not pending alone, so the on-commit render that ``contract_issue`` asked for is a
    no-op afterwards). Returns the document, refreshed."""
    document = contract.issued_pdf
    if document is not None and document.is_pending:
        render_document(contract.firm_id, document.pk)
        document.refresh_from_db()
    return document


def _issued_contract(engagement, terms, *, by):
    """The engagement's contract: drafted from the firm's template, filled, issued and
    its PDF rendered, if the engagement has none yet. An existing contract is left as it
    is (a user may have withdrawn, edited or signed it), but a PDF still pending is
    rendered."""
    contract = Contract.objects.filter(engagement=engagement).order_by("-version").first()
    if contract is not None:
        _render(contract)
        return contract
    if engagement.stage != Stage.CONTRACTING:
        return None  # moved on without a contract: not the demo's to touch
    contract = services.contract_draft(engagement=engagement, by=by)
    start = contract.start_date
    end = _add_months(start, terms["months"]) - datetime.timedelta(days=1)
    contract = services.contract_update(
        contract=contract, by=by, end_date=end,
        **_with_end_date(contract, end),
        deliverables=[
            {
                "category": d["category"], "title": d["title"],
                "description": d["description"],
                "due_date": start + datetime.timedelta(days=d["due_days"]),
            }
            for d in terms["deliverables"]
        ],
        installments=_installments(contract.fee, start),
    )
    contract = services.contract_issue(contract=contract, by=by)
    document = _render(contract)
    if document.status != GeneratedDocument.Status.READY:
        raise RuntimeError(
            f"The demo contract {contract.number} could not be rendered: {document.error}"
        )
    return contract


def _signed_copy(document):
    with document.file.open("rb") as handle:
        data = handle.read()
    return SimpleUploadedFile(SIGNED_COPY_NAME, data, content_type="application/pdf")


def load(ctx):
    for key, firm_terms in TERMS.items():
        data = ctx.data["firms"][key]
        firm, people = data["firm"], data["people"]
        manager = people["manager"]
        contracts = data.setdefault("contracts", {})

        # The engagement engagements.demo left at the contract stage: issued, unsigned.
        engagement = data["engagements"]["contracting"]
        contracts["contracting"] = _issued_contract(
            engagement, firm_terms["contracting"], by=engagement.lead_consultant
        )

        # A new engagement taken through the contract to delivery.
        delivery = DELIVERY[key]
        spec = delivery["spec"]
        engagement = Engagement.objects.filter(firm=firm, title=spec["title"]).first()
        if engagement is None:
            engagement = _build(
                spec, firm=firm, people=people, clients=data["clients"],
                today=timezone.localdate(),
            )
        lead = engagement.lead_consultant
        had_contract = Contract.objects.filter(engagement=engagement).exists()
        contract = _issued_contract(engagement, firm_terms["delivery"], by=lead)
        if contract is not None and not had_contract:
            today = timezone.localdate()  # issued just now: signed no earlier than today
            contract = services.contract_sign(
                contract=contract, by=lead,
                firm_signatory=manager, firm_signed_on=today,
                client_signatory=delivery["client_signatory"], client_signed_on=today,
                signed_copy=_signed_copy(contract.issued_pdf),
            )
        if (engagement.stage == Stage.CONTRACTING and contract is not None
                and contract.status == Contract.Status.SIGNED):
            # (refreshes ``engagement`` in place; returns the StageTransition row)
            engagement_services.engagement_sign_contract(
                engagement=engagement, by=lead, note=SIGN_CONTRACT_NOTE
            )
        contracts["delivery"] = contract
        data["engagements"]["delivery"] = engagement

