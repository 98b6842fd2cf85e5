"""HTML to PDF: a Django template rendered, then set by WeasyPrint.

Every PDF of the product goes through :func:`render_pdf`. The template extends
``pdf/base.html`` (A4, Noto CJK, running header, page numbers). What keeps it fast, as
measured in ``docs/pdf-performance.md`` (``manage.py pdf_benchmark``: a ten-page Chinese
document in about one second on two cores):

* fonts are subset (WeasyPrint's default, ``full_fonts=False``) by HarfBuzz
  (``libharfbuzz-subset0``); without that library WeasyPrint falls back to fontTools and
  the same document takes over 20 seconds (the ``documents.W001`` check warns of it);
* one ``FontConfiguration`` per thread is reused (building one costs 10-20 ms; it is
  not shared across threads, as Pango's font maps are not thread-safe);
* nothing is fetched over the network: the URL fetcher serves ``data:`` URLs and files
  under ``BASE_DIR/static`` only (the product runs on closed networks, and a template
  must never be a way to read other files of the server).
"""

import threading
from pathlib import Path
from urllib.parse import urlsplit
from urllib.request import url2pathname

from django.conf import settings
from django.template.loader import render_to_string
from weasyprint import HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher

from consultancy.refusals import INVALID, Refusal

__all__ = ["TooManyPages", "html_to_pdf", "render_html", "render_pdf"]

_local = threading.local()


def font_configuration() -> FontConfiguration:
    """This thread's ``FontConfiguration`` (Pango font maps are not shared across threads)."""
    config = getattr(_local, "font_config", None)
    if config is None:
        config = _local.font_config = FontConfiguration()
    return config


class LocalOnlyFetcher(URLFetcher):
    """Only ``data:`` URLs and files under ``BASE_DIR/static``; anything else is refused
    (WeasyPrint then leaves the resource out and logs a warning)."""

    def __init__(self):
        super().__init__(allowed_protocols=("data", "file"), allow_redirects=False)

    def fetch(self, url, headers=None):
        if url.lower().startswith("file:"):
            path = Path(url2pathname(urlsplit(url).path)).resolve()
            root = (Path(settings.BASE_DIR) / "static").resolve()
            if not path.is_relative_to(root):
                raise ValueError(f"PDF templates may not read {path}.")
        return super().fetch(url, headers)


def render_html(template_name: str, context: dict) -> str:
    """The Django template, rendered (no request: context processors do not run)."""
    return render_to_string(template_name, context)


def html_to_pdf(html: str, *, max_pages: int | None = None) -> tuple[bytes, int]:
    """Typeset ``html`` with WeasyPrint: ``(pdf_bytes, page_count)``. With ``max_pages``, a
    layout longer than that raises ``TooManyPages`` before the PDF is written."""
    document = HTML(
        string=html, base_url=str(settings.BASE_DIR), url_fetcher=LocalOnlyFetcher()
    ).render(font_config=font_configuration())
    pages = len(document.pages)
    if max_pages is not None and pages > max_pages:
        raise TooManyPages(pages, max_pages)
    return document.write_pdf(), pages


class TooManyPages(Refusal):
    """The layout has more pages than a PDF may have; ``error`` is what the document
    records (``GeneratedDocument.problem`` says it in words)."""

    code = "document.too_many_pages"
    kind = INVALID

    def __init__(self, pages=0, limit=0):
        self.pages, self.limit = pages, limit
        self.error = f"limit:pages:{pages}:{limit}"
        super().__init__(self.error)


def render_pdf(template_name: str, context: dict) -> tuple[bytes, int]:
    """Render ``template_name`` with ``context`` and return ``(pdf_bytes, page_count)``."""
    return html_to_pdf(render_html(template_name, context))
