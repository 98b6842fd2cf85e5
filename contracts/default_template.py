"""The default contract template a new firm starts with: our own text, written for
safety-production technical consulting, following the eleven clauses of clause 7.
Placeholders in braces are filled when a contract is drafted (contracts.clauses)."""

DEFAULT_CLAUSES_ZH = {
    "objectives": (
        "乙方（{firm_name}）接受甲方（{client_name}）委托，就“{engagement_title}”"
        "（项目编号 {engagement_number}）提供企业安全生产技术咨询服务。本项目的服务目标为：\n"
        "{objectives}\n"
        "上述目标以双方确认的项目框架为依据；服务目标的实现以甲方按本合同约定履行配合义务为前提。"
    ),
    "scope": (
        "乙方提供的服务内容和范围为：\n{scope}\n"
        "服务依据《企业安全生产技术咨询服务规范》实施，包括项目调研、组建联合工作组、"
        "编制并提交咨询方案、组织实施和资料管理。超出上述范围的事项，双方另行书面约定。"
    ),
    "delivery_method": (
        "乙方以书面文件（纸质文本加盖乙方公章，并同时提供电子文本）方式交付本合同附件所列交付成果，"
        "实施方式为：{approach}\n"
        "每项交付成果由甲方指定的联系人签收；甲方应在收到交付成果之日起十个工作日内提出书面意见，"
        "逾期未提出的视为签收确认。"
    ),
    "period": (
        "服务期限自 {start_date} 起至 {end_date} 止。项目进度安排为：\n{timetable}\n"
        "交付成果完成后，乙方在 {guidance_period_days} 日内继续提供技术指导，"
        "并进行不少于 {follow_up_visits} 次回访。因甲方原因导致工期延误的，服务期限相应顺延。"
    ),
    "payment": (
        "本合同服务费总额为人民币 {fee} 元（大写：{fee_in_words}），含税。"
        "甲方按本合同附件所列付款计划，以银行转账方式支付至乙方指定账户；"
        "乙方在收款前向甲方开具合法有效的发票。"
    ),
    "confidentiality": (
        "双方对在履行本合同过程中知悉的对方商业秘密、技术资料、生产经营信息及个人信息负有保密义务，"
        "未经对方书面同意不得向第三方披露或用于本合同以外的目的。"
        "法律法规要求或政府主管部门依法要求提供的除外。本条款在合同终止后三年内继续有效。"
    ),
    "breach": (
        "任何一方违反本合同约定的，应承担继续履行、采取补救措施或者赔偿损失等违约责任。"
        "甲方逾期付款的，每逾期一日按应付未付金额的万分之五向乙方支付违约金；"
        "乙方无正当理由逾期交付的，每逾期一日按合同总额的万分之五向甲方支付违约金，"
        "但违约金总额不超过合同总额的百分之十。"
    ),
    "personnel": (
        "乙方为本项目配备的咨询人员为：{personnel}。"
        "项目组中至少有一名持有有效注册安全工程师证书并具备相关经验的人员。"
        "乙方更换主要咨询人员的，应提前书面告知甲方，并保证替换人员具备同等资格和能力。"
    ),
    "liability": (
        "乙方保证所提供的咨询成果符合国家法律法规和相关标准的要求，"
        "并对其专业意见的真实性、准确性负责。甲方保证所提供资料真实、完整，"
        "并对其安全生产主体责任负责；乙方的咨询服务不替代甲方依法应履行的安全生产主体责任。"
    ),
    "complaints": (
        "甲方对乙方服务有异议的，可通过书面、电话或电子邮件向乙方投诉，"
        "乙方按 GB/T 17242-2025《投诉处理规范》处理投诉，自收到投诉之日起 "
        "{complaint_acknowledge_limit}内确认受理，{complaint_respond_limit}内书面答复处理结果。"
        "双方因本合同发生争议的，应友好协商解决；协商不成的，任何一方可向合同签订地有管辖权的"
        "人民法院提起诉讼。"
    ),
    "compensation": (
        "因乙方过错导致咨询成果存在重大缺陷并给甲方造成直接经济损失的，"
        "乙方在收到的服务费总额范围内承担赔偿责任；因甲方提供资料不实或未按乙方建议整改造成的损失，"
        "由甲方自行承担。因不可抗力导致合同不能履行的，双方互不承担赔偿责任。"
    ),
}

DEFAULT_CLAUSES_EN = {
    "objectives": (
        "The Provider ({firm_name}) provides safety-production technical consulting to the "
        "Client ({client_name}) for “{engagement_title}” (engagement {engagement_number}). "
        "Objectives:\n{objectives}"
    ),
    "scope": "Content and scope of the service:\n{scope}",
    "delivery_method": "Deliverables are handed over in writing (signed paper and electronic "
                       "copies), acknowledged by the Client's named contact. Approach: {approach}",
    "period": "From {start_date} to {end_date}. Timetable:\n{timetable}\nAfter delivery, "
              "{guidance_period_days} days of further guidance and at least {follow_up_visits} "
              "follow-up visits.",
    "payment": "Total fee CNY {fee}, tax included, paid by bank transfer per the payment "
               "schedule.",
    "confidentiality": "Each party keeps the other's trade secrets, technical and personal "
                       "information confidential for three years after the contract ends.",
    "breach": "A party in breach continues performance, remedies, or compensates; late "
              "payment or delivery costs 0.05% of the amount per day, capped at 10% of the fee.",
    "personnel": "Consulting personnel: {personnel}, including at least one registered "
                 "safety engineer with a valid certificate.",
    "liability": "The Provider warrants its advice complies with law and standards; the "
                 "Client keeps its primary responsibility for safety production.",
    "complaints": "Complaints are handled per GB/T 17242-2025 (投诉处理规范): acknowledged "
                  "within {complaint_acknowledge_limit} and answered in writing within "
                  "{complaint_respond_limit} of their receipt. Disputes go to the competent "
                  "court where the contract was signed.",
    "compensation": "The Provider's liability for direct loss caused by its fault is limited "
                    "to the fees received; force majeure excuses both parties.",
}
