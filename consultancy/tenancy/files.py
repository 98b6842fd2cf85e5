"""Where firm files go, and what uploads are accepted.

Every private file lives under ``<firm_id>/<kind>/<random>/<safe name>`` in the private
storage (``consultancy.documents.storage.PrivateStorage``) and is served only through a
view that checks the firm and the role. These helpers sit in ``tenancy`` because every
app, ``tenancy`` itself included (certificate scans), stores files.
"""

import os
import uuid

from django.core.exceptions import ValidationError
from django.utils.deconstruct import deconstructible
from django.utils.text import get_valid_filename
from django.utils.translation import gettext_lazy as _

# Recognised by their first bytes, never by their name.
SIGNATURES = {
    "pdf": (b"%PDF-",),
    "jpeg": (b"\xff\xd8\xff",),
    "png": (b"\x89PNG\r\n\x1a\n",),
    "webp": (b"RIFF",),
    "zip": (b"PK\x03\x04",),  # docx, xlsx, pptx
    "ole": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",),  # doc, xls
}
SCAN_TYPES = ("pdf", "jpeg", "png")
DOCUMENT_TYPES = ("pdf", "jpeg", "png", "zip", "ole")
PHOTO_TYPES = ("jpeg", "png", "webp")


def safe_filename(name: str) -> str:
    """Keep a readable name (Chinese included) without any path or shell trickery."""
    base = os.path.basename(name.replace("\\", "/")).strip() or "file"
    stem, ext = os.path.splitext(base)
    stem = get_valid_filename(stem.replace(" ", "_"))[:80] or "file"
    ext = get_valid_filename(ext.lstrip("."))[:10].lower()
    return f"{stem}.{ext}" if ext else stem


@deconstructible
class FirmUploadTo:
    """``upload_to`` for firm files: ``<firm_id>/<kind>/<uuid>/<safe name>``."""

    def __init__(self, kind: str):
        self.kind = kind

    def __call__(self, instance, filename):
        return f"{instance.firm_id}/{self.kind}/{uuid.uuid4().hex}/{safe_filename(filename)}"

    def __eq__(self, other):
        return isinstance(other, FirmUploadTo) and other.kind == self.kind


def detect_type(uploaded) -> str | None:
    pos = uploaded.tell() if hasattr(uploaded, "tell") else 0
    uploaded.seek(0)
    head = uploaded.read(16)
    uploaded.seek(pos)
    for kind, prefixes in SIGNATURES.items():
        if any(head.startswith(p) for p in prefixes):
            if kind == "webp" and head[8:12] != b"WEBP":
                continue
            return kind
    return None


@deconstructible
class UploadValidator:
    """Size limit and allowed types, checked by content. The message says what was wrong."""

    def __init__(self, types=SCAN_TYPES, max_mb=10):
        self.types = tuple(types)
        self.max_mb = max_mb

    def __call__(self, uploaded):
        if uploaded.size > self.max_mb * 1024 * 1024:
            raise ValidationError(
                _("The file is %(size).1f MB; at most %(max)d MB is accepted."),
                code="file_too_large",
                params={"size": uploaded.size / 1024 / 1024, "max": self.max_mb},
            )
        kind = detect_type(uploaded)
        if kind not in self.types:
            raise ValidationError(
                _(
                    "This file is not one of the accepted types (%(types)s), whatever its name says."
                ),
                code="file_type",
                params={"types": ", ".join(t.upper() for t in self.types)},
            )

    def __eq__(self, other):
        return (
            isinstance(other, UploadValidator)
            and other.types == self.types
            and other.max_mb == self.max_mb
        )
