"""The default satisfaction questions a firm starts with (9.5)."""

DEFAULT_QUESTION_SET_NAME = "客户满意度调查"

# (code, kind, Chinese, English, required)
DEFAULT_QUESTIONS = [
    ("competence", "scale_1_5", "咨询人员的专业能力", "Professional competence of the consultants",
     True),
    ("timeliness", "scale_1_5", "服务的及时性（按约定时间完成工作）",
     "Timeliness (work done when agreed)", True),
    ("communication", "scale_1_5", "沟通与响应", "Communication and responsiveness", True),
    ("deliverables", "scale_1_5", "交付成果的质量", "Quality of the deliverables", True),
    ("on_site", "scale_1_5", "现场技术指导", "On-site technical guidance", True),
    ("overall", "scale_1_5", "总体满意度", "Overall satisfaction", True),
    ("recommend", "nps_0_10", "您向其他企业推荐我们的可能性有多大？（0–10）",
     "How likely are you to recommend us to another company? (0–10)", True),
    ("comments", "text", "其他意见和建议", "Other comments and suggestions", False),
]
