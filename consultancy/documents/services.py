"""Asking for a PDF, and hashing stored files.

``pdf_request`` only records the request: the PDF is rendered by a Celery task once the
transaction commits, so a view that asks for a PDF answers at once and shows
``documents/_status.html``, which polls until the file is ready.
"""

import hashlib
from functools import partial

from django.db import transaction

from consultancy.activity.services import performed_by
from consultancy.tenancy.scoping import CrossFirmReference

from .models import GeneratedDocument
from .registry import builder_for
from .tasks import render_document

CHUNK_SIZE = 1024 * 1024


@performed_by
@transaction.atomic
def pdf_request(*, owner, kind: str, by) -> GeneratedDocument:
    """Record that ``by`` asked for the ``kind`` PDF of ``owner`` (a firm-owned record) and
    render it in the background after commit. Returns the pending ``GeneratedDocument``.

    Raises ``UnknownDocumentKind`` for a kind nobody registered, ``CrossFirmReference``
    when ``by`` is not of the owner's firm."""
    builder_for(kind)  # an unknown kind fails here, not later in a worker
    firm_id = getattr(owner, "firm_id", None)
    if firm_id is None or owner.pk is None:
        raise ValueError("A PDF's owner must be a saved firm-owned record.")
    if by.firm_id != firm_id:
        raise CrossFirmReference("The user asking for a PDF belongs to another firm.")
    document = GeneratedDocument(firm_id=firm_id, kind=kind, owner=owner, requested_by=by)
    document.save()
    transaction.on_commit(partial(render_document.delay, firm_id, document.pk), robust=True)
    return document


def sha256_of(file, *, chunk_size: int = CHUNK_SIZE) -> str:
    """The SHA-256 (hex) of a stored file (a ``FieldFile``) or of an uploaded one not yet
    saved, read in chunks. A file that was open is left open (an upload still has to be
    saved); one that was closed is closed again."""
    digest = hashlib.sha256()
    was_closed = getattr(file, "closed", True)
    if was_closed:
        file.open("rb")
    try:
        for chunk in file.chunks(chunk_size):
            digest.update(chunk)
    finally:
        if was_closed:
            file.close()
        elif hasattr(file, "seek"):
            file.seek(0)
    return digest.hexdigest()
