"""The server-drawn SVG charts: well-formed, numbers readable back, labels escaped, no script."""

import xml.etree.ElementTree as ET
from decimal import Decimal

from consultancy.documents.charts import Bar, Series, bar_chart, hbar_chart, line_chart

NS = "{http://www.w3.org/2000/svg}"


def parse(svg):
    return ET.fromstring(svg)


def test_bar_chart_carries_each_value_and_scales_to_the_maximum():
    svg = bar_chart([Bar("专业能力", Decimal("4.5")), Bar("及时性", 5), Bar("沟通", None)],
                    title="平均分", maximum=5)
    root = parse(svg)
    bars = root.findall(f"{NS}g")
    assert [(g.get("data-label"), g.get("data-value")) for g in bars] == [
        ("专业能力", "4.5"), ("及时性", "5"), ("沟通", "–")]
    heights = [float(g.find(f"{NS}rect").get("height")) for g in bars]
    assert heights[0] == round(heights[1] * 0.9, 1) and heights[2] == 0


def test_labels_are_escaped_and_no_script_or_external_reference():
    svg = hbar_chart([Bar('<script>alert(1)</script>"&', 3)], title="a < b")
    root = parse(svg)  # well-formed despite the markup in the label
    assert "<script>" not in svg and "http" not in svg.replace("http://www.w3.org/2000/svg", "")
    assert root.find(f"{NS}g").get("data-label") == '<script>alert(1)</script>"&'


def test_empty_chart_says_so():
    root = parse(bar_chart([], title="t", empty_text="暂无数据"))
    assert root.find(f"{NS}text").text == "暂无数据"


def test_line_chart_breaks_at_missing_values_and_keeps_the_numbers():
    svg = line_chart(["2025-Q1", "2025-Q2", "2025-Q3", "2025-Q4"],
                     [Series("总体满意度", [4, None, Decimal("3.5"), 4.25]),
                      Series("推荐", [1, 2, 3, 4])], title="趋势", maximum=5)
    root = parse(svg)
    first, second = root.findall(f"{NS}g")
    assert first.get("data-values") == "4,–,3.5,4.25"
    assert len(first.findall(f"{NS}polyline")) == 1  # Q3–Q4 only; Q1 stands alone
    assert len(first.findall(f"{NS}circle")) == 3
    assert len(second.findall(f"{NS}polyline")) == 1 and second.get("data-name") == "推荐"
