"""Serving a private file, after the caller has checked firm and role.

The Content-Type is the type sniffed from the file's content when it was stored
(``consultancy.tenancy.files.TypedFileField``), never one guessed from its name. Only a
PDF or a raster image (JPEG, PNG, WebP) may be shown inline; anything else is a download,
and a file of no known type is ``application/octet-stream`` under a ``.bin`` name. So no
upload is ever HTML, SVG or XML from the application's origin (ASVS V12.5.1, V12.5.2,
V14.4). Every file response also carries ``nosniff``, a CSP without script and
``private, no-store``.
"""

import os

from django.core.files.storage import default_storage
from django.http import FileResponse, Http404

from consultancy.tenancy.files import FileKind, TypedFieldFile, named_for, sniff

OCTET_STREAM = "application/octet-stream"
# No script, no plugin, no form, a unique origin: what a downloaded or shown file gets.
FILE_CSP = "default-src 'none'; frame-ancestors 'none'; sandbox"
# A PDF shown inline: the browser's PDF viewer does not run in a sandboxed document, so it
# gets no sandbox, but still no script and no other content from anywhere.
INLINE_PDF_CSP = ("default-src 'none'; object-src 'self'; style-src 'unsafe-inline'; "
                  "frame-ancestors 'none'")


def private_file_response(fieldfile, *, as_attachment=True, filename=None) -> FileResponse:
    """``fieldfile`` served as its stored type. ``as_attachment=False`` lets a PDF or an
    image open in the browser (anything else is still a download). ``filename``: the name
    the browser saves it under (default: the stored name); its extension is the type's."""
    if not fieldfile:
        raise Http404
    try:
        handle = fieldfile.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    if isinstance(fieldfile, TypedFieldFile):
        kind = fieldfile.kind
    else:
        kind = sniff(handle)
    return _response(handle, filename or os.path.basename(fieldfile.name), kind, as_attachment)


def stored_file_response(name, *, as_attachment=True) -> FileResponse:
    """The file stored under ``name`` in the private storage (the caller checked access),
    served as the type its content has."""
    try:
        handle = default_storage.open(name, "rb")
    except (FileNotFoundError, IsADirectoryError) as exc:
        raise Http404 from exc
    return _response(handle, os.path.basename(name), sniff(handle), as_attachment)


def served_type(kind: FileKind | None) -> str:
    """The Content-Type a file of ``kind`` is served with: one of the known types
    (``consultancy.tenancy.files.KINDS``) or ``application/octet-stream``."""
    return kind.mime if kind is not None else OCTET_STREAM


def _response(handle, filename, kind, as_attachment) -> FileResponse:
    inline = not as_attachment and kind is not None and kind.inline
    response = FileResponse(
        handle, as_attachment=not inline, filename=named_for(filename, kind),
        content_type=served_type(kind),
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = (
        INLINE_PDF_CSP if inline and kind.name == "pdf" else FILE_CSP)
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    response["Cache-Control"] = "private, no-store"
    return response
