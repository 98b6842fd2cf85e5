"""Serving a private file, after the caller has checked firm and role."""

import mimetypes
import os

from django.http import FileResponse, Http404


def private_file_response(fieldfile, *, as_attachment=True, filename=None) -> FileResponse:
    """``filename``: the name the browser saves it under (default: the stored name)."""
    if not fieldfile:
        raise Http404
    try:
        handle = fieldfile.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    return _response(handle, filename or os.path.basename(fieldfile.name), as_attachment)


def stored_file_response(name, *, as_attachment=True) -> FileResponse:
    """The file stored under ``name`` in the private storage (the caller checked access)."""
    from django.core.files.storage import default_storage

    try:
        handle = default_storage.open(name, "rb")
    except (FileNotFoundError, IsADirectoryError) as exc:
        raise Http404 from exc
    return _response(handle, os.path.basename(name), as_attachment)


def _response(handle, filename, as_attachment) -> FileResponse:
    content_type = mimetypes.guess_type(filename)[0] or "application/octet-stream"
    response = FileResponse(
        handle, as_attachment=as_attachment, filename=filename, content_type=content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
