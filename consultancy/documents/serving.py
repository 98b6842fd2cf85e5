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
    filename = filename or os.path.basename(fieldfile.name)
    content_type = mimetypes.guess_type(filename)[0] or "application/octet-stream"
    response = FileResponse(
        handle, as_attachment=as_attachment, filename=filename, content_type=content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
