"""Demo of clause 8 (see ``manage.py demo``): each firm's engagements in the service stage.

Per firm, through :mod:`delivery.services`, :mod:`contracts.services` and
:mod:`engagements.services` only:

``delivery``        (made by ``contracts.demo``, contract signed) gets part of clause 8:
                    site research by the consultant holding a registered safety engineer
                    certificate in force, resource research, the joint working group, a
                    complete consulting plan still in draft, a risk register with all four
                    levels (LEC and LS), a guidance log entry and a progress report not yet
                    shared. It is held at 8.3.1, 8.4.progress and 8.5.deliverables.
``delivery_ready``  a new engagement (``NEW[key]["delivery_ready"]``, built by
                    ``engagements.demo._build`` and taken through its contract like
                    ``contracts.demo`` does) with every requirement of clause 8 met: the
                    plan approved, issued (PDF) and confirmed, a progress report shared, a
                    document for every contracted deliverable uploaded, delivered (the
                    hand-over list PDF) and acknowledged. Its gate is open; it stays in
                    ``delivery``.
``evaluation``      a new engagement met in the same way and handed over (stage
                    ``evaluation``), for the later apps' demos.

Every PDF is rendered here, synchronously, with ``render_document`` (the on-commit render
the services ask for then finds nothing pending). The deliverables' files are small real
PDFs (a cover page) typeset by WeasyPrint.

Idempotent: an engagement is keyed by (firm, title); each record step is taken only when
its record does not exist yet, and nothing is touched once the engagement has left
``delivery``.

The contracts demo signs its contracts today (a contract is issued now and cannot be
signed before it was issued), so the clause 8 records are dated today as well; plan
milestones fall in the weeks ahead.
"""

import datetime
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import escape

from consultancy.clients.models import ClientContact
from consultancy.documents.models import GeneratedDocument
from consultancy.documents.pdf import html_to_pdf
from consultancy.documents.tasks import render_document
from contracts import services as contract_services
from contracts.demo import (
    LEDGER_DOCS,
    OTHER_DOCS,
    RISK_DOCS,
    SIGN_CONTRACT_NOTE,
    STANDARDIZATION_DOCS,
    _issued_contract,
    _signed_copy,
)
from contracts.models import Contract, Deliverable
from engagements import services as engagement_services
from engagements.demo import LEDGERS, OTHER, REQUEST, RISK_GRADING, _build
from engagements.models import CommunicationRecord, Engagement
from engagements.services import record_save
from engagements.stages import Stage

from . import services
from .models import (
    DocumentDelivery,
    DocumentVersion,
    GuidanceLog,
    ProgressReport,
    ProjectDocument,
    ResourceResearch,
    RiskItem,
    SiteResearch,
    TeamMember,
)

HAND_OVER_NOTE = "全部交付成果已移交委托方并经签收，技术资料移交清单已存档，转入成果评价阶段。"
APPROVAL_NOTES = (
    "项目组召开方案讨论会，逐项讨论了工作分工、进度安排、委托方配合事项、"
    "异常情况沟通与突发情况处理及培训计划，同意按本方案实施。"
)
FIRST_VERSION_NOTE = "首次提交"

# A risk: (location, hazard, "LEC", L, E, C, controls) or (location, hazard, "LS", L, S,
# controls). Levels with the default thresholds: LEC > 320 重大, > 160 较大, > 70 一般;
# LS > 16 重大, > 12 较大, > 8 一般.

# -- the engagements contracts.demo took to delivery: part of clause 8 -----------------

PARTIAL = {
    "antai": {
        "researcher": "li.ming",
        "site_research": {
            "location": "加氢车间（加氢反应釜区）、甲类罐区、汽车装卸站及甲类仓库",
            "collected": (
                "工艺安全信息（带控制点工艺流程图、工艺操作规程、联锁逻辑说明）；"
                "重大危险源辨识与分级报告；近一年动火、受限空间等特殊作业票证 326 份；"
                "隐患排查治理台账；安全生产标准化三级自评报告及评审扣分项。"
            ),
            "notes": (
                "加氢釜区 2 台可燃气体探测器一级报警值设为 40% LEL，高于规范要求；"
                "罐区 V-103 甲醇储罐呼吸阀阻火器未列入检查台账；"
                "装卸站静电接地报警器 1 套故障未修复；"
                "反应釜检修受限空间作业票证中气体检测记录不全。"
            ),
        },
        "resource_research": {
            "resources_needed": (
                "化工安全专业注册安全工程师 1 名、咨询人员 1 名；四合一气体检测仪、"
                "接地电阻测试仪、红外测温仪；AQ 3013、GB 30871、GB 50160、GB/T 50493 "
                "及江苏省危险化学品企业二级评审细则；客户 DCS/SIS 联锁台账与报警记录。"
            ),
            "findings": (
                "人员、仪器和标准满足项目需要；客户 SIS 回路缺少 SIL 验证报告，"
                "需由客户委托具备能力的机构完成，不在本合同范围。"
            ),
            "gaps": (
                "SIL 验证由客户另行委托，我司在整改清单中单列并跟踪进度；"
                "接地电阻测试仪下月到期，已安排送检校准。"
            ),
        },
        "team": [
            ("li.ming", "项目负责人",
             "统筹项目实施，负责对标诊断、工艺安全和重大危险源管理部分，审核全部交付文件。"),
            ("wang.fang", "项目组成员",
             "负责管理制度和操作规程修订、培训课件编制，跟踪整改台账。"),
            ("赵立新", "委托方项目负责人",
             "协调各部门配合，审定整改方案和资金投入，组织确认咨询方案。"),
            ("孙丽", "委托方联络人", "收集提供资料，跟踪车间整改进度，组织参训人员。"),
        ],
        "plan": {
            "division_of_work": (
                "咨询方：李明负责对标诊断、工艺安全和重大危险源管理部分，审核全部交付文件；"
                "王芳负责管理制度、操作规程修订和培训。\n"
                "委托方：EHS 部门负责资料提供和整改跟踪，生产、设备部门负责现场整改落实。"
            ),
            "schedule": (
                "第一阶段（第 1 个月）：对标诊断，出具问题清单和整改建议书。\n"
                "第二阶段（第 2—3 个月）：管理制度、操作规程修订，现场整改指导。\n"
                "第三阶段（第 4 个月）：全员培训，自评打分。\n"
                "第四阶段（第 5 个月）：模拟评审，协助提交二级评审申请。"
            ),
            "client_cooperation": (
                "指定 EHS 专员孙丽为日常联络人；按资料清单在 5 个工作日内提供工艺安全信息、"
                "设备台账和近一年运行记录；安排车间主任陪同现场诊断；落实整改资金和责任人。"
            ),
            "anomaly_channel": (
                "建立项目工作群，双方项目负责人及联络人入群；一般问题 1 个工作日内答复；"
                "整改进度滞后或资料缺失，以书面联系函告知对方项目负责人。"
            ),
            "emergency_handling": (
                "现场诊断中发现重大事故隐患（如联锁摘除未经审批、可燃气体报警失效），"
                "当场告知车间负责人，2 小时内书面报告客户安全总监，并建议停止相关作业；"
                "咨询人员遇客户生产异常或事故，立即撤离至安全区域，服从客户应急指挥。"
            ),
            "training_plan": (
                "第 4 个月开展培训 3 场：主要负责人及管理层《安全生产法》与标准化二级要求"
                "（2 学时）；车间主任、班组长风险辨识与隐患排查（4 学时）；"
                "特殊作业监护人 GB 30871 专题（4 学时）。培训后闭卷考核，留存签到表和试卷。"
            ),
            "other": "交付文件以合同附件约定为准；SIS 回路的 SIL 验证不在本合同范围。",
            "milestones": [
                ("对标诊断问题清单及整改建议书", 30),
                ("安全生产标准化管理制度汇编（二级）修订稿", 60),
                ("安全操作规程修订稿", 80),
                ("安全生产标准化自评报告", 120),
                ("模拟评审及二级评审申报", 140),
            ],
        },
        "risks": [
            ("加氢车间加氢反应釜", "釜体法兰或管线密封失效导致氢气泄漏，遇点火源引发火灾爆炸",
             "LEC", "1", "10", "40",
             "可燃气体探测器一级报警值调整至 20% LEL 并定期标定；反应釜温度、压力与紧急切断"
             "联锁投用；釜区防爆电气定期检查；动火作业严格执行特级动火票证。"),
            ("甲类罐区 V-103 甲醇储罐", "收料时液位计失灵导致储罐冒顶，甲醇泄漏遇静电着火",
             "LS", "3", "5",
             "设置独立高液位报警及联锁切断；呼吸阀阻火器纳入月度检查台账；"
             "防火堤完好、排水阀常闭。"),
            ("汽车装卸站", "槽车装卸甲苯时静电接地失效或装卸软管破裂，引发泄漏着火",
             "LEC", "3", "3", "15",
             "修复静电接地报警器并与装车泵联锁；装卸软管每年耐压试验；"
             "装卸全程专人监护，配备干粉灭火器和吸附棉。"),
            ("反应釜检修（受限空间作业）", "釜内清理作业未进行气体检测，作业人员缺氧窒息或中毒",
             "LS", "2", "5",
             "严格执行受限空间作业票证，作业前 30 分钟内检测氧含量及有毒气体并记录；"
             "设专人监护，配备长管呼吸器和救援三脚架。"),
            ("公用工程导热油炉", "导热油管线保温层破损，巡检人员接触高温表面烫伤",
             "LEC", "1", "6", "7",
             "修复破损保温层并设置高温警示标识；巡检人员佩戴隔热手套。"),
        ],
        "guidance": {
            "topic": "加氢釜区可燃气体探测器报警值设置",
            "advice": (
                "依据 GB/T 50493—2019，可燃气体一级报警设定值应小于或等于 25% LEL，"
                "二级报警设定值应小于或等于 50% LEL。建议立即将 2 台探测器一级报警值由 40% LEL "
                "调整为 20% LEL，调整后进行标定测试并记录，同时核查装置其余 18 台探测器。"
            ),
        },
        "progress": {
            "work_done": (
                "完成加氢车间、甲类罐区、汽车装卸站现场调研，收集工艺安全信息及近一年特殊作业"
                "票证 326 份；组建双方项目组并召开启动会；完成风险辨识 5 项（重大 1 项、较大 "
                "1 项）；咨询方案初稿已提交项目组讨论。"
            ),
            "issues": "SIS 回路缺少 SIL 验证报告；2023 年以前的培训记录不全。",
            "next_steps": (
                "项目组讨论通过咨询方案后提交客户确认；出具对标诊断问题清单；"
                "启动管理制度修订。"
            ),
        },
    },
    "huaan": {
        "researcher": "zhang.wei",
        "site_research": {
            "location": "江北区 2 个住宅项目（深基坑、塔吊群塔作业区）及鄞州区厂房项目（高支模区域）",
            "collected": (
                "施工组织设计；危大工程清单及专项施工方案 9 份、专家论证报告 3 份；"
                "塔吊安装验收及定期检验报告；临时用电施工组织设计；三级安全教育和安全技术"
                "交底记录；近三个月项目部安全检查记录。"
            ),
            "notes": (
                "1# 地块基坑（开挖深度 8.5 m）3 个监测点累计位移接近预警值；"
                "厂房项目高支模立杆间距与专项方案不符；3 台塔吊中 1 台未安装防碰撞装置；"
                "2 处二级配电箱未做到“一机一闸一漏”；分包单位三级安全教育记录有代签现象。"
            ),
        },
        "resource_research": {
            "resources_needed": (
                "项目负责人 1 名、注册安全工程师 1 名；JGJ/T 77、JGJ 59、JGJ 46 及《危险性较大"
                "的分部分项工程安全管理规定》、浙江省考评办法；接地电阻测试仪、漏电保护器测试仪；"
                "客户各项目危大工程清单和专项施工方案。"
            ),
            "findings": "人员、标准满足需要；浙江省现行考评细则已取得。",
            "gaps": "我司无漏电保护器测试仪，向合作检测机构借用，已约定每周一使用。",
        },
        "team": [
            ("liu.yang", "项目负责人",
             "统筹项目实施，负责公司本部对标自评、制度修订和迎检辅导。"),
            ("zhang.wei", "技术负责人（注册安全工程师）",
             "负责项目现场危大工程和临时用电检查、风险评价，审核技术文件。"),
            ("何敏", "委托方项目负责人", "协调公司本部各部门，审定制度修订稿，组织确认咨询方案。"),
            ("冯晓东", "委托方联络人", "协调 3 个项目部配合现场检查，跟踪整改并反馈结果。"),
        ],
        "plan": {
            "division_of_work": (
                "咨询方：刘洋负责公司本部对标自评、制度修订和迎检辅导；张伟负责项目现场检查、"
                "风险评价和技术文件审核。\n"
                "委托方：办公室负责本部资料，各项目部安全员负责现场整改和内业资料补齐。"
            ),
            "schedule": (
                "第 1 个月：公司本部及 3 个项目对标自评，出具自评报告和问题清单。\n"
                "第 2—3 个月：制度和操作规程修订，项目内业资料规范，现场整改指导。\n"
                "第 4 个月：模拟考评及迎检辅导。"
            ),
            "client_cooperation": (
                "指定办公室主任何敏、项目安全员冯晓东为联络人；提供施工组织设计、危大工程专项"
                "方案及验收记录；现场检查时安排项目经理或安全员陪同；按问题清单落实整改。"
            ),
            "anomaly_channel": (
                "双方项目负责人和联络人建立工作群；现场检查发现的问题当日在群内通报，"
                "每周五汇总形成问题跟踪表；考评时间如有变化，客户应在获知后 1 个工作日内告知。"
            ),
            "emergency_handling": (
                "现场发现基坑监测超预警值、高支模失稳迹象等重大事故隐患时，立即告知项目经理"
                "停止相关作业、撤离人员，并书面报告客户公司分管负责人；咨询人员进入施工现场"
                "必须佩戴安全帽，遵守项目部安全管理规定。"
            ),
            "training_plan": (
                "第 2 个月对项目经理、安全员开展标准化考评要点培训（4 学时）；"
                "第 3 个月对分包单位负责人开展危大工程和临时用电安全培训（2 学时）。"
            ),
            "other": "",
            "milestones": [
                ("公司本部及 3 个项目对标自评报告", 30),
                ("管理制度及操作规程修订稿", 60),
                ("项目内业资料整改完成", 80),
                ("模拟考评", 105),
            ],
        },
        "risks": [
            ("江北区 1# 地块深基坑（开挖深度 8.5 m）", "支护结构变形过大或坑边超载导致基坑坍塌",
             "LEC", "3", "6", "40",
             "监测频率加密为每天 2 次，达到预警值立即停工撤人；坑边 2 倍开挖深度范围内禁止"
             "堆载；支护设计单位复核；执行基坑坍塌专项应急预案。"),
            ("鄞州区厂房项目屋面高支模（搭设高度 9.6 m）", "立杆间距超出方案、混凝土浇筑时支撑体系失稳坍塌",
             "LS", "3", "5",
             "按专项方案整改立杆间距后重新验收；浇筑时设专人监测支架变形，"
             "发现异常立即停止浇筑、撤离作业面人员。"),
            ("江北区住宅项目塔吊群塔作业", "3 台塔吊作业半径交叉，吊臂碰撞或吊物坠落伤人",
             "LEC", "1", "6", "15",
             "1 台塔吊加装防碰撞装置；制定群塔作业方案，明确塔吊运行顺序；"
             "信号司索工持证上岗，吊物下方设警戒区。"),
            ("住宅项目楼层临边及洞口", "临边防护栏杆缺失，作业人员高处坠落",
             "LEC", "3", "6", "7",
             "楼层临边设置 1.2 m 防护栏杆及挡脚板，洞口加盖固定；每日班前检查。"),
            ("施工现场临时用电", "配电箱未做到“一机一闸一漏”、电缆拖地浸水导致触电",
             "LS", "2", "4",
             "二级配电箱整改为一机一闸一漏；电缆架空敷设；漏电保护器每月测试并记录。"),
        ],
        "guidance": {
            "topic": "1# 地块深基坑监测预警处置",
            "advice": (
                "3 个测点累计位移已达预警值的 85%，建议：一、监测频率由每天 1 次加密为每天 "
                "2 次；二、坑边 2 倍开挖深度范围内禁止堆载，已堆放的钢筋立即清运；三、通知支护"
                "设计单位复核；四、达到预警值时立即停止坑内作业、撤离人员，启动基坑坍塌专项应急预案。"
            ),
        },
        "progress": {
            "work_done": (
                "完成 3 个考评项目现场调研及公司本部资料收集；组建双方项目组；完成风险辨识 "
                "5 项（重大 1 项、较大 1 项）；就深基坑监测预警向项目部提出书面建议；"
                "咨询方案初稿已提交项目组讨论。"
            ),
            "issues": "分包单位三级安全教育记录存在代签；1 台塔吊未安装防碰撞装置。",
            "next_steps": "咨询方案经项目组讨论通过后提交客户确认；出具对标自评报告初稿。",
        },
    },
}

# -- the new engagements, met in full ----------------------------------------------------


def _assessment(days_ago, *, scope, capability, client_resources, risks, schedule, budget,
                budget_min, budget_max, measures, reasons):
    return {
        "days_ago": days_ago,
        "scope_finding": scope, "scope_verdict": "fine",
        "capability_finding": capability, "capability_verdict": "fine",
        "client_resources_finding": client_resources, "client_resources_verdict": "fine",
        "risks_finding": risks, "risks_verdict": "concern",
        "schedule_finding": schedule, "schedule_verdict": "fine",
        "budget_finding": budget, "budget_verdict": "fine",
        "budget_min": Decimal(budget_min), "budget_max": Decimal(budget_max),
        "measures": measures, "decision": "proceed", "decision_reasons": reasons,
    }


NEW = {
    "antai": {
        "delivery_ready": {
            "client_signatory": "沈建军",
            "spec": {
                "key": "contracting",
                "title": "中建筑安河西项目危大工程安全风险辨识与管控咨询",
                "client": 1,
                "service_type": RISK_GRADING,
                "origin": REQUEST,
                "lead": "li.ming",
                "consultants": ["wang.fang"],
                "description": (
                    "客户河西金融城 C 地块项目进入地下室和主体施工阶段，深基坑、高大模板、"
                    "塔吊和临时用电风险集中，委托我司对危大工程开展安全风险辨识、评价和"
                    "分级管控咨询。"
                ),
                "assessment": _assessment(
                    40,
                    scope="危险性较大的分部分项工程安全风险辨识与管控咨询属于本公司服务范围。",
                    capability=(
                        "项目组熟悉住建部《危险性较大的分部分项工程安全管理规定》、JGJ 120"
                        "《建筑基坑支护技术规程》和 JGJ 162《建筑施工模板安全技术规范》。"
                    ),
                    client_resources="客户项目部配专职安全员 3 人，钱勇负责协调，专项方案齐全。",
                    risks="基坑开挖和高支模浇筑工序窗口短，现场辨识须配合施工进度安排。",
                    schedule="客户要求 2 个月内完成，按每周现场 2 天安排可满足。",
                    budget="单项目危大工程专项咨询，合理区间 4.5 万至 6 万元。",
                    budget_min="45000", budget_max="60000",
                    measures="按施工进度先基坑、后高支模安排现场辨识；每周向项目经理通报。",
                    reasons="服务范围与能力匹配，客户配合条件良好，同意承接。",
                ),
                "communication": {
                    "days_ago": 33,
                    "channel": CommunicationRecord.Channel.SITE,
                    "participants": "钱勇（客户安全部经理）、项目经理及项目安全员；李明、王芳",
                    "basic_situation": (
                        "河西金融城 C 地块为 2 栋超高层办公楼，地下 3 层，基坑开挖深度 15.2 m，"
                        "采用地下连续墙加三道钢筋混凝土内支撑；塔吊 3 台，裙房设高大模板支撑体系。"
                    ),
                    "explicit_needs": "对在施危大工程逐项辨识风险，形成分级管控清单和四色分布图。",
                    "latent_needs": "项目部对危大工程验收和旁站监督记录不规范，需给出台账样式。",
                },
                "exchange": {
                    "days_ago": 25,
                    "participants": "钱勇及项目经理；李明、王芳",
                    "objectives": "2 个月内完成危大工程风险辨识与分级管控，较大及以上风险全部落实管控措施。",
                    "main_content": "危大工程风险辨识评价、分级管控清单、专项检查表、安全管理台账。",
                    "implementation_approach": "每周现场 2 天，按施工进度分批辨识，月末集中评审。",
                    "rights_and_obligations": (
                        "客户负责提供专项方案并落实管控措施；我司对辨识评价结论的专业性负责，"
                        "对资料保密。"
                    ),
                },
                "framework": {
                    "objectives": "建立河西项目危大工程风险分级管控清单，较大及以上风险管控措施落实率 100%。",
                    "scope": "河西金融城 C 地块项目深基坑、高大模板、起重机械及临时用电。",
                    "approach": "现场辨识—LEC/LS 评价—分级管控清单—专项检查表—台账规范。",
                    "timetable": "合同签订后 2 个月内完成。",
                    "budget": Decimal("52000"),
                },
                "contact": "钱勇",
                "confirmed_days_ago": 12,
            },
            "terms": {
                "months": 2,
                "deliverables": [
                    {"category": RISK_DOCS, "title": "危大工程安全风险分级管控清单及四色分布图",
                     "description": "深基坑、高大模板、塔吊、临时用电等危大工程的风险辨识、"
                                    "评价及分级管控措施。", "due_days": 30},
                    {"category": OTHER_DOCS, "title": "深基坑及高支模专项安全检查表",
                     "description": "基坑监测、支护、高支模搭设与浇筑各阶段检查表。",
                     "due_days": 45},
                    {"category": LEDGER_DOCS, "title": "危大工程安全管理台账",
                     "description": "危大工程清单、方案审批、验收、旁站监督记录样表及填写指引。",
                     "due_days": 55},
                ],
            },
            "work": {
                "researcher": "li.ming",
                "site_research": {
                    "location": "河西金融城 C 地块基坑、裙房高支模区域、塔吊基础及施工现场配电房",
                    "collected": (
                        "基坑支护及降水专项方案、专家论证报告、基坑监测日报；高支模专项方案及验收"
                        "记录；塔吊安装验收与检验报告；临时用电施工组织设计。"
                    ),
                    "notes": (
                        "第二道内支撑下方有工人违规穿行；高支模区域扫地杆局部缺失；"
                        "2# 塔吊附着装置验收记录缺项；现场总配电箱接地电阻未检测。"
                    ),
                },
                "resource_research": {
                    "resources_needed": (
                        "注册安全工程师 1 名、咨询人员 1 名；JGJ 120、JGJ 162、JGJ 46 等规范；"
                        "接地电阻测试仪、经纬仪（由客户测量员配合）。"
                    ),
                    "findings": "人员、标准和仪器满足需要，客户测量员可配合支撑体系垂直度复核。",
                    "gaps": "",
                },
                "team": [
                    ("li.ming", "项目负责人", "统筹项目实施，负责深基坑和高支模风险辨识评价，审核交付文件。"),
                    ("wang.fang", "项目组成员", "负责塔吊、临时用电风险辨识及台账样表编制。"),
                    ("钱勇", "委托方项目负责人", "协调项目部配合，组织管控措施落实，确认方案和交付成果。"),
                ],
                "plan": {
                    "division_of_work": (
                        "咨询方：李明负责深基坑、高支模部分并审核全部文件；王芳负责塔吊、临时用电"
                        "部分及台账样表。\n委托方：安全部钱勇组织项目部配合并落实管控措施。"
                    ),
                    "schedule": (
                        "第 1—4 周：现场辨识与风险评价，形成分级管控清单。\n"
                        "第 5—8 周：专项检查表和安全管理台账编制，交底培训。"
                    ),
                    "client_cooperation": (
                        "提供危大工程专项方案、论证报告和验收记录；现场辨识时安排项目安全员陪同；"
                        "按清单落实管控措施。"
                    ),
                    "anomaly_channel": "双方负责人电话及工作群，现场问题当日通报，每周五书面汇总。",
                    "emergency_handling": (
                        "发现基坑监测超预警、高支模失稳迹象等重大事故隐患，立即要求停止作业、"
                        "撤离人员，并书面报告客户安全部经理。"
                    ),
                    "training_plan": "第 8 周对项目管理人员和班组长进行风险分级管控清单交底培训（2 学时）。",
                    "other": "",
                    "milestones": [
                        ("危大工程风险分级管控清单", 28),
                        ("专项安全检查表及安全管理台账", 50),
                        ("交底培训及成果移交", 56),
                    ],
                },
                "risks": [
                    ("C 地块深基坑（开挖深度 15.2 m）", "内支撑下方违规穿行，支撑构件或土方坠落伤人",
                     "LEC", "3", "6", "15",
                     "支撑下方设硬隔离和警示标识，划定安全通道；监测数据每日公示。"),
                    ("裙房高支模区域", "扫地杆缺失、浇筑顺序不当导致支撑体系失稳",
                     "LS", "3", "5",
                     "补齐扫地杆并复验；按方案对称分层浇筑，设专人监测。"),
                    ("施工现场临时用电", "总配电箱接地不良，设备漏电导致触电",
                     "LEC", "1", "6", "7",
                     "检测接地电阻不大于 4 Ω 并记录；漏电保护器每月测试。"),
                ],
                "guidance": {
                    "topic": "2# 塔吊附着装置验收",
                    "advice": (
                        "附着装置安装后须由使用单位组织产权、安装、监理单位共同验收，验收记录应包括"
                        "附着间距、附墙杆角度和塔身垂直度（不大于 2/1000）；验收合格前不得顶升。"
                    ),
                },
                "progress": {
                    "work_done": (
                        "完成深基坑、高支模、塔吊和临时用电风险辨识与评价；危大工程风险分级管控清单、"
                        "专项安全检查表和安全管理台账均已编制完成并交付。"
                    ),
                    "issues": "2# 塔吊附着装置验收记录已补齐。",
                    "next_steps": "配合客户开展管控措施落实情况自查，准备成果移交。",
                },
            },
        },
        "evaluation": {
            "client_signatory": "蒋文涛",
            "spec": {
                "key": "contracting",
                "title": "通达仓储物流叉车与货架作业安全专项整治咨询",
                "client": 2,
                "service_type": OTHER,
                "origin": REQUEST,
                "lead": "li.ming",
                "consultants": ["wang.fang"],
                "description": (
                    "客户仓库货架立柱变形、叉车司机证书过期、消防通道被占用等问题被集团客户审核"
                    "指出，委托我司开展叉车与货架作业安全专项整治咨询。"
                ),
                "assessment": _assessment(
                    58,
                    scope="仓储企业作业安全专项整治咨询属于本公司服务范围。",
                    capability=(
                        "项目组熟悉 GB/T 27924《工业货架规格尺寸与额定荷载》、TSG 08 及场（厂）内"
                        "专用机动车辆安全技术规程，完成仓储类项目 6 个。"
                    ),
                    client_resources="行政主管吴静兼管安全，仓库主管可配合现场整改。",
                    risks="客户无专职安全员，整改依赖仓库主管，进度可能滞后。",
                    schedule="客户要求 6 周内完成，可满足。",
                    budget="专项整治咨询约 12 个人日，合理区间 2.5 万至 3.5 万元。",
                    budget_min="25000", budget_max="35000",
                    measures="每周现场跟踪整改一次；整改清单按风险等级排序，先急后缓。",
                    reasons="问题明确，整改风险可控，同意承接。",
                ),
                "communication": {
                    "days_ago": 50,
                    "channel": CommunicationRecord.Channel.SITE,
                    "participants": "吴静（客户行政主管）、仓库主管；李明、王芳",
                    "basic_situation": (
                        "单层钢结构仓库 2 栋，横梁式货架 1 200 余组，叉车 8 台（电动 6 台、内燃 2 台），"
                        "叉车司机 10 人，其中 2 人特种设备作业人员证已过期。"
                    ),
                    "explicit_needs": "完成货架安全检查和叉车作业整治，通过集团客户复审。",
                    "latent_needs": "缺少货架日常检查和叉车每日点检制度，消防通道管理无人负责。",
                },
                "exchange": {
                    "days_ago": 44,
                    "participants": "吴静、仓库主管；李明、王芳",
                    "objectives": "6 周内完成整治，货架变形立柱全部更换，叉车司机持证率 100%。",
                    "main_content": "货架安全检查、叉车作业制度与规程、日常检查台账、现场整改指导。",
                    "implementation_approach": "首周全面检查并出具报告，之后每周现场跟踪整改一次。",
                    "rights_and_obligations": (
                        "客户负责整改资金和人员；我司对检查结论负责并对资料保密。"
                    ),
                },
                "framework": {
                    "objectives": "消除货架、叉车和消防通道的突出隐患，建立日常检查机制。",
                    "scope": "吴中区物流大道 66 号 2 栋仓库及装卸月台。",
                    "approach": "全面检查—整改建议—制度规程—台账—跟踪复查。",
                    "timetable": "合同签订后 6 周内完成。",
                    "budget": Decimal("30000"),
                },
                "contact": "吴静",
                "confirmed_days_ago": 20,
            },
            "terms": {
                "months": 2,
                "deliverables": [
                    {"category": OTHER_DOCS, "title": "货架安全检查报告及整改建议",
                     "description": "2 栋仓库货架逐组检查结果、变形立柱清单及整改建议。",
                     "due_days": 10},
                    {"category": STANDARDIZATION_DOCS, "title": "叉车作业安全管理制度及操作规程",
                     "description": "叉车使用管理、司机持证、每日点检、库内限速及人车分流规定。",
                     "due_days": 25},
                    {"category": LEDGER_DOCS, "title": "叉车点检及货架日常检查台账",
                     "description": "叉车每日点检表、货架月度检查表、消防通道巡查记录样表。",
                     "due_days": 35},
                ],
            },
            "work": {
                "researcher": "li.ming",
                "site_research": {
                    "location": "1#、2# 仓库货架区、叉车充电间及装卸月台",
                    "collected": "货架采购合同及载荷标识、叉车登记及检验报告、司机证书、消防平面图。",
                    "notes": (
                        "1# 仓库 14 组货架立柱被叉车撞击变形；货架未张贴额定载荷标识；"
                        "叉车充电间无通风设施；东侧消防通道被托盘占用约 20 m。"
                    ),
                },
                "resource_research": {
                    "resources_needed": "注册安全工程师 1 名、咨询人员 1 名；钢卷尺、激光测距仪、铅垂仪。",
                    "findings": "人员和仪器满足需要。",
                    "gaps": "",
                },
                "team": [
                    ("li.ming", "项目负责人", "负责货架和叉车检查，审核交付文件。"),
                    ("wang.fang", "项目组成员", "负责制度规程和台账编制，跟踪整改。"),
                    ("吴静", "委托方项目负责人", "组织整改落实，确认方案和交付成果。"),
                ],
                "plan": {
                    "division_of_work": (
                        "咨询方：李明负责现场检查和报告，王芳负责制度、规程和台账。\n"
                        "委托方：吴静组织仓库主管落实整改。"
                    ),
                    "schedule": "第 1 周全面检查；第 2—4 周制度规程编制和整改；第 5—6 周复查和移交。",
                    "client_cooperation": "提供设备和人员资料；检查时腾空被检货架通道；按报告落实整改资金。",
                    "anomaly_channel": "双方负责人电话和工作群，整改问题每周书面汇总一次。",
                    "emergency_handling": (
                        "发现货架严重变形有倒塌危险时，立即要求卸载并隔离该区域，书面告知客户负责人。"
                    ),
                    "training_plan": "第 4 周对叉车司机和仓管员开展叉车安全操作和货架使用培训（2 学时）。",
                    "other": "",
                    "milestones": [
                        ("货架安全检查报告", 7),
                        ("制度规程及台账样表", 28),
                        ("整改复查及成果移交", 42),
                    ],
                },
                "risks": [
                    ("1# 仓库货架区", "叉车撞击致货架立柱变形，货架倒塌砸伤人员",
                     "LEC", "3", "6", "15",
                     "更换变形立柱，加装立柱防撞护角；张贴额定载荷标识；每月检查。"),
                    ("库内叉车作业", "人车混行、倒车视线受阻，叉车撞伤行人",
                     "LS", "3", "4",
                     "划设人行通道，叉车限速 5 km/h，加装倒车蓝光警示灯；司机持证上岗。"),
                    ("东侧消防通道", "托盘占用通道，火灾时人员疏散受阻",
                     "LEC", "1", "6", "7",
                     "清理通道并施划禁停标线；每日巡查并记录。"),
                ],
                "guidance": {
                    "topic": "叉车司机证书过期处理",
                    "advice": (
                        "证书过期人员须立即停止驾驶叉车，由客户向市场监管部门申请复审；"
                        "复审合格前安排持证人员顶岗，并在叉车点检表中登记当班司机证号。"
                    ),
                },
                "progress": {
                    "work_done": (
                        "完成货架和叉车全面检查；14 组变形立柱已更换；叉车司机 2 人完成复审；"
                        "制度规程和台账样表已交付。"
                    ),
                    "issues": "叉车充电间通风设施待安装，客户已排期。",
                    "next_steps": "复查充电间通风整改情况，办理成果移交。",
                },
            },
        },
    },
    "huaan": {
        "delivery_ready": {
            "client_signatory": "林海峰",
            "spec": {
                "key": "contracting",
                "title": "港城冷链液氨制冷系统安全风险辨识与分级管控",
                "client": 2,
                "service_type": RISK_GRADING,
                "origin": REQUEST,
                "lead": "zhang.wei",
                "consultants": ["liu.yang"],
                "description": (
                    "客户冷库采用液氨制冷，属涉氨制冷重点企业，委托我司对制冷机房、冷库及"
                    "装卸月台开展安全风险辨识、评价和分级管控。"
                ),
                "assessment": _assessment(
                    42,
                    scope="涉氨制冷企业安全风险分级管控咨询属于本公司服务范围。",
                    capability=(
                        "张伟为化工安全专业注册安全工程师，熟悉 GB 50072《冷库设计标准》和"
                        "《冷库安全规程》GB 28009。"
                    ),
                    client_resources="仓库经理许磊负责对接，制冷工 4 人持证。",
                    risks="制冷系统不能停机，现场检查须避开出入库高峰。",
                    schedule="客户要求 2 个月内完成，可满足。",
                    budget="小型涉氨冷库风险分级管控，合理区间 3.5 万至 4.5 万元。",
                    budget_min="35000", budget_max="45000",
                    measures="夜间出入库低峰开展机房检查；氨泄漏处置方案与客户应急预案衔接。",
                    reasons="专业能力匹配，同意承接。",
                ),
                "communication": {
                    "days_ago": 36,
                    "channel": CommunicationRecord.Channel.SITE,
                    "participants": "许磊（客户仓库经理）、制冷班长；张伟、刘洋",
                    "basic_situation": (
                        "冷库库容约 8 000 吨，液氨充装量约 6 吨，采用氨泵供液系统；"
                        "低温库 4 间、高温库 2 间，叉车 5 台。"
                    ),
                    "explicit_needs": "建立液氨制冷系统风险分级管控清单和隐患排查表。",
                    "latent_needs": "氨泄漏现场处置方案缺少分工和演练，库内人员被困报警装置未检查。",
                },
                "exchange": {
                    "days_ago": 29,
                    "participants": "许磊、制冷班长；张伟、刘洋",
                    "objectives": "2 个月内建立风险分级管控清单，涉氨重大事故隐患全部整改。",
                    "main_content": "风险辨识评价、四色分布图、隐患排查表、氨泄漏现场处置方案。",
                    "implementation_approach": "现场辨识 3 天，集中评审 1 次，处置方案组织桌面推演。",
                    "rights_and_obligations": "客户负责整改和人员配合；我司对成果负责并对资料保密。",
                },
                "framework": {
                    "objectives": "建立涉氨制冷风险分级管控和隐患排查机制。",
                    "scope": "北仑区港城大道 199 号制冷机房、冷库、穿堂及装卸月台。",
                    "approach": "现场辨识—LEC/LS 评价—分级管控清单—隐患排查表—处置方案。",
                    "timetable": "合同签订后 2 个月内完成。",
                    "budget": Decimal("42000"),
                },
                "contact": "许磊",
                "confirmed_days_ago": 14,
            },
            "terms": {
                "months": 2,
                "deliverables": [
                    {"category": RISK_DOCS, "title": "液氨制冷系统安全风险分级管控清单及四色分布图",
                     "description": "制冷机房、冷库、穿堂及装卸月台的风险辨识、评价与分级管控措施。",
                     "due_days": 30},
                    {"category": LEDGER_DOCS, "title": "涉氨制冷隐患排查表及治理台账",
                     "description": "日常、专项、季节性隐患排查表及隐患治理闭环台账样表。",
                     "due_days": 45},
                    {"category": OTHER_DOCS, "title": "氨泄漏现场处置方案",
                     "description": "泄漏分级、报警、人员疏散、堵漏和喷淋稀释的现场处置程序与分工。",
                     "due_days": 55},
                ],
            },
            "work": {
                "researcher": "zhang.wei",
                "site_research": {
                    "location": "制冷机房、低温库 1#—4#、穿堂及装卸月台",
                    "collected": (
                        "制冷系统流程图、压力容器及压力管道检验报告、安全阀校验记录、"
                        "氨气浓度报警器标定记录、制冷工证书、应急预案。"
                    ),
                    "notes": (
                        "机房氨气浓度报警器与事故排风机未联锁；低位贮氨器安全阀校验过期 1 个月；"
                        "2# 低温库门内侧应急开门装置锈蚀；月台消防通道堆放空托盘。"
                    ),
                },
                "resource_research": {
                    "resources_needed": "注册安全工程师 1 名、咨询人员 1 名；便携式氨气检测仪、GB 28009 等标准。",
                    "findings": "人员、仪器和标准满足需要。",
                    "gaps": "",
                },
                "team": [
                    ("zhang.wei", "项目负责人（注册安全工程师）", "统筹项目，负责制冷机房和氨系统风险辨识评价。"),
                    ("liu.yang", "项目组成员", "负责冷库、月台叉车作业和消防通道风险辨识，编制台账样表。"),
                    ("许磊", "委托方项目负责人", "组织制冷班配合检查和整改，确认方案和交付成果。"),
                ],
                "plan": {
                    "division_of_work": (
                        "咨询方：张伟负责制冷机房和氨系统，刘洋负责冷库、月台和台账。\n"
                        "委托方：许磊组织制冷班长和仓管员配合并落实整改。"
                    ),
                    "schedule": "第 1—3 周现场辨识与评价；第 4—6 周清单、排查表编制；第 7—8 周处置方案推演和移交。",
                    "client_cooperation": "提供制冷系统资料和检验报告；安排制冷班长陪同机房检查；落实整改。",
                    "anomaly_channel": "双方负责人电话和工作群，问题当日通报，每周书面汇总。",
                    "emergency_handling": (
                        "检查中闻到氨味或报警器报警，立即撤离至上风向，通知客户制冷班长按处置方案处理；"
                        "发现重大事故隐患书面告知客户负责人。"
                    ),
                    "training_plan": "第 8 周组织氨泄漏现场处置方案桌面推演及制冷工、仓管员培训（2 学时）。",
                    "other": "",
                    "milestones": [
                        ("风险分级管控清单及四色分布图", 28),
                        ("隐患排查表及治理台账", 42),
                        ("氨泄漏处置方案推演及成果移交", 56),
                    ],
                },
                "risks": [
                    ("制冷机房", "氨泵、阀门或管道泄漏，报警器与事故排风未联锁，人员氨中毒",
                     "LEC", "1", "10", "40",
                     "氨气浓度报警器与事故排风机联锁并定期测试；配备正压式空气呼吸器和防化服；"
                     "安全阀按期校验。"),
                    ("2# 低温库", "库门内侧应急开门装置失效，人员被困冻伤",
                     "LS", "2", "5",
                     "修复应急开门装置和库内呼救报警按钮，每月测试；入库作业实行登记。"),
                    ("装卸月台", "叉车装卸时冷藏车溜车，叉车坠落月台",
                     "LEC", "1", "3", "15",
                     "设置车轮挡块和月台防溜车装置；叉车司机持证上岗。"),
                ],
                "guidance": {
                    "topic": "氨气浓度报警与事故排风联锁",
                    "advice": (
                        "依据 GB 28009，制冷机房应设置氨气浓度报警装置，报警时应自动启动事故排风机；"
                        "建议本月内完成联锁改造，改造后每季度做一次联动测试并记录。"
                    ),
                },
                "progress": {
                    "work_done": (
                        "完成制冷机房、冷库和月台风险辨识与评价；风险分级管控清单、隐患排查表和"
                        "氨泄漏现场处置方案均已编制完成并交付；处置方案已组织桌面推演。"
                    ),
                    "issues": "报警器与事故排风机联锁改造已完成，低位贮氨器安全阀已校验。",
                    "next_steps": "准备成果移交，配合客户开展首次季度隐患排查。",
                },
            },
        },
        "evaluation": {
            "client_signatory": "王建华",
            "spec": {
                "key": "contracting",
                "title": "海联石化储运部罐区及装卸站安全管理台账规范化",
                "client": 0,
                "service_type": LEDGERS,
                "origin": REQUEST,
                "lead": "zhang.wei",
                "consultants": ["liu.yang"],
                "description": (
                    "客户储运部罐区和汽车装卸站台账格式不一、记录缺项，委托我司按现行规范梳理"
                    "罐区、装卸站安全管理台账和操作规程。"
                ),
                "assessment": _assessment(
                    62,
                    scope="安全管理台账规范化属于本公司服务范围。",
                    capability="张伟熟悉 GB 50160、GB 50074 及危险化学品储罐区安全管理要求。",
                    client_resources="客户安全环保部部长郑海牵头，储运部有专职安全员 2 人。",
                    risks="罐区检查须遵守客户动火、进入罐区管理规定，检查时间受收付油作业影响。",
                    schedule="客户要求 2 个月内完成，可满足。",
                    budget="储运部台账规范化约 14 个人日，合理区间 3 万至 4 万元。",
                    budget_min="30000", budget_max="40000",
                    measures="与储运部调度约定检查时段；台账样表先在 1 个罐组试用后推广。",
                    reasons="服务范围与能力匹配，同意承接。",
                ),
                "communication": {
                    "days_ago": 54,
                    "channel": CommunicationRecord.Channel.MEETING,
                    "participants": "郑海（客户安全环保部部长）、储运部主任；张伟、刘洋",
                    "basic_situation": (
                        "储运部有内浮顶储罐 12 台、外浮顶原油储罐 4 台，汽车装卸站 8 个鹤位，"
                        "主要装卸汽油、柴油和甲苯。"
                    ),
                    "explicit_needs": "规范罐区、装卸站安全管理台账，统一格式，满足执法检查要求。",
                    "latent_needs": "槽车准入检查和装卸作业记录不完整，防雷防静电检测结果未跟踪整改。",
                },
                "exchange": {
                    "days_ago": 47,
                    "participants": "郑海、储运部主任；张伟、刘洋",
                    "objectives": "2 个月内完成罐区和装卸站台账规范，台账项目齐全率 100%。",
                    "main_content": "台账梳理、样表编制、操作规程修订、现场试用指导。",
                    "implementation_approach": "先试点 1 个罐组，再推广至全部罐区和装卸站。",
                    "rights_and_obligations": "客户负责提供资料并组织试用；我司对成果负责并对资料保密。",
                },
                "framework": {
                    "objectives": "统一储运部安全管理台账格式并正常运行。",
                    "scope": "镇海石化园区厂区储运部罐区及汽车装卸站。",
                    "approach": "台账梳理—样表编制—试点试用—推广—操作规程修订。",
                    "timetable": "合同签订后 2 个月内完成。",
                    "budget": Decimal("36000"),
                },
                "contact": "郑海",
                "confirmed_days_ago": 22,
            },
            "terms": {
                "months": 2,
                "deliverables": [
                    {"category": LEDGER_DOCS, "title": "罐区安全管理台账",
                     "description": "储罐日常检查、呼吸阀阻火器检查、防雷防静电检测及整改跟踪台账。",
                     "due_days": 30},
                    {"category": LEDGER_DOCS, "title": "汽车装卸站装卸作业台账及槽车准入检查表",
                     "description": "槽车准入检查表、装卸作业记录、静电接地检查记录。",
                     "due_days": 40},
                    {"category": STANDARDIZATION_DOCS, "title": "储运部安全操作规程（罐区收付料及装卸作业）",
                     "description": "储罐收付料、切水、汽车装卸等岗位操作规程修订稿。",
                     "due_days": 50},
                ],
            },
            "work": {
                "researcher": "zhang.wei",
                "site_research": {
                    "location": "储运部内浮顶罐组、原油罐组及汽车装卸站",
                    "collected": "现行台账 23 种、储罐检验报告、防雷防静电检测报告、装卸作业记录。",
                    "notes": (
                        "罐组台账格式不统一，呼吸阀阻火器检查记录缺 3 个月；"
                        "装卸站 3# 鹤位静电接地夹缺失；槽车准入检查未核对罐体检验有效期。"
                    ),
                },
                "resource_research": {
                    "resources_needed": "注册安全工程师 1 名、咨询人员 1 名；GB 50160、GB 50074、GB 12158 等标准。",
                    "findings": "人员和标准满足需要；进入罐区的防静电工作服由客户提供。",
                    "gaps": "",
                },
                "team": [
                    ("zhang.wei", "项目负责人（注册安全工程师）", "统筹项目，负责罐区台账和操作规程。"),
                    ("liu.yang", "项目组成员", "负责装卸站台账和槽车准入检查表，跟踪试用。"),
                    ("郑海", "委托方项目负责人", "协调储运部配合和试用，确认方案和交付成果。"),
                ],
                "plan": {
                    "division_of_work": (
                        "咨询方：张伟负责罐区台账和操作规程，刘洋负责装卸站台账。\n"
                        "委托方：郑海协调储运部安全员组织试用。"
                    ),
                    "schedule": "第 1—2 周台账梳理；第 3—5 周样表编制及试点；第 6—8 周推广、规程修订和移交。",
                    "client_cooperation": "提供现行台账和检测报告；安排储运部安全员陪同；组织台账试用。",
                    "anomaly_channel": "双方负责人电话和工作群，试用问题每周汇总一次。",
                    "emergency_handling": (
                        "在罐区、装卸站发现泄漏或着火，立即撤离并报告客户中控室；"
                        "发现重大事故隐患书面告知客户安全环保部。"
                    ),
                    "training_plan": "第 6 周对储运部班组长和安全员进行台账填写培训（2 学时）。",
                    "other": "",
                    "milestones": [
                        ("台账梳理清单", 14),
                        ("台账样表及试点", 35),
                        ("推广及成果移交", 56),
                    ],
                },
                "risks": [
                    ("原油罐组外浮顶储罐", "浮盘密封失效，雷击引发密封圈火灾",
                     "LEC", "1", "6", "40",
                     "浮顶与罐壁导静电连接每年检测；密封圈油气浓度定期检测；一次密封改造。"),
                    ("汽车装卸站 3# 鹤位", "静电接地夹缺失，装车时静电放电引燃油气",
                     "LS", "3", "4",
                     "补齐静电接地夹并与装车阀联锁；装车初始流速不大于 1 m/s。"),
                    ("内浮顶罐组切水作业", "切水时油品随水排出，人员接触油气",
                     "LEC", "1", "3", "7",
                     "切水全程有人看守，佩戴防毒口罩；切水口设油水界面观察。"),
                ],
                "guidance": {
                    "topic": "槽车准入检查内容",
                    "advice": (
                        "槽车准入检查应核对道路运输证、罐体检验报告有效期、驾驶员和押运员从业资格、"
                        "阻火器和静电接地带，任何一项不符合不得进站装卸。"
                    ),
                },
                "progress": {
                    "work_done": "罐区和装卸站台账样表已在全部罐组试用；操作规程修订稿已交付。",
                    "issues": "3# 鹤位静电接地夹已补齐。",
                    "next_steps": "办理成果移交。",
                },
            },
        },
    },
}


# -- helpers -------------------------------------------------------------------------------


def _render_pending(owner, kind):
    """Render now the ``kind`` PDFs of ``owner`` still pending; fail loudly if one fails."""
    documents = GeneratedDocument.objects.filter(
        firm_id=owner.firm_id, owner_type=ContentType.objects.get_for_model(owner),
        owner_id=owner.pk, kind=kind, status=GeneratedDocument.Status.PENDING,
    )
    for document in documents:
        render_document(owner.firm_id, document.pk)
        document.refresh_from_db()
        if document.status != GeneratedDocument.Status.READY:
            raise RuntimeError(f"The demo's {kind} PDF could not be rendered: {document.error}")


def _deliverable_file(deliverable, engagement, today):
    """A small real PDF: the cover page of the deliverable."""
    html = f"""<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><style>
@page {{ size: A4; margin: 30mm 20mm; }}
body {{ font-family: "Noto Serif CJK SC", "Noto Sans CJK SC", serif; font-size: 12pt; }}
h1 {{ font-family: "Noto Sans CJK SC", sans-serif; font-size: 20pt; text-align: center;
      margin: 55mm 0 8mm; line-height: 1.5; }}
.project {{ text-align: center; font-size: 14pt; margin-bottom: 50mm; }}
.meta p {{ text-align: center; margin: 3mm 0; }}
.scope {{ margin-top: 25mm; font-size: 10.5pt; color: #333; }}
</style></head><body>
<h1>{escape(deliverable.title)}</h1>
<p class="project">{escape(engagement.title)}</p>
<div class="meta">
<p>委托方：{escape(engagement.client.name)}</p>
<p>编制单位：{escape(engagement.firm.name)}</p>
<p>项目编号：{escape(engagement.number)}</p>
<p>{date_format(today, "Y年n月")}</p>
</div>
<p class="scope">内容：{escape(deliverable.description)}</p>
</body></html>"""
    data, _pages = html_to_pdf(html)
    return SimpleUploadedFile(f"{deliverable.title}.pdf", data, content_type="application/pdf")


def _contact(engagement, name=None):
    contacts = ClientContact.objects.filter(client=engagement.client)
    if name:
        return contacts.get(name=name)
    # the contact with a portal login, if there is one
    return contacts.filter(user__isnull=False).order_by("pk").first() or contacts.order_by("pk").first()


def _signed_engagement(spec, *, firm, people, clients, terms, client_signatory, today):
    """An engagement built like ``contracts.demo``'s delivery one: clauses 5–6 by
    ``_build``, the contract drafted, issued, rendered and signed, then ``sign_contract``."""
    engagement = Engagement.objects.filter(firm=firm, title=spec["title"]).first()
    if engagement is None:
        engagement = _build(spec, firm=firm, people=people, clients=clients, today=today)
    lead = engagement.lead_consultant
    had_contract = Contract.objects.filter(engagement=engagement).exists()
    contract = _issued_contract(engagement, terms, by=lead)
    if contract is not None and not had_contract:
        contract = contract_services.contract_sign(
            contract=contract, by=lead,
            firm_signatory=people["manager"], firm_signed_on=today,
            client_signatory=client_signatory, client_signed_on=today,
            signed_copy=_signed_copy(contract.issued_pdf),
        )
    if (engagement.stage == Stage.CONTRACTING and contract is not None
            and contract.status == Contract.Status.SIGNED):
        engagement_services.engagement_sign_contract(
            engagement=engagement, by=lead, note=SIGN_CONTRACT_NOTE
        )
    return engagement


# -- clause 8, step by step (each skipped when its record exists) -------------------------


def _research(engagement, work, people, today):
    researcher = people[work["researcher"]]
    if not SiteResearch.objects.filter(engagement=engagement).exists():
        services.site_research_save(
            record=SiteResearch(engagement=engagement, researched_on=today, **work["site_research"]),
            by=researcher, researchers=[researcher],
        )
    if not ResourceResearch.objects.filter(engagement=engagement).exists():
        record_save(
            record=ResourceResearch(engagement=engagement, researched_on=today,
                                    **work["resource_research"]),
            by=researcher,
        )


def _team(engagement, work, people):
    lead = engagement.lead_consultant
    for who, role, responsibilities in work["team"]:
        if who in people:
            user = people[who]
            if not TeamMember.objects.filter(engagement=engagement, user=user).exists():
                services.team_member_add(engagement=engagement, by=lead, side="provider",
                                         user=user, role=role, responsibilities=responsibilities)
        else:
            contact = _contact(engagement, who)
            if not TeamMember.objects.filter(engagement=engagement, contact=contact).exists():
                services.team_member_add(engagement=engagement, by=lead, side="client",
                                         contact=contact, role=role,
                                         responsibilities=responsibilities)


def _plan(engagement, work, today, *, confirm):
    lead = engagement.lead_consultant
    plan = services.current_plan(engagement)
    if plan is None:
        fields = dict(work["plan"])
        milestones = [{"title": title, "due_date": today + datetime.timedelta(days=days)}
                      for title, days in fields.pop("milestones")]
        plan = services.plan_save(engagement=engagement, by=lead, milestones=milestones,
                                  **fields)
    if not confirm:
        return plan
    if not plan.is_approved:
        plan = services.plan_approve(plan=plan, by=lead, approved_by=lead, approved_on=today,
                                     notes=APPROVAL_NOTES)
    if not plan.is_issued:
        plan = services.plan_issue(plan=plan, by=lead)
    _render_pending(plan, "plan")
    if not plan.is_confirmed:
        plan = services.plan_confirm(plan=plan, contact=_contact(engagement),
                                     confirmed_on=today, by=lead)
    return plan


def _implementation(engagement, work, people, today, *, share):
    researcher = people[work["researcher"]]
    for row in work["risks"]:
        location, hazard, method = row[:3]
        if RiskItem.objects.filter(engagement=engagement, location=location).exists():
            continue
        if method == "LEC":
            likelihood, exposure, consequence, controls = row[3:]
            factors = {"likelihood": Decimal(likelihood), "exposure": Decimal(exposure),
                       "consequence": Decimal(consequence)}
        else:
            likelihood, severity, controls = row[3:]
            factors = {"likelihood": Decimal(likelihood), "severity": Decimal(severity)}
        services.risk_save(
            record=RiskItem(engagement=engagement, location=location, hazard=hazard,
                            method=method, controls=controls, identified_on=today, **factors),
            by=researcher,
        )
    if not GuidanceLog.objects.filter(engagement=engagement).exists():
        record_save(
            record=GuidanceLog(engagement=engagement, given_on=today, given_by=researcher,
                               **work["guidance"]),
            by=researcher,
        )
    report = ProgressReport.objects.filter(engagement=engagement).order_by("-period_end").first()
    if report is None:
        report = record_save(
            record=ProgressReport(
                engagement=engagement,
                period_start=today - datetime.timedelta(days=today.weekday()),  # this week
                period_end=today, **work["progress"],
            ),
            by=engagement.lead_consultant,
        )
    if share and report.shared_at is None:
        services.progress_report_share(report=report, by=engagement.lead_consultant)


def _documents(engagement, today):
    """A document for every deliverable of the signed contract, delivered and acknowledged."""
    lead = engagement.lead_consultant
    contract = (Contract.objects.filter(engagement=engagement, status=Contract.Status.SIGNED)
                .order_by("-version").first())
    if contract is None:
        return
    for deliverable in Deliverable.objects.filter(contract=contract).order_by("pk"):
        if not ProjectDocument.objects.filter(engagement=engagement,
                                              deliverable=deliverable).exists():
            services.document_create(
                engagement=engagement, by=lead, category=deliverable.category,
                title=deliverable.title, deliverable=deliverable, note=FIRST_VERSION_NOTE,
                file=_deliverable_file(deliverable, engagement, today),
            )
    undelivered = list(
        DocumentVersion.objects.filter(document__engagement=engagement, deliveries__isnull=True)
        .select_related("document").order_by("document__pk", "version")
    )
    if undelivered:
        services.documents_deliver(engagement=engagement, versions=undelivered,
                                   delivered_on=today, by=lead)
    _render_pending(engagement, "handover")
    contact = _contact(engagement)
    for delivery in DocumentDelivery.objects.filter(engagement=engagement,
                                                    acknowledged_on__isnull=True):
        services.delivery_acknowledge(delivery=delivery, contact=contact,
                                      acknowledged_on=today, by=lead)


def _deliver(engagement, work, people, today, *, complete):
    """Clause 8 on ``engagement``: in part, or every requirement when ``complete``."""
    if engagement is None or engagement.stage != Stage.DELIVERY:
        return  # not (or no longer) in the service stage: its records are not ours to touch
    _research(engagement, work, people, today)
    _team(engagement, work, people)
    _plan(engagement, work, today, confirm=complete)
    _implementation(engagement, work, people, today, share=complete)
    if complete:
        _documents(engagement, today)


def load(ctx):
    today = timezone.localdate()
    for key, partial in PARTIAL.items():
        data = ctx.data["firms"][key]
        firm, people = data["firm"], data["people"]
        engagements = data["engagements"]

        # The engagement contracts.demo took to delivery: part of clause 8 only.
        _deliver(engagements.get("delivery"), partial, people, today, complete=False)

        for name, new in NEW[key].items():
            engagement = _signed_engagement(
                new["spec"], firm=firm, people=people, clients=data["clients"],
                terms=new["terms"], client_signatory=new["client_signatory"], today=today,
            )
            _deliver(engagement, new["work"], people, today, complete=True)
            if name == "evaluation" and engagement.stage == Stage.DELIVERY:
                engagement_services.engagement_hand_over(
                    engagement=engagement, by=engagement.lead_consultant, note=HAND_OVER_NOTE
                )
            engagements[name] = engagement
