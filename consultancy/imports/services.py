"""Importing a file: read and keep its rows (:func:`import_upload`), check them
(:func:`import_check`, a read), then import them once (:func:`import_run`): the whole file
only when every row is clean, or only the clean rows when the user says so. Each row is
written by the owning app's service, in one transaction with the import's own event; a
large file is imported by a Celery task acting as the named system actor "import"."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from consultancy.activity import verbs
from consultancy.activity.models import SystemActor
from consultancy.activity.services import performed_by, record_event
from consultancy.refusals import CONFLICT, INVALID, Refusal

from .kinds import KINDS, header_keys
from .models import ImportBatch
from .reading import read_table

# Up to this many rows are imported while the user waits; more go to a Celery task.
SYNC_ROWS = 300

verbs.register_all({
    "import.checked": gettext_lazy("%(actor)s uploaded %(file)s to import (%(rows)s rows)"),
    "import.done": gettext_lazy("%(actor)s imported %(imported)s row(s) of %(file)s "
                                "(%(skipped)s left out)"),
    "import.queued": gettext_lazy("%(actor)s started the import of %(rows)s row(s) of "
                                  "%(file)s"),
})


class ImportRefused(Refusal):
    code = "import_refused"
    kind = INVALID


class AlreadyImported(Refusal):
    code = "import_done"
    kind = CONFLICT
    default_message = gettext_lazy("This file was imported already; upload it again to "
                                   "import what has changed since.")


def _map_columns(kind, firm, headers):
    """``{position: column key}`` for the headers recognised, the unknown headers, and the
    missing required columns."""
    columns = kind.columns(firm)
    keys = {}
    for column in columns:
        for header in header_keys(column):
            keys.setdefault(header, column.key)
    from .kinds import normalize_header

    mapping, unknown = {}, []
    for position, header in enumerate(headers):
        key = keys.get(normalize_header(header))
        if key and key not in mapping.values():
            mapping[position] = key
        elif header:
            unknown.append(header)
    missing = [c for c in columns if c.required and c.key not in mapping.values()]
    return mapping, unknown, missing


@performed_by
@transaction.atomic
def import_upload(*, firm, by, kind, uploaded) -> ImportBatch:
    """Read ``uploaded`` (typed by its content) into a batch of rows to check. Refused
    with a ValidationError on the ``file`` when it is not a readable table or lacks a
    required column."""
    spec = KINDS[kind]
    if spec.manager_only and not by.is_manager:
        raise ImportRefused(_("Only a manager imports this."))
    try:
        table = read_table(uploaded)
    except ValidationError as exc:
        raise ValidationError({"file": exc.messages}) from exc
    mapping, unknown, missing = _map_columns(spec, firm, table.headers)
    if missing:
        raise ValidationError({"file": _(
            "The first row must name the columns; these required ones are missing: "
            "%(columns)s. Download the template to see them.") % {
                "columns": "、".join(str(c.header) for c in missing)}})
    rows = [{"row": number, "values": {key: (cells[pos] if pos < len(cells) else "")
                                       for pos, key in mapping.items()}}
            for number, cells in table.rows]
    if not rows:
        raise ValidationError({"file": _("The file has column names but no rows below them.")})
    batch = ImportBatch.objects.create(
        firm=firm, kind=kind, file_name=(uploaded.name or "")[:200], file_type=table.file_type,
        sha256=table.sha256, rows=rows, unknown_columns=unknown[:50], uploaded_by=by)
    record_event(firm=firm, by=by, verb="import.checked", obj=batch,
                 params={"file": batch.file_name, "rows": len(rows)})
    return batch


def import_check(batch):
    """Every row of ``batch`` with its errors, checked against the firm's data now."""
    return KINDS[batch.kind].check(batch.firm, batch.rows)


@performed_by
@transaction.atomic
def import_run(*, batch, by, mode) -> ImportBatch:
    """Import ``batch``: ``mode`` ALL only when no row has an error, CLEAN its clean rows.
    Up to :data:`SYNC_ROWS` rows are imported now, by ``by``; more by a Celery task (the
    system actor "import") once this commits."""
    batch = ImportBatch.objects.select_for_update().get(pk=batch.pk, firm_id=batch.firm_id)
    if batch.status != ImportBatch.Status.PREVIEW:
        raise AlreadyImported()
    spec = KINDS[batch.kind]
    if spec.manager_only and not getattr(by, "is_manager", False):
        raise ImportRefused(_("Only a manager imports this."))
    checks = import_check(batch)
    bad = [c.row for c in checks if not c.ok]
    if mode == ImportBatch.Mode.ALL and bad:
        raise ImportRefused(_("Nothing was imported: %(n)d row(s) have errors. Correct them in "
                              "the file and upload it again, or import only the clean rows.")
                            % {"n": len(bad)})
    clean = [c for c in checks if c.ok]
    if not clean:
        raise ImportRefused(_("No row of the file is clean: nothing to import."))
    batch.mode = mode
    batch.skipped_rows = bad
    if len(clean) > SYNC_ROWS:
        batch.status = ImportBatch.Status.QUEUED
        batch.imported_by = by
        batch.save(update_fields=["mode", "skipped_rows", "status", "imported_by"])
        record_event(firm=batch.firm_id, by=by, verb="import.queued", obj=batch,
                     params={"file": batch.file_name, "rows": len(clean)})
        from .tasks import run_import

        transaction.on_commit(lambda: run_import.delay(batch.pk, batch.firm_id))
        return batch
    _import(batch, checks, by)
    batch.imported_by = by
    batch.save(update_fields=["mode", "skipped_rows", "status", "imported_by",
                              "imported_at", "imported_rows"])
    return batch


def _import(batch, checks, by) -> None:
    """Write the clean rows through the kind's services (the caller's transaction: a row
    refused now, after the check, refuses the whole import)."""
    spec = KINDS[batch.kind]
    done = []
    for check in checks:
        if not check.ok:
            continue
        try:
            spec.import_row(batch.firm, by, check.cleaned)
        except ValidationError as exc:
            raise ImportRefused(_("Nothing was imported: row %(row)d was refused: %(error)s")
                                % {"row": check.row, "error": " ".join(exc.messages)}) from exc
        except Refusal as exc:
            raise ImportRefused(_("Nothing was imported: row %(row)d was refused: %(error)s")
                                % {"row": check.row, "error": exc.message}) from exc
        done.append(check.row)
    batch.status = ImportBatch.Status.IMPORTED
    batch.imported_at = timezone.now()
    batch.imported_rows = done
    record_event(firm=batch.firm_id, by=by, verb="import.done", obj=batch,
                 params={"file": batch.file_name, "imported": len(done),
                         "skipped": len(batch.skipped_rows)})


@performed_by
@transaction.atomic
def import_run_queued(*, batch, by=SystemActor.IMPORT) -> ImportBatch:
    """The Celery task's part: import a queued batch's clean rows as the system actor
    "import". A batch no longer queued (imported already) is left alone."""
    batch = ImportBatch.objects.select_for_update().get(pk=batch.pk, firm_id=batch.firm_id)
    if batch.status != ImportBatch.Status.QUEUED:
        return batch
    checks = import_check(batch)
    try:
        with transaction.atomic():
            _import(batch, checks, by)
    except ImportRefused as exc:
        batch.status = ImportBatch.Status.FAILED
        batch.error = exc.message
        batch.save(update_fields=["status", "error"])
        return batch
    batch.save(update_fields=["status", "imported_at", "imported_rows"])
    return batch
