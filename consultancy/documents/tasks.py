"""The render task: a pending ``GeneratedDocument`` becomes a stored PDF.

A render is bounded (the settings ``PDF_*``): its HTML may hold at most
``PDF_MAX_HTML_CHARS`` characters (checked before the typesetting, which is where time and
memory go), the PDF at most ``PDF_MAX_PAGES`` pages, the task runs at most
``PDF_SOFT_TIME_LIMIT`` seconds (then it records a plain failure) and is killed at
``PDF_TIME_LIMIT``; the worker replaces a process that grew past
``CELERY_WORKER_MAX_MEMORY_PER_CHILD``. A document too large says so to the user
(``GeneratedDocument.problem``).
"""

import hashlib
import logging
import time

from celery import Task, shared_task
from celery.exceptions import SoftTimeLimitExceeded, TimeLimitExceeded
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone, translation

from consultancy.refusals import INVALID, Refusal
from consultancy.tenancy.scoping import firm_scope

from .models import GeneratedDocument
from .pdf import TooManyPages, html_to_pdf, render_html
from .registry import builder_for
from .signals import document_ready

logger = logging.getLogger(__name__)

ERROR_MAX_LENGTH = 2000


def _error_text(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:ERROR_MAX_LENGTH]


def _pdf_name(filename: str) -> str:
    return filename if filename.lower().endswith(".pdf") else f"{filename}.pdf"


class TooLarge(Refusal):
    """The document is beyond a limit; ``error`` is stored as its error."""

    code = "document.too_large"
    kind = INVALID

    def __init__(self, error=""):
        self.error = error
        super().__init__(error)


class RenderTask(Task):
    """When the worker kills a render at its hard time limit, the parent process marks the
    document failed (the render itself cannot any more)."""

    def on_failure(self, exc, task_id, args, kwargs, einfo):
        if len(args) >= 2 and isinstance(exc, TimeLimitExceeded):
            with firm_scope(args[0]):
                _mark_failed(args[1], f"limit:time:{settings.PDF_TIME_LIMIT}")


def _check_html(html: str) -> None:
    limit = settings.PDF_MAX_HTML_CHARS
    if len(html) > limit:
        raise TooLarge(f"limit:html:{len(html)}:{limit}")


@shared_task(base=RenderTask, soft_time_limit=settings.PDF_SOFT_TIME_LIMIT,
             time_limit=settings.PDF_TIME_LIMIT)
def render_document(firm_id: int, document_id: int) -> str:
    """Render the document ``document_id`` of firm ``firm_id``; returns its status.

    Idempotent: a document that is no longer pending (ready, failed) is left alone, and
    when two runs race, the first to store its file wins and the other's PDF is dropped.
    A failure (the builder, the template, WeasyPrint, the storage) is recorded on the row
    with its error and logged; it is not raised, so the request that ran an eager task
    is not broken by it.
    """
    with firm_scope(firm_id):
        document = (
            GeneratedDocument.objects.select_related("firm")
            .filter(pk=document_id, firm_id=firm_id)
            .first()
        )
        if document is None:
            logger.warning("Generated document %s of firm %s not found.", document_id, firm_id)
            return "missing"
        if not document.is_pending:
            return document.status

        try:
            owner = document.owner
            if owner is None or getattr(owner, "firm_id", None) != firm_id:
                raise LookupError(f"The owner of document {document_id} no longer exists.")
            # PDFs are the firm's formal documents: always in the site's language, whoever
            # asked for them and whatever worker renders them.
            with translation.override(settings.LANGUAGE_CODE):
                started = time.perf_counter()
                # The builder and the template read the database; WeasyPrint does not. The
                # reads run in a transaction (a savepoint when there is an outer one, so
                # that a failing query cannot break it); the typesetting runs outside it.
                with transaction.atomic():
                    builder = builder_for(document.kind)
                    spec = (builder(owner, volume=document.volume) if document.volume
                            else builder(owner))
                    context = {"firm": document.firm, "document": document, **spec.context}
                    html = render_html(spec.template_name, context)
                _check_html(html)
                pdf_bytes, pages = html_to_pdf(html, max_pages=settings.PDF_MAX_PAGES)
                render_ms = round((time.perf_counter() - started) * 1000)
            return _store(document.pk, spec.filename, pdf_bytes, pages, render_ms)
        except (TooLarge, TooManyPages, SoftTimeLimitExceeded) as exc:
            code = (exc.error if not isinstance(exc, SoftTimeLimitExceeded)
                    else f"limit:time:{settings.PDF_SOFT_TIME_LIMIT}")
            logger.warning("Document %s (%s) of firm %s not made: %s", document_id,
                           document.kind, firm_id, code)
            _mark_failed(document.pk, code)
            return GeneratedDocument.Status.FAILED
        except Exception as exc:
            logger.exception(
                "Rendering %s document %s of firm %s failed.", document.kind, document_id, firm_id
            )
            _mark_failed(document.pk, _error_text(exc))
            return GeneratedDocument.Status.FAILED


def _store(document_id: int, filename: str, pdf_bytes: bytes, pages: int, render_ms: int) -> str:
    with transaction.atomic():
        row = GeneratedDocument.objects.select_for_update().get(pk=document_id)
        if not row.is_pending:  # another run finished first
            return row.status
        row.file.save(_pdf_name(filename), ContentFile(pdf_bytes), save=False)
        try:
            row.sha256 = hashlib.sha256(pdf_bytes).hexdigest()
            row.size = len(pdf_bytes)
            row.pages = pages
            row.render_ms = render_ms
            row.rendered_at = timezone.now()
            row.status = GeneratedDocument.Status.READY
            row.error = ""
            row.save()
        except Exception:
            row.file.delete(save=False)
            raise
        document_ready.send(sender=GeneratedDocument, document=row)
    return row.status


def _mark_failed(document_id: int, error: str) -> None:
    GeneratedDocument.objects.filter(
        pk=document_id, status=GeneratedDocument.Status.PENDING
    ).update(status=GeneratedDocument.Status.FAILED, error=error, rendered_at=timezone.now())
