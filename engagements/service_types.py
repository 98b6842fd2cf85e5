"""The service types a firm starts its list with (the issue's common ones). Plain data: the
migrations read it too. ``code`` is the stable short name (imports, the 8.5.1 mapping's
seed); the first five were the fixed choices before the firm kept its own list."""

#: (code, name, name in English)
DEFAULT_SERVICE_TYPES = [
    ("standardization", "安全生产标准化咨询", "Safety standardization consulting"),
    ("ledgers", "安全台账", "Safety ledgers"),
    ("adviser", "安全顾问服务", "Safety adviser service"),
    ("risk_grading", "风险分级管控与隐患排查治理（双重预防）",
     "Risk grading and hidden-danger management (dual prevention)"),
    ("emergency_plans", "应急预案编制", "Emergency plan preparation"),
    ("occupational_health", "职业卫生", "Occupational health"),
    ("evaluation_coaching", "安全评价辅导", "Safety assessment coaching"),
    ("process_safety", "过程安全 / HAZOP", "Process safety / HAZOP"),
    ("other", "其他", "Other"),
]

#: The codes of the fixed choices the engagement had before (engagements 0008 maps them).
STANDARDIZATION, LEDGERS, ADVISER, RISK_GRADING, OTHER = (
    "standardization", "ledgers", "adviser", "risk_grading", "other")
