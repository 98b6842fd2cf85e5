"""The renderer itself: numerals, the URL fetcher, speed, the benchmark command, checks."""

import io

import pytest
from django.core.management import call_command
from django.template import Context, Template

from consultancy.documents import checks, pdf
from consultancy.documents.samples import SAMPLE_TEMPLATE, TEN_PAGES, sample_context
from consultancy.documents.templatetags.pdf_tags import to_chinese_numeral

EXPECTED = "一 二 三 四 五 六 七 八 九 十 十一 十二 十三 十四 十五 十六 十七 十八 十九 二十".split()


def test_chinese_numerals_one_to_twenty():
    assert [to_chinese_numeral(n) for n in range(1, 21)] == EXPECTED


@pytest.mark.parametrize(("n", "text"), [
    (0, "零"), (21, "二十一"), (99, "九十九"), (100, "一百"), (101, "一百零一"),
    (110, "一百一十"), (1005, "一千零五"), (10010, "一万零一十"), (100000, "十万"),
])
def test_chinese_numerals_beyond(n, text):
    assert to_chinese_numeral(n) == text


def test_chinese_numeral_filter():
    template = Template("{% load pdf_tags %}第{{ n|chinese_numeral }}条 {{ x|chinese_numeral }}")
    assert template.render(Context({"n": 12, "x": "abc"})) == "第十二条 abc"


@pytest.mark.parametrize("url", [
    "file:///etc/passwd", "http://example.com/logo.png", "https://example.com/a.css",
    "ftp://example.com/x",
])
def test_the_url_fetcher_refuses_anything_outside_static(url):
    with pytest.raises(ValueError):
        pdf.LocalOnlyFetcher().fetch(url)


def test_a_refused_resource_does_not_break_the_render():
    html = ('<html><body><p>测试</p><img src="file:///etc/passwd">'
            '<img src="http://169.254.169.254/latest"></body></html>')
    data, pages = pdf.html_to_pdf(html)
    assert data.startswith(b"%PDF-") and pages == 1


def test_the_font_configuration_is_reused_per_thread():
    assert pdf.font_configuration() is pdf.font_configuration()


def test_a_ten_page_chinese_document_renders_to_ten_pages():
    """How fast it renders is the benchmark's business (``manage.py pdf_benchmark``, the
    README's figures), never a pass/fail test: a busy machine would fail it."""
    context = sample_context(articles=TEN_PAGES)
    data, pages = pdf.render_pdf(SAMPLE_TEMPLATE, context)
    assert pages == 10
    assert data.startswith(b"%PDF-")


def test_the_benchmark_command_reports_pages_and_timings(tmp_path):
    out = io.StringIO()
    target = tmp_path / "bench.pdf"
    call_command("pdf_benchmark", runs=1, articles=2, output=target, stdout=out)
    assert "pages=2 " in out.getvalue() and "median=" in out.getvalue()
    assert target.read_bytes().startswith(b"%PDF-")


def test_the_system_libraries_and_fonts_are_there():
    assert checks.pdf_dependencies() == []
