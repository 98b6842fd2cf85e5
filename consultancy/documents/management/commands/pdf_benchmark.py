"""``manage.py pdf_benchmark``: how long a ten-page Chinese PDF takes on this machine, and
the process's peak memory (resident set size) while making it."""

import resource
import statistics
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from consultancy.documents import pdf
from consultancy.documents.samples import SAMPLE_TEMPLATE, TEN_PAGES, sample_context


class Command(BaseCommand):
    help = (
        "Render the sample Chinese document (templates/pdf/_sample.html, ten A4 pages by "
        "default) several times and print the first (cold) and the min/median (warm) times."
    )

    def add_arguments(self, parser):
        parser.add_argument("--runs", type=int, default=5, help="warm runs (default 5)")
        parser.add_argument(
            "--articles", type=int, default=TEN_PAGES,
            help=f"articles in the sample ({TEN_PAGES} fill ten pages)",
        )
        parser.add_argument("--output", type=Path, help="also write the PDF to this file")
        parser.add_argument(
            "--document", type=int, metavar="ID",
            help="time a real document instead: re-render GeneratedDocument ID (e.g. a demo "
                 "contract) with its kind's registered builder",
        )
        parser.add_argument(
            "--fonttools", action="store_true",
            help="subset fonts with fontTools, as WeasyPrint does without libharfbuzz-subset0",
        )

    def handle(self, *args, runs, articles, output, fonttools, document, **options):
        if runs < 1:
            raise CommandError("--runs must be at least 1.")
        if fonttools:
            from weasyprint.pdf import fonts

            fonts.harfbuzz_subset = None
        template, context = SAMPLE_TEMPLATE, sample_context(articles=articles)
        if document:
            template, context = self._real_document(document)

        cpu = []

        def once():
            started, cpu_started = time.perf_counter(), time.process_time()
            data, pages = pdf.render_pdf(template, context)
            cpu.append((time.process_time() - cpu_started) * 1000)
            return (time.perf_counter() - started) * 1000, data, pages

        cold_ms, data, pages = once()
        timings = []
        for _ in range(runs):
            ms, data, pages = once()
            timings.append(ms)
        if output:
            output.write_bytes(data)
        self.stdout.write(
            f"pages={pages} size={len(data) / 1024:.0f} KiB runs={runs} "
            f"cold={cold_ms:.0f} ms min={min(timings):.0f} ms "
            f"median={statistics.median(timings):.0f} ms max={max(timings):.0f} ms "
            f"cpu_median={statistics.median(cpu[1:]):.0f} ms"
            + f" peak_rss={resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB"
            + (" (fontTools subsetting)" if fonttools else "")
        )

    def _real_document(self, document_id):
        from django.conf import settings
        from django.utils import translation

        from consultancy.documents.models import GeneratedDocument
        from consultancy.documents.registry import builder_for
        from consultancy.tenancy.rls import cross_firm
        from consultancy.tenancy.scoping import firm_scope

        with cross_firm(f"pdf_benchmark: find the generated document {document_id}"):
            doc = GeneratedDocument.objects.filter(pk=document_id).first()
        if doc is None:
            raise CommandError(f"No generated document {document_id}.")
        # Build the context inside the document's firm, as the render task does; list
        # querysets so that the timed renders run no query.
        with firm_scope(doc.firm_id), translation.override(settings.LANGUAGE_CODE):
            builder = builder_for(doc.kind)
            spec = builder(doc.owner, volume=doc.volume) if doc.volume else builder(doc.owner)
            context = {"firm": doc.firm, "document": doc, **spec.context}
            pdf.render_html(spec.template_name, context)  # evaluate lazy lookups once
        self.stdout.write(f"{doc.kind} {spec.filename}")
        return spec.template_name, context
