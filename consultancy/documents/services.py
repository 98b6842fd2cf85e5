"""Asking for a PDF, and hashing stored files.

``pdf_request`` only records the request and its render job (an outbox job, sent to the
worker once the transaction commits), so a view that asks for a PDF answers at once,
whatever the broker's state, and shows ``documents/_status.html``, which polls until the
file is ready. Asking again while the same document is pending returns the pending one.
"""

import hashlib

from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, transaction

from consultancy.activity.services import performed_by
from consultancy.outbox import enqueue
from consultancy.outbox.services import resend
from consultancy.tenancy.scoping import CrossFirmReference, firm_scope

from .models import GeneratedDocument
from .registry import builder_for
from .tasks import render_document

CHUNK_SIZE = 1024 * 1024


def render_job_key(document_id: int) -> str:
    return f"render:{document_id}"


@performed_by
@transaction.atomic
def pdf_request(*, owner, kind: str, by, volume: str = "") -> GeneratedDocument:
    """Record that ``by`` asked for the ``kind`` PDF of ``owner`` (a firm-owned record; a
    ``volume`` of it, for a document split in parts) and render it in the background after
    commit. Returns the pending ``GeneratedDocument``: a new one, or the one already
    pending (two requests while one is pending make one render; a pending one that is
    stale has its job sent again).

    Raises ``UnknownDocumentKind`` for a kind nobody registered, ``CrossFirmReference``
    when ``by`` is not of the owner's firm."""
    builder_for(kind)  # an unknown kind fails here, not later in a worker
    firm_id = getattr(owner, "firm_id", None)
    if firm_id is None or owner.pk is None:
        raise ValueError("A PDF's owner must be a saved firm-owned record.")
    if by.firm_id != firm_id:
        raise CrossFirmReference("The user asking for a PDF belongs to another firm.")
    pending = pending_document(owner, kind, volume)
    if pending is None:
        document = GeneratedDocument(firm_id=firm_id, kind=kind, volume=volume, owner=owner,
                                     requested_by=by)
        try:
            with transaction.atomic():
                document.save()
        except IntegrityError:  # another request made it a moment ago
            pending = pending_document(owner, kind, volume)
            if pending is None:
                raise
        else:
            enqueue(render_document, firm_id, document.pk, firm=firm_id,
                    key=render_job_key(document.pk))
            return document
    if pending.is_stale:
        resend(firm_id, render_job_key(pending.pk))
    return pending


def pending_document(owner, kind: str, volume: str = "") -> GeneratedDocument | None:
    """The owner's pending ``kind`` document (of that volume), if there is one (read in
    the owner's firm scope, whoever asks)."""
    with firm_scope(owner.firm_id):
        return GeneratedDocument.objects.filter(
            firm_id=owner.firm_id, owner_type=ContentType.objects.get_for_model(owner),
            owner_id=owner.pk, kind=kind, volume=volume,
            status=GeneratedDocument.Status.PENDING).first()


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
