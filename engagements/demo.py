"""Demo engagements (see ``manage.py demo``): each firm's engagements in the stages of
clauses 5 and 6, each held or let through by its gate.

Everything goes through :mod:`engagements.services`, so the numbers, the
``StageTransition`` rows, the record history and the gate checks are the real ones. An
engagement is keyed by (firm, title): if the firm already has an engagement with that
title, it and its records are left as they are, so the command can run again.

Per firm (``ENGAGEMENTS[key]``, in this order):

``draft``        needs_analysis, half-filled assessment       -> held at 5.assessment
``ready``        needs_analysis, complete, decision proceed   -> gate open
``proactive``    communication, proactive, no visit, framework not confirmed
                                                              -> held at 6.1.visit, 6.4.framework
``no_exchange``  communication, request, all of clause 6 but the exchange record
                                                              -> held at 6.3.exchange
``contracting``  contracting, clauses 5 and 6 done            -> held at the contract gate (7)
``declined``     declined after an assessment deciding *decline*
"""

import datetime
from decimal import Decimal

from django.utils import timezone

from consultancy.clients.models import ClientContact

from . import services
from .models import CommunicationRecord, Engagement, ExchangeRecord, SiteVisit

STANDARDIZATION = Engagement.ServiceType.STANDARDIZATION
LEDGERS = Engagement.ServiceType.LEDGERS
ADVISER = Engagement.ServiceType.ADVISER
RISK_GRADING = Engagement.ServiceType.RISK_GRADING
OTHER = Engagement.ServiceType.OTHER
REQUEST = Engagement.Origin.REQUEST
PROACTIVE = Engagement.Origin.PROACTIVE

CONFIRM_NEEDS_NOTE = "需求评估已完成并经部门负责人审核，决定承接，转入沟通确认阶段。"
CONFIRM_FRAMEWORK_NOTE = "项目框架已经客户书面确认，转入合同签订阶段。"

# ``client`` is the index in ``ctx.data["firms"][key]["clients"]`` (0 化工, 1 建筑施工,
# 2 仓储物流 / 冷链); ``lead`` and ``consultants`` are the locals of the firm's people;
# ``days_ago`` is counted back from today; ``contact`` is the name of a ClientContact.
ENGAGEMENTS = {
    "antai": [
        {
            "key": "draft",
            "title": "恒信化工危险化学品安全管理台账梳理与规范",
            "client": 0,
            "service_type": LEDGERS,
            "origin": REQUEST,
            "lead": "wang.fang",
            "consultants": [],
            "description": (
                "客户迎接区应急管理局年度执法检查前，要求对危险化学品出入库、重大危险源监测、"
                "特殊作业票证、安全教育培训等台账进行全面梳理，按现行规范统一格式。"
            ),
            "assessment": {
                "days_ago": 3,
                "complete": False,
                "scope_finding": (
                    "安全管理台账的梳理与规范属于本公司安全管理咨询服务范围，涉及危险化学品"
                    "管理、重大危险源、特殊作业、教育培训、隐患排查等 12 类台账。"
                ),
                "scope_verdict": "fine",
                "capability_finding": (
                    "项目组近两年完成化工企业台账类项目 5 个，熟悉 GB 30871《危险化学品企业"
                    "特殊作业安全规范》及应急管理部门执法检查对台账的要求。"
                ),
                "capability_verdict": "fine",
                "client_resources_finding": (
                    "客户 EHS 部门 4 人，孙丽可作为对接人；但历史资料分散在各车间，"
                    "2023 年以前的培训记录有缺失，需客户安排车间配合补充。"
                ),
                "client_resources_verdict": "concern",
                "risks_finding": (
                    "部分特殊作业票证存在事后补签迹象，台账整理中如发现问题需如实提示客户，"
                    "不得代为补造记录。"
                ),
            },
        },
        {
            "key": "ready",
            "title": "中建筑安在建项目安全风险分级管控体系建设",
            "client": 1,
            "service_type": RISK_GRADING,
            "origin": REQUEST,
            "lead": "li.ming",
            "consultants": ["wang.fang"],
            "description": (
                "为客户南京、镇江两地 6 个在建房建及市政项目建立安全风险辨识、评估和分级管控"
                "清单，并与隐患排查治理衔接，形成双重预防机制。"
            ),
            "assessment": {
                "days_ago": 9,
                "scope_finding": (
                    "安全风险分级管控和隐患排查治理双重预防机制建设属于本公司主营服务范围。"
                ),
                "scope_verdict": "fine",
                "capability_finding": (
                    "项目组熟悉《危险性较大的分部分项工程安全管理规定》和 JGJ 59《建筑施工"
                    "安全检查标准》，具备深基坑、高大模板、起重吊装等专项风险辨识能力。"
                ),
                "capability_verdict": "fine",
                "client_resources_finding": (
                    "客户设安全部，各项目部配专职安全员，可提供施工组织设计、专项施工方案及"
                    "近一年的隐患排查记录；安全部经理钱勇负责协调。"
                ),
                "client_resources_verdict": "fine",
                "risks_finding": (
                    "项目分布在两地，工序变化快，风险清单需随施工进度动态更新；"
                    "其中 2 个项目临近主体封顶，现场辨识窗口有限。"
                ),
                "risks_verdict": "concern",
                "schedule_finding": (
                    "客户要求 3 个月内完成；按每周完成 1 个项目现场辨识安排，可按期完成。"
                ),
                "schedule_verdict": "fine",
                "budget_finding": (
                    "按 6 个项目、约 40 个人日测算，合理区间 9 万至 12 万元，"
                    "客户预算约 10 万元，基本匹配。"
                ),
                "budget_verdict": "fine",
                "budget_min": Decimal("90000"),
                "budget_max": Decimal("120000"),
                "other_finding": (
                    "客户希望成果可导入其安全管理信息平台，需在沟通阶段确认数据格式。"
                ),
                "other_verdict": "concern",
                "measures": (
                    "由李明任项目负责人，王芳协助；先选取临近封顶的 2 个项目优先辨识；"
                    "以 1 个项目试点形成模板后推广；每周例会通报进度；"
                    "提前向客户索取信息平台数据导入模板。"
                ),
                "decision": "proceed",
                "decision_reasons": "服务范围与能力匹配，客户配合条件良好，预算合理，同意承接。",
            },
        },
        {
            "key": "proactive",
            "title": "恒信化工年度安全顾问服务",
            "client": 0,
            "service_type": ADVISER,
            "origin": PROACTIVE,
            "lead": "li.ming",
            "consultants": ["wang.fang"],
            "description": (
                "我司在相城化工园区安全生产专项整治宣讲会上了解到客户有引入第三方安全顾问的"
                "意向，主动对接，拟提供全年驻厂与远程相结合的安全管理顾问服务。"
            ),
            "assessment": {
                "days_ago": 52,
                "scope_finding": (
                    "年度安全顾问服务（每月驻厂 4 天、日常远程答疑、专项检查迎检辅导）"
                    "属于本公司服务范围。"
                ),
                "scope_verdict": "fine",
                "capability_finding": (
                    "客户涉及重点监管的加氢工艺，储存多种易燃液体；由化工安全专业中级注册安全"
                    "工程师李明负责，项目组能力满足。"
                ),
                "capability_verdict": "fine",
                "client_resources_finding": (
                    "客户设 EHS 部门，安全总监赵立新牵头，可安排专人对接；"
                    "工艺安全信息、DCS 及 SIS 资料基本齐全。"
                ),
                "client_resources_verdict": "fine",
                "risks_finding": (
                    "顾问服务的责任边界须在合同中写明，避免客户将安全生产主体责任转移给顾问方；"
                    "园区年内将开展专项检查，时间节点敏感。"
                ),
                "risks_verdict": "concern",
                "schedule_finding": "服务期 12 个月，按月度计划执行，无工期风险。",
                "schedule_verdict": "fine",
                "budget_finding": "参照同类化工企业年度顾问服务，合理区间为每年 12 万至 15 万元。",
                "budget_verdict": "fine",
                "budget_min": Decimal("120000"),
                "budget_max": Decimal("150000"),
                "measures": (
                    "在框架和合同中列明顾问服务边界及双方职责；每月提交顾问服务报告；"
                    "园区专项检查前安排一次全面预检。"
                ),
                "decision": "proceed",
                "decision_reasons": "客户有明确的外部顾问需求，我司专业能力匹配，同意承接。",
            },
            "communication": {
                "days_ago": 41,
                "channel": CommunicationRecord.Channel.MEETING,
                "participants": "赵立新（客户安全总监）、孙丽（EHS 专员）；李明、王芳",
                "basic_situation": (
                    "精细化工生产企业，员工约 260 人，厂区占地约 80 亩，主要产品为医药中间体；"
                    "涉及加氢工艺，构成三级危险化学品重大危险源 1 处；已取得安全生产标准化三级"
                    "证书，EHS 部门 4 人。"
                ),
                "explicit_needs": (
                    "希望外部安全顾问每月驻厂检查，协助应对园区及应急管理部门检查，"
                    "指导隐患整改。"
                ),
                "latent_needs": (
                    "动火、受限空间等特殊作业票证管理不规范，变更管理（MOC）流程缺失；"
                    "企业计划三年内升级标准化二级，顾问服务可为此打基础。"
                ),
            },
            "exchange": {
                "days_ago": 24,
                "participants": "赵立新、孙丽；李明、王芳",
                "objectives": (
                    "一年内特殊作业票证抽查合格率达到 100%，建立并运行变更管理制度，"
                    "顺利通过园区年度专项检查。"
                ),
                "main_content": (
                    "每月驻厂检查 4 天并出具检查报告；修订特殊作业和变更管理制度；"
                    "开展全员安全培训 2 次；专项检查迎检辅导。"
                ),
                "implementation_approach": (
                    "驻厂与远程相结合；每月初报送月度工作计划，月末提交顾问服务报告；"
                    "发现重大事故隐患当日书面告知客户安全总监。"
                ),
                "rights_and_obligations": (
                    "客户对本单位安全生产负主体责任，负责隐患整改和资金投入，如实提供资料；"
                    "我司对检查结论和建议的专业性负责，对客户资料保密。"
                ),
            },
            "framework": {
                "objectives": "建立规范的特殊作业和变更管理体系，提升隐患排查质量，通过园区年度专项检查。",
                "scope": "恒信化工相城厂区全部生产装置、罐区、仓库及公用工程。",
                "approach": "月度驻厂检查 + 远程技术支持 + 专项制度修订 + 全员培训。",
                "timetable": "自合同签订次月起 12 个月，每月驻厂 4 天，第 6 个月进行中期回顾。",
                "budget": Decimal("138000"),
            },
        },
        {
            "key": "no_exchange",
            "title": "中建筑安建筑施工安全生产标准化考评辅导",
            "client": 1,
            "service_type": STANDARDIZATION,
            "origin": REQUEST,
            "lead": "wang.fang",
            "consultants": [],
            "description": (
                "客户申请建筑施工安全生产标准化考评，委托我司对公司本部及 3 个在建项目"
                "进行对标自评、问题整改和考评辅导。"
            ),
            "assessment": {
                "days_ago": 38,
                "scope_finding": "建筑施工安全生产标准化考评辅导属于本公司服务范围。",
                "scope_verdict": "fine",
                "capability_finding": (
                    "项目组熟悉 JGJ/T 77《施工企业安全生产评价标准》和 JGJ 59，"
                    "有同类施工总承包企业辅导经验 3 项。"
                ),
                "capability_verdict": "fine",
                "client_resources_finding": (
                    "客户安全部 5 人，项目部均配备专职安全员，内业资料基础较好。"
                ),
                "client_resources_verdict": "fine",
                "risks_finding": (
                    "考评时间由主管部门确定，存在提前的可能；"
                    "个别项目分包单位安全管理薄弱，可能影响现场得分。"
                ),
                "risks_verdict": "concern",
                "schedule_finding": "预计考评在 4 个月后，辅导周期 3 个月，时间充裕。",
                "schedule_verdict": "fine",
                "budget_finding": "按本部及 3 个项目测算，合理区间 7 万至 9 万元。",
                "budget_verdict": "fine",
                "budget_min": Decimal("70000"),
                "budget_max": Decimal("90000"),
                "measures": (
                    "首月完成对标自评并出具问题清单；对分包单位开展专题培训；"
                    "与客户约定如考评提前则压缩整改周期、增派人员。"
                ),
                "decision": "proceed",
                "decision_reasons": "客户基础较好，我司有同类经验，同意承接。",
            },
            "communication": {
                "days_ago": 30,
                "channel": CommunicationRecord.Channel.SITE,
                "participants": "钱勇（客户安全部经理）、项目部安全员 2 人；王芳",
                "basic_situation": (
                    "房屋建筑工程施工总承包一级企业，在建项目 6 个，其中 3 个纳入本次考评；"
                    "公司安全部 5 人，已建立安全生产责任制和安全生产费用提取使用制度。"
                ),
                "explicit_needs": "按考评标准完成自评、整改和迎检辅导，确保考评达标。",
                "latent_needs": (
                    "分包单位安全管理纳入总包体系的做法不统一；"
                    "项目部安全教育培训记录与实际人员进出场不一致。"
                ),
            },
            "framework": {
                "objectives": "公司本部及 3 个在建项目通过建筑施工安全生产标准化考评。",
                "scope": "公司本部安全管理体系及南京河西、江北新区、浦口 3 个在建项目。",
                "approach": "对标自评—问题整改—模拟考评—迎检辅导。",
                "timetable": "合同签订后 3 个月内完成，第 1 个月出具自评报告，第 3 个月完成模拟考评。",
                "budget": Decimal("82000"),
            },
            "contact": "钱勇",
            "confirmed_days_ago": 6,
        },
        {
            "key": "contracting",
            "title": "通达仓储物流安全生产标准化三级达标咨询",
            "client": 2,
            "service_type": STANDARDIZATION,
            "origin": PROACTIVE,
            "lead": "wang.fang",
            "consultants": ["li.ming"],
            "description": (
                "我司走访吴中物流园区企业时发现客户尚未开展安全生产标准化建设，"
                "主动提供工贸企业安全生产标准化三级达标咨询服务。"
            ),
            "visit": {
                "days_ago": 84,
                "client_people": "吴静（行政主管）、仓库主管 1 人",
                "findings": (
                    "库区货架未做定期检查，部分货架立柱变形；叉车司机 2 人特种作业证已过期；"
                    "消防通道局部被托盘占用；未开展安全风险辨识，无安全生产标准化文件。"
                ),
                "need_exists": SiteVisit.NeedExists.YES,
                "notes": "客户表示集团客户招标要求供应商具备标准化证书，有意在年内达标。",
            },
            "assessment": {
                "days_ago": 75,
                "scope_finding": "工贸企业安全生产标准化三级达标咨询属于本公司服务范围。",
                "scope_verdict": "fine",
                "capability_finding": (
                    "项目组熟悉 GB/T 33000《企业安全生产标准化基本规范》及江苏省工贸企业"
                    "三级评定要求，完成仓储物流类项目 6 个。"
                ),
                "capability_verdict": "fine",
                "client_resources_finding": (
                    "客户无专职安全员，由行政主管吴静兼管；需客户指定专人并保证每周半天"
                    "用于标准化工作。"
                ),
                "client_resources_verdict": "concern",
                "risks_finding": (
                    "客户安全基础薄弱，整改项目较多（货架、叉车、消防），"
                    "整改资金投入是否到位存在不确定性。"
                ),
                "risks_verdict": "concern",
                "schedule_finding": "客户希望年内达标，按 4 个月建设周期可满足。",
                "schedule_verdict": "fine",
                "budget_finding": "小型仓储企业三级达标咨询，合理区间 6 万至 8 万元。",
                "budget_verdict": "fine",
                "budget_min": Decimal("60000"),
                "budget_max": Decimal("80000"),
                "other_finding": "叉车司机证书过期属于立即整改事项，已在走访时口头告知客户。",
                "other_verdict": "concern",
                "measures": (
                    "在框架中明确客户须指定专人配合；首月出具整改清单和资金估算供客户决策；"
                    "叉车司机复审先行办理。"
                ),
                "decision": "proceed",
                "decision_reasons": "需求明确且迫切，整改风险可通过分阶段实施控制，同意承接。",
            },
            "communication": {
                "days_ago": 66,
                "channel": CommunicationRecord.Channel.SITE,
                "participants": "吴静（客户行政主管）；王芳、李明",
                "basic_situation": (
                    "普通货物仓储及城市配送企业，员工约 60 人，单层钢结构仓库 2 栋共约 1.2 万"
                    "平方米，叉车 8 台；无专职安全管理人员，安全管理制度不健全。"
                ),
                "explicit_needs": "年内取得工贸企业安全生产标准化三级证书，满足集团客户招标要求。",
                "latent_needs": (
                    "货架安全管理、叉车作业和消防安全是主要风险；"
                    "需要建立安全风险辨识和隐患排查的日常机制，而不仅是取得证书。"
                ),
            },
            "exchange": {
                "days_ago": 52,
                "participants": "吴静及仓库主管；王芳、李明",
                "objectives": "4 个月内完成标准化建设并通过三级评定，建立日常隐患排查机制。",
                "main_content": (
                    "编制安全生产责任制、管理制度和操作规程；安全风险辨识和分级管控；"
                    "隐患排查与整改指导；全员培训；评定申报辅导。"
                ),
                "implementation_approach": (
                    "每两周驻场 1 天，其余时间远程指导；按月提交进度报告；评定前组织模拟自评。"
                ),
                "rights_and_obligations": (
                    "客户指定专人配合，按时完成整改并承担整改费用；我司按计划交付文件和培训，"
                    "未通过评定的，免费辅导至复评。"
                ),
            },
            "framework": {
                "objectives": "通过工贸企业安全生产标准化三级评定，建立隐患排查日常机制。",
                "scope": "吴中区物流大道 66 号仓库 2 栋、办公区及配送车队。",
                "approach": "现状诊断—文件编制—现场整改—培训—模拟自评—评定申报。",
                "timetable": "合同签订后 4 个月：第 1 月诊断，第 2–3 月文件与整改，第 4 月自评与申报。",
                "budget": Decimal("68000"),
            },
            "contact": "吴静",
            "confirmed_days_ago": 20,
        },
        {
            "key": "declined",
            "title": "通达仓储物流仓库消防设施检测",
            "client": 2,
            "service_type": OTHER,
            "origin": REQUEST,
            "lead": "li.ming",
            "consultants": [],
            "description": "客户要求对两栋仓库的消防设施进行检测并出具检测报告，用于消防检查。",
            "assessment": {
                "days_ago": 70,
                "scope_finding": (
                    "消防设施检测须由具备消防技术服务机构资质的单位实施并出具报告，"
                    "不属于本公司安全生产咨询服务范围。"
                ),
                "scope_verdict": "blocker",
                "capability_finding": "本公司无消防技术服务机构资质，亦无检测设备。",
                "capability_verdict": "blocker",
                "client_resources_finding": "客户可配合提供消防设施竣工图纸和维保记录。",
                "client_resources_verdict": "fine",
                "risks_finding": "超范围出具检测报告存在法律风险，报告不被消防救援机构认可。",
                "risks_verdict": "blocker",
                "schedule_finding": "客户要求 2 周内出具报告，时间紧张。",
                "schedule_verdict": "concern",
                "budget_finding": "客户预算 1.5 万元，与市场检测价格大体相当。",
                "budget_verdict": "fine",
                "budget_min": Decimal("12000"),
                "budget_max": Decimal("15000"),
                "measures": (
                    "向客户说明资质要求，推荐其委托有资质的消防技术服务机构；"
                    "安全生产标准化项目中将消防安全管理纳入现场整改指导。"
                ),
                "decision": "decline",
                "decision_reasons": "超出本公司服务范围，且本公司不具备消防技术服务机构资质。",
            },
            "decline": (
                "消防设施检测须由具备资质的消防技术服务机构出具报告，超出本公司服务范围，"
                "已向客户说明并建议另行委托。"
            ),
        },
    ],
    "huaan": [
        {
            "key": "draft",
            "title": "甬安建工在建项目安全内业资料规范化",
            "client": 1,
            "service_type": LEDGERS,
            "origin": REQUEST,
            "lead": "liu.yang",
            "consultants": [],
            "description": (
                "客户在市建设工程安全质量监督站的检查中被指出安全内业资料不规范，"
                "委托我司对 4 个在建项目的安全台账进行梳理、补正和统一。"
            ),
            "assessment": {
                "days_ago": 2,
                "complete": False,
                "scope_finding": "建筑施工项目安全内业资料（台账）规范化属于本公司服务范围。",
                "scope_verdict": "fine",
                "capability_finding": (
                    "刘洋熟悉浙江省建筑施工安全管理资料规程及 JGJ 59 检查要求，"
                    "完成过同类项目资料整理。"
                ),
                "capability_verdict": "fine",
                "client_resources_finding": "项目安全员冯晓东可配合，其余项目部配合程度待确认。",
            },
        },
        {
            "key": "ready",
            "title": "港城冷链冷库企业安全生产标准化三级达标",
            "client": 2,
            "service_type": STANDARDIZATION,
            "origin": REQUEST,
            "lead": "zhang.wei",
            "consultants": ["liu.yang"],
            "description": (
                "客户为涉氨制冷冷库企业，按属地应急管理部门要求开展安全生产标准化建设，"
                "委托我司提供三级达标咨询。"
            ),
            "assessment": {
                "days_ago": 11,
                "scope_finding": "工贸企业安全生产标准化三级达标咨询属于本公司服务范围。",
                "scope_verdict": "fine",
                "capability_finding": (
                    "客户涉及液氨制冷，张伟为化工安全专业注册安全工程师，熟悉涉氨制冷企业"
                    "重大事故隐患判定和液氨使用安全要求，能力满足。"
                ),
                "capability_verdict": "fine",
                "client_resources_finding": (
                    "客户仓库经理许磊兼任安全管理，制冷系统由专业维保单位负责，"
                    "可提供设备台账和维保记录。"
                ),
                "client_resources_verdict": "concern",
                "risks_finding": (
                    "液氨制冷系统存在泄漏中毒风险，现场诊断须在维保人员陪同下进行；"
                    "如发现重大事故隐患，需客户先行整改。"
                ),
                "risks_verdict": "concern",
                "schedule_finding": "属地要求年底前完成，按 4 个月周期可满足。",
                "schedule_verdict": "fine",
                "budget_finding": "小型涉氨冷库三级达标，合理区间 6.5 万至 8.5 万元。",
                "budget_verdict": "fine",
                "budget_min": Decimal("65000"),
                "budget_max": Decimal("85000"),
                "measures": (
                    "张伟负责液氨制冷专项内容，刘洋负责管理制度和台账；现场诊断由维保单位"
                    "人员陪同，现场配备正压式空气呼吸器；重大事故隐患书面告知客户。"
                ),
                "decision": "proceed",
                "decision_reasons": "需求明确、时限可控，我司具备涉氨制冷专业能力，同意承接。",
            },
        },
        {
            "key": "proactive",
            "title": "港城冷链冷库安全顾问服务",
            "client": 2,
            "service_type": ADVISER,
            "origin": PROACTIVE,
            "lead": "liu.yang",
            "consultants": ["zhang.wei"],
            "description": (
                "北仑区开展涉氨制冷企业专项整治后，我司主动联系客户，"
                "建议在标准化建设之外提供常年安全顾问服务。"
            ),
            "assessment": {
                "days_ago": 47,
                "scope_finding": "常年安全顾问服务属于本公司服务范围。",
                "scope_verdict": "fine",
                "capability_finding": "项目组有涉氨冷库和仓储物流企业顾问经验，张伟提供化工专业支持。",
                "capability_verdict": "fine",
                "client_resources_finding": "客户规模小，安全管理人员仅 1 人兼职，需顾问方承担较多日常指导。",
                "client_resources_verdict": "concern",
                "risks_finding": "顾问方可能被误认为承担安全管理责任，需在框架中明确服务边界。",
                "risks_verdict": "concern",
                "schedule_finding": "服务期 1 年，每月 2 次现场服务，人员安排可满足。",
                "schedule_verdict": "fine",
                "budget_finding": "小型企业常年顾问，合理区间每年 6 万至 7.2 万元。",
                "budget_verdict": "fine",
                "budget_min": Decimal("60000"),
                "budget_max": Decimal("72000"),
                "measures": "在框架中写明服务边界；每次现场服务出具书面记录并由客户签收。",
                "decision": "proceed",
                "decision_reasons": "客户有持续的外部技术支持需求，同意承接。",
            },
            "communication": {
                "days_ago": 36,
                "channel": CommunicationRecord.Channel.PHONE,
                "participants": "许磊（客户仓库经理）；刘洋",
                "basic_situation": (
                    "冷链仓储企业，员工约 45 人，冷库容量约 8000 吨，采用液氨制冷，"
                    "液氨储量约 6 吨；安全管理由仓库经理兼任。"
                ),
                "explicit_needs": "希望有专业人员定期到现场检查制冷系统和库区安全，指导整改。",
                "latent_needs": (
                    "氨泄漏应急预案未演练，应急物资配置不足；"
                    "冷库内作业人员防冻、防困的管理措施缺失。"
                ),
            },
            "exchange": {
                "days_ago": 21,
                "participants": "许磊；刘洋、张伟",
                "objectives": "一年内消除涉氨制冷重大事故隐患，完成氨泄漏应急演练 2 次。",
                "main_content": "每月 2 次现场检查；应急预案修订与演练指导；年度安全培训。",
                "implementation_approach": "现场检查结合视频抽查；每次检查出具隐患清单并跟踪整改。",
                "rights_and_obligations": (
                    "客户负责隐患整改和应急物资投入；我司按约定频次提供服务，"
                    "对检查发现如实告知。"
                ),
            },
            "framework": {
                "objectives": "消除涉氨制冷重大事故隐患，提升应急处置能力。",
                "scope": "北仑区港城大道 199 号冷库、制冷机房及装卸月台。",
                "approach": "月度现场检查 + 应急演练指导 + 培训。",
                "timetable": "自合同签订起 12 个月，每月现场服务 2 次。",
                "budget": Decimal("66000"),
            },
        },
        {
            "key": "no_exchange",
            "title": "海联石化安全生产标准化二级复评辅导",
            "client": 0,
            "service_type": STANDARDIZATION,
            "origin": REQUEST,
            "lead": "zhang.wei",
            "consultants": [],
            "description": (
                "客户危险化学品企业安全生产标准化二级证书即将到期，"
                "委托我司开展复评前对标自评和整改辅导。"
            ),
            "assessment": {
                "days_ago": 33,
                "scope_finding": "危险化学品企业安全生产标准化复评辅导属于本公司服务范围。",
                "scope_verdict": "fine",
                "capability_finding": (
                    "张伟为化工安全专业注册安全工程师，熟悉 AQ 3013 及浙江省危险化学品企业"
                    "标准化评审细则。"
                ),
                "capability_verdict": "fine",
                "client_resources_finding": "客户安全环保部 12 人，体系文件齐全，配合条件好。",
                "client_resources_verdict": "fine",
                "risks_finding": "装置规模大、涉及多套重点监管工艺，现场检查工作量大。",
                "risks_verdict": "concern",
                "schedule_finding": "证书 5 个月后到期，辅导周期 3 个月，时间可满足。",
                "schedule_verdict": "fine",
                "budget_finding": "大型石化企业复评辅导，合理区间 12 万至 15 万元。",
                "budget_verdict": "fine",
                "budget_min": Decimal("120000"),
                "budget_max": Decimal("150000"),
                "measures": "分装置组织现场检查，必要时增派人员；每两周向客户通报进度。",
                "decision": "proceed",
                "decision_reasons": "客户基础好、时间充裕，同意承接。",
            },
            "communication": {
                "days_ago": 25,
                "channel": CommunicationRecord.Channel.MEETING,
                "participants": "郑海（客户安全环保部部长）；张伟",
                "basic_situation": (
                    "石油化工生产企业，员工约 1100 人，有常减压、加氢裂化等装置，"
                    "构成一级重大危险源 2 处；2023 年取得标准化二级证书。"
                ),
                "explicit_needs": "按现行评审标准完成自评和整改，顺利通过二级复评。",
                "latent_needs": "承包商管理和特殊作业管理在上次评审中扣分较多，需重点提升。",
            },
            "framework": {
                "objectives": "通过危险化学品企业安全生产标准化二级复评。",
                "scope": "镇海石化园区厂区全部生产装置、储运设施及承包商管理。",
                "approach": "对标自评—专项整改（承包商、特殊作业）—模拟评审—复评迎检。",
                "timetable": "合同签订后 3 个月内完成，复评申报前 2 周完成模拟评审。",
                "budget": Decimal("138000"),
            },
            "contact": "郑海",
            "confirmed_days_ago": 5,
        },
        {
            "key": "contracting",
            "title": "甬安建工施工现场安全风险分级管控与隐患排查治理",
            "client": 1,
            "service_type": RISK_GRADING,
            "origin": REQUEST,
            "lead": "liu.yang",
            "consultants": ["zhang.wei"],
            "description": (
                "为客户 4 个在建项目建立施工现场安全风险分级管控清单和隐患排查治理机制，"
                "实现风险四色分布图上墙和隐患闭环管理。"
            ),
            "assessment": {
                "days_ago": 80,
                "scope_finding": "双重预防机制建设属于本公司服务范围。",
                "scope_verdict": "fine",
                "capability_finding": (
                    "刘洋熟悉建筑施工危大工程管理，张伟提供风险评价方法（LEC、LS）支持。"
                ),
                "capability_verdict": "fine",
                "client_resources_finding": "客户项目安全员冯晓东牵头对接，各项目部配有专职安全员。",
                "client_resources_verdict": "fine",
                "risks_finding": "项目施工阶段不同，风险清单需分阶段编制并动态更新。",
                "risks_verdict": "concern",
                "schedule_finding": "客户要求 3 个月内完成，可满足。",
                "schedule_verdict": "fine",
                "budget_finding": "4 个项目约 32 个人日，合理区间 8 万至 10 万元。",
                "budget_verdict": "fine",
                "budget_min": Decimal("80000"),
                "budget_max": Decimal("100000"),
                "measures": "按施工阶段分批辨识；提供风险清单动态更新模板并培训项目安全员。",
                "decision": "proceed",
                "decision_reasons": "服务范围、能力和预算均匹配，同意承接。",
            },
            "communication": {
                "days_ago": 70,
                "channel": CommunicationRecord.Channel.MEETING,
                "participants": "冯晓东（客户项目安全员）、何敏（办公室主任）；刘洋、张伟",
                "basic_situation": (
                    "房屋建筑施工总承包二级企业，在建项目 4 个（住宅 3 个、厂房 1 个），"
                    "作业人员高峰约 600 人，涉及深基坑、塔吊、外脚手架等危大工程。"
                ),
                "explicit_needs": "建立风险分级管控清单和隐患排查治理制度，迎接住建部门检查。",
                "latent_needs": (
                    "劳务分包人员流动大，三级安全教育落实不到位；"
                    "塔吊群塔作业防碰撞管理缺少书面措施。"
                ),
            },
            "exchange": {
                "days_ago": 58,
                "participants": "冯晓东、何敏；刘洋、张伟",
                "objectives": "4 个项目均建立风险清单和四色分布图，隐患整改闭环率达到 100%。",
                "main_content": (
                    "风险辨识与评价、分级管控清单编制、隐患排查治理制度、项目安全员培训。"
                ),
                "implementation_approach": "每个项目现场辨识 2 天，集中评审 1 次，按月跟踪隐患闭环。",
                "rights_and_obligations": (
                    "客户提供施工组织设计和专项方案，安排人员陪同；"
                    "我司按期交付清单和制度，对资料保密。"
                ),
            },
            "framework": {
                "objectives": "建立施工现场双重预防机制，隐患整改闭环率 100%。",
                "scope": "江北区 3 个住宅项目及鄞州区 1 个厂房项目。",
                "approach": "现场辨识—LEC 评价—分级管控清单—隐患排查制度—培训。",
                "timetable": "合同签订后 3 个月内完成，每月提交进度报告。",
                "budget": Decimal("92000"),
            },
            "contact": "冯晓东",
            "confirmed_days_ago": 15,
        },
        {
            "key": "declined",
            "title": "海联石化重大危险源 HAZOP 分析及 SIL 定级",
            "client": 0,
            "service_type": OTHER,
            "origin": REQUEST,
            "lead": "zhang.wei",
            "consultants": [],
            "description": "客户要求对 2 处一级重大危险源所在装置开展 HAZOP 分析和安全仪表功能 SIL 定级与验证。",
            "assessment": {
                "days_ago": 60,
                "scope_finding": "HAZOP 分析属于风险分析服务，本公司可以提供；SIL 验证计算为专业技术服务。",
                "scope_verdict": "concern",
                "capability_finding": (
                    "本公司无具备资格的 HAZOP 主席和 SIL 验证工程师，"
                    "也无 SIL 验算软件，无法独立承担。"
                ),
                "capability_verdict": "blocker",
                "client_resources_finding": "客户工艺安全信息完整，可组织工艺、仪表、设备专业人员参会。",
                "client_resources_verdict": "fine",
                "risks_finding": "分析质量不足可能导致安全仪表系统设计缺陷，后果严重。",
                "risks_verdict": "blocker",
                "schedule_finding": "客户要求 45 天内完成两套装置，工作量约需 90 天。",
                "schedule_verdict": "blocker",
                "budget_finding": "同类服务市场价 35 万至 45 万元，客户预算 25 万元偏低。",
                "budget_verdict": "concern",
                "budget_min": Decimal("350000"),
                "budget_max": Decimal("450000"),
                "measures": "向客户说明情况，推荐具备 HAZOP/SIL 专业能力的技术服务机构。",
                "decision": "decline",
                "decision_reasons": "本公司不具备 HAZOP 主席和 SIL 验证能力，工期和预算亦不可行，不予承接。",
            },
            "decline": (
                "本公司不具备 HAZOP 主席及 SIL 验证专业能力，客户工期要求无法满足，"
                "已书面告知客户并推荐专业机构。"
            ),
        },
    ],
}


def _date(today, days_ago):
    return today - datetime.timedelta(days=days_ago)


def _dated(fields, today, name):
    fields = dict(fields)
    fields[name] = _date(today, fields.pop("days_ago"))
    return fields


def _build(spec, *, firm, people, clients, today):
    lead = people[spec["lead"]]
    client = clients[spec["client"]]
    engagement = services.engagement_create(
        firm=firm, by=lead, client=client, title=spec["title"],
        service_type=spec["service_type"], origin=spec["origin"], lead_consultant=lead,
        consultants=[people[local] for local in spec["consultants"]],
        description=spec["description"],
    )

    # Clause 5: the needs assessment (a draft leaves the date and decision out).
    assessment = dict(spec["assessment"])
    complete = assessment.pop("complete", True)
    days_ago = assessment.pop("days_ago")
    if complete:
        assessment["assessed_on"] = _date(today, days_ago)
    services.needs_assessment_save(engagement=engagement, by=lead, assessor=lead, **assessment)

    if spec.get("decline"):
        services.engagement_decline(engagement=engagement, by=lead, reason=spec["decline"])
        return engagement
    if "communication" not in spec:
        return engagement  # stays in needs analysis
    services.engagement_confirm_needs(engagement=engagement, by=lead, note=CONFIRM_NEEDS_NOTE)

    # Clause 6.
    if "visit" in spec:
        visit = _dated(spec["visit"], today, "visited_on")
        services.record_save(
            record=SiteVisit(engagement=engagement, **visit), by=lead,
            m2m={"visitors": [lead, *(people[local] for local in spec["consultants"])]},
        )
    services.record_save(
        record=CommunicationRecord(
            engagement=engagement, **_dated(spec["communication"], today, "held_on")
        ),
        by=lead,
    )
    if "exchange" in spec:
        services.record_save(
            record=ExchangeRecord(engagement=engagement, **_dated(spec["exchange"], today, "held_on")),
            by=lead,
        )
    framework = services.framework_save(engagement=engagement, by=lead, **spec["framework"])
    if spec.get("contact"):
        contact = ClientContact.objects.get(firm=firm, client=client, name=spec["contact"])
        services.framework_confirm(
            framework=framework, contact=contact,
            confirmed_on=_date(today, spec["confirmed_days_ago"]), by=lead,
        )
    if spec["key"] == "contracting":
        services.engagement_confirm_framework(
            engagement=engagement, by=lead, note=CONFIRM_FRAMEWORK_NOTE
        )
    return engagement


def load(ctx):
    today = timezone.localdate()
    for key, specs in ENGAGEMENTS.items():
        data = ctx.data["firms"][key]
        firm = data["firm"]
        made = {}
        for spec in specs:
            engagement = Engagement.objects.filter(firm=firm, title=spec["title"]).first()
            if engagement is None:
                engagement = _build(
                    spec, firm=firm, people=data["people"], clients=data["clients"], today=today
                )
            made[spec["key"]] = engagement
        # For the later apps' loaders (the contracts demo picks up "contracting").
        data["engagements"] = made
