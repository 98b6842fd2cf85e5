"""A sample document for tests and ``manage.py pdf_benchmark``: contract-like Chinese text
whose length is set by the number of articles (``TEN_PAGES`` of them fill ten A4 pages)."""

from types import SimpleNamespace

SAMPLE_TEMPLATE = "pdf/_sample.html"

# The number of articles that fills exactly ten pages of pdf/_sample.html.
TEN_PAGES = 22

_TITLES = (
    "服务内容", "服务方式", "服务期限", "甲方的权利和义务", "乙方的权利和义务",
    "咨询成果的交付", "服务费用及支付方式", "保密条款", "知识产权", "违约责任",
    "合同的变更和解除", "争议解决", "不可抗力", "后续服务", "通知与送达",
    "廉洁从业", "资料的提供与返还", "安全与现场纪律", "质量保证", "人员配备",
)

_PARAGRAPHS = (
    "乙方依据《企业安全生产技术咨询服务规范》开展需求分析、现场调研、方案编制与实施指导，"
    "对甲方生产经营单位的危险源辨识、风险评估、隐患排查治理及安全生产标准化建设提供技术咨询，"
    "并对咨询过程中发现的重大事故隐患以书面形式及时告知甲方主要负责人。",
    "甲方应当指定专人负责与乙方的联络工作，按照乙方提出的资料清单如实、完整、及时地提供相关资料，"
    "为乙方人员进入生产现场开展调研提供必要的条件，并对所提供资料的真实性、合法性负责。",
    "双方应当建立工作小组，明确各自成员的职责分工，定期召开项目协调会议，"
    "对实施过程中出现的异常情况通过约定的渠道及时沟通；涉及生产安全的紧急情况，应当立即启动应急处置程序。",
)

_ITEMS = (
    SimpleNamespace(name="安全生产现状诊断报告", due="2026年3月31日", amount="30,000.00"),
    SimpleNamespace(name="风险分级管控与隐患排查治理体系文件", due="2026年5月31日", amount="45,000.00"),
    SimpleNamespace(name="安全生产标准化评审辅导记录", due="2026年8月31日", amount="25,000.00"),
)


def sample_context(firm=None, *, articles: int = TEN_PAGES, doc_number: str = "2026-007") -> dict:
    """The context of :data:`SAMPLE_TEMPLATE`. ``firm`` may be any object with a ``name``."""
    firm = firm or SimpleNamespace(name="示例安全生产技术咨询有限公司")
    return {
        "firm": firm,
        "title": "安全生产技术咨询服务合同",
        "doc_number": doc_number,
        "client_name": "苏州示例化工有限公司",
        "articles": [
            {
                "title": _TITLES[i % len(_TITLES)],
                "paragraphs": _PARAGRAPHS,
                "items": _ITEMS if i % 5 == 0 else (),
            }
            for i in range(articles)
        ],
    }
