"""Where firm files go, what uploads are accepted, and what type a stored file has.

Every private file lives under ``<firm_id>/<kind>/<random>/<safe stem>.<ext>`` in the
private storage (``consultancy.documents.storage.PrivateStorage``) and is served only
through a view that checks the firm and the role. The type of a file is decided from its
content (``sniff``), never from its name: it is stored beside the file (``TypedFileField``),
it names the file's extension, and it is the Content-Type the file is served with. These
helpers sit in ``tenancy`` because every app, ``tenancy`` itself included (certificate
scans), stores files.

What an upload must be (``UploadValidator``, ASVS V12.1/V12.2):

* PDF: starts ``%PDF-``, ends with ``startxref <offset> %%EOF`` and the offset lands on a
  cross-reference table or stream (a minimal structural check, no PDF library).
* JPEG, PNG, WebP: Pillow opens, verifies and fully decodes the image.
* docx, xlsx, pptx: a real OOXML zip (``[Content_Types].xml`` and the main part of its
  kind) with no macros (``vbaProject.bin``, macro-enabled types), no embedded OLE objects
  and no programs or scripts inside.
* doc, xls (OLE compound files): accepted by their signature and the name of their main
  stream, refused when they carry a VBA project or an embedded package; they are always
  served as a download.
* Whatever the type: no web page or script content (``<script``, ``<html``, ``<svg``,
  ``<iframe``, ``javascript:`` …) in the first or last bytes, where a polyglot puts it.
"""

import io
import os
import re
import uuid
import warnings
import zipfile
from dataclasses import dataclass

import filetype
from django.core import checks
from django.core.exceptions import SuspiciousFileOperation, ValidationError
from django.db import models
from django.db.models.fields.files import FieldFile
from django.utils.deconstruct import deconstructible
from django.utils.text import get_valid_filename
from django.utils.translation import gettext_lazy as _
from django_scopes import scopes_disabled
from PIL import Image

MB = 1024 * 1024


@dataclass(frozen=True)
class FileKind:
    """A type of file the application knows: how it is named, served and shown."""

    name: str
    mime: str
    ext: str
    label: str
    inline: bool = False  # may be shown in the browser (PDF, raster images); else a download


KINDS = {
    kind.name: kind
    for kind in (
        FileKind("pdf", "application/pdf", "pdf", "PDF", inline=True),
        FileKind("jpeg", "image/jpeg", "jpg", "JPEG", inline=True),
        FileKind("png", "image/png", "png", "PNG", inline=True),
        FileKind("webp", "image/webp", "webp", "WebP", inline=True),
        FileKind("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                 "docx", "DOCX"),
        FileKind("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                 "xlsx", "XLSX"),
        FileKind("pptx", "application/vnd.openxmlformats-officedocument.presentationml"
                 ".presentation", "pptx", "PPTX"),
        FileKind("doc", "application/msword", "doc", "DOC"),
        FileKind("xls", "application/vnd.ms-excel", "xls", "XLS"),
    )
}
KINDS_BY_MIME = {kind.mime: kind for kind in KINDS.values()}

# The allow-lists, per upload field (the models name which one they use).
SCAN_TYPES = ("pdf", "jpeg", "png")  # certificate scans, the signed contract copy
PHOTO_TYPES = ("jpeg", "png", "webp")
OFFICE_TYPES = ("docx", "xlsx", "pptx", "doc", "xls")
DOCUMENT_TYPES = ("pdf", "jpeg", "png", *OFFICE_TYPES)  # project documents
ATTACHMENT_TYPES = (*PHOTO_TYPES, "pdf", *OFFICE_TYPES)  # site research photos and files

HEAD = 8192
# Where a polyglot hides its page: the first and the last bytes of the file.
SCAN_CHUNK = 64 * 1024
ACTIVE_CONTENT = re.compile(
    rb"<\s*script|<\s*html|<\s*svg[\s>/]|<!doctype\s+html|<\s*iframe|<\s*object[\s>]"
    rb"|<\s*embed[\s>]|javascript\s*:|<\s*body[\s>]|<\s*meta[\s>]",
    re.IGNORECASE,
)
OOXML_MAIN_PART = {"docx": "word/document.xml", "xlsx": "xl/workbook.xml",
                   "pptx": "ppt/presentation.xml"}
RUNNABLE_SUFFIXES = (".exe", ".dll", ".bat", ".cmd", ".com", ".scr", ".msi", ".js", ".jse",
                     ".vbs", ".vbe", ".wsf", ".ps1", ".hta", ".jar", ".sh", ".lnk")
OOXML_MAX_MEMBERS = 5000
OOXML_MAX_UNPACKED = 500 * MB  # a zip bomb is refused before anything is unpacked
OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def _utf16(name: str) -> bytes:
    return name.encode("utf-16-le")


# Directory entry names (NUL-terminated UTF-16) of macros and embedded objects.
OLE_MACRO_STREAMS = tuple(_utf16(f"{name}\x00") for name in (
    "_VBA_PROJECT", "_VBA_PROJECT_CUR", "VBA", "Macros", "\x01Ole10Native", "ObjectPool"))


def _valid(text: str) -> str:
    try:
        return get_valid_filename(text)
    except SuspiciousFileOperation:
        return ""


def safe_filename(name: str) -> str:
    """Keep a readable name (Chinese included) without any path or shell trickery: no
    folders, no NUL or control characters, no leading dot, at most 80 + 10 characters."""
    name = "".join(c for c in str(name) if c >= " ").replace("\\", "/")
    base = os.path.basename(name).strip().lstrip(".")
    stem, ext = os.path.splitext(base)
    stem = _valid(stem.replace(" ", "_"))[:80].strip(".") or "file"
    ext = _valid(ext.lstrip("."))[:10].lower()
    return f"{stem}.{ext}" if ext else stem


def named_for(name: str, kind: "FileKind | None") -> str:
    """``name``'s safe stem with the extension of ``kind`` (``.bin`` for an unknown type):
    the name a file is stored and downloaded under."""
    stem = os.path.splitext(safe_filename(name))[0] or "file"
    return f"{stem}.{kind.ext if kind else 'bin'}"


@deconstructible
class FirmUploadTo:
    """``upload_to`` for firm files: ``<firm_id>/<kind>/<uuid>/<safe stem>.<ext>`` (the
    extension is the sniffed type's when the field is a ``TypedFileField``)."""

    def __init__(self, kind: str):
        self.kind = kind

    def __call__(self, instance, filename):
        return f"{instance.firm_id}/{self.kind}/{uuid.uuid4().hex}/{safe_filename(filename)}"

    def __eq__(self, other):
        return isinstance(other, FirmUploadTo) and other.kind == self.kind


def _read(uploaded, start, size) -> bytes:
    pos = uploaded.tell() if hasattr(uploaded, "tell") else 0
    try:
        if start < 0:
            uploaded.seek(0, os.SEEK_END)
            end = uploaded.tell()
            uploaded.seek(max(0, end + start))
        else:
            uploaded.seek(start)
        return uploaded.read(size)
    finally:
        uploaded.seek(pos)


def _size(uploaded) -> int:
    size = getattr(uploaded, "size", None)
    if size is not None:
        return size
    pos = uploaded.tell()
    uploaded.seek(0, os.SEEK_END)
    size = uploaded.tell()
    uploaded.seek(pos)
    return size


def _ooxml_kind(uploaded) -> str | None:
    """docx, xlsx or pptx by the main part the zip holds (None: some other zip)."""
    try:
        with zipfile.ZipFile(_SeekGuard(uploaded)) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return None
    if "[Content_Types].xml" not in names:
        return None
    for kind, part in OOXML_MAIN_PART.items():
        if part in names:
            return kind
    return None


def _ole_kind(uploaded) -> str | None:
    """doc or xls by the name of the main stream in the compound file's directory."""
    data = _read(uploaded, 0, 4 * MB)
    if _utf16("WordDocument") in data:
        return "doc"
    if _utf16("Workbook") in data or _utf16("Book\x00") in data:
        return "xls"
    return None


def sniff(uploaded) -> FileKind | None:
    """The type of the file by its content (``filetype`` reads the signature; Office zips
    and compound files are told apart by their parts), or None when it is none we know."""
    head = _read(uploaded, 0, HEAD)
    if head.startswith(b"%PDF-"):  # filetype looks for it anywhere in the first bytes
        return KINDS["pdf"]
    if head.startswith(OLE_SIGNATURE):
        name = _ole_kind(uploaded)
        return KINDS[name] if name else None
    guess = filetype.guess(head)
    if guess is None:
        return None
    if guess.extension in ("zip", "docx", "xlsx", "pptx"):
        name = _ooxml_kind(uploaded)
        return KINDS[name] if name else None
    if guess.extension in ("jpg", "png", "webp"):
        return KINDS_BY_MIME[guess.mime]
    return None


def detect_type(uploaded) -> str | None:
    """The name of the sniffed type (``"pdf"``, ``"png"``, ``"docx"`` …) or None."""
    kind = sniff(uploaded)
    return kind.name if kind else None


class _SeekGuard(io.RawIOBase):
    """A read-only view of an uploaded file for ``zipfile`` that leaves its position alone."""

    def __init__(self, uploaded):
        self._file = uploaded
        self._start = uploaded.tell() if hasattr(uploaded, "tell") else 0
        self._pos = 0

    def readable(self):
        return True

    def seekable(self):
        return True

    def seek(self, offset, whence=os.SEEK_SET):
        if whence == os.SEEK_END:
            self._pos = _size(self._file) + offset
        elif whence == os.SEEK_CUR:
            self._pos += offset
        else:
            self._pos = offset
        return self._pos

    def tell(self):
        return self._pos

    def readinto(self, buffer):
        data = _read(self._file, self._pos, len(buffer))
        buffer[: len(data)] = data
        self._pos += len(data)
        return len(data)

    def close(self):
        self._file.seek(self._start)
        super().close()


# -- the checks by type ------------------------------------------------------------------

DAMAGED = _("This %(type)s file is damaged or incomplete; it cannot be accepted.")
POLYGLOT = _("This file is a %(type)s but also holds web page or script content (HTML, SVG "
             "or JavaScript); it is refused. Save it again as a plain %(type)s.")
ACTIVE = _("This Office file holds macros, programs or embedded objects; it is refused. Save "
           "it without them (as .docx, .xlsx or .pptx) and upload it again.")


def _damaged(kind):
    return ValidationError(DAMAGED, code="file_damaged", params={"type": kind.label})


def _check_no_active_content(uploaded, kind):
    size = _size(uploaded)
    chunks = [_read(uploaded, 0, SCAN_CHUNK)]
    if size > SCAN_CHUNK:
        chunks.append(_read(uploaded, -SCAN_CHUNK, SCAN_CHUNK))
    if any(ACTIVE_CONTENT.search(chunk) for chunk in chunks):
        raise ValidationError(POLYGLOT, code="file_polyglot", params={"type": kind.label})


_STARTXREF = re.compile(rb"startxref\s+(\d+)\s+%%EOF\s*$")


def _check_pdf(uploaded, kind):
    if not re.match(rb"%PDF-\d\.\d", _read(uploaded, 0, 16)):
        raise _damaged(kind)
    tail = _read(uploaded, -2048, 2048)
    match = _STARTXREF.search(tail)
    if not match:
        raise _damaged(kind)
    offset = int(match.group(1))
    if offset >= _size(uploaded):
        raise _damaged(kind)
    target = _read(uploaded, offset, 64).lstrip()
    if not (target.startswith(b"xref") or re.match(rb"\d+\s+\d+\s+obj", target)):
        raise _damaged(kind)


def _check_image(uploaded, kind):
    for step in ("verify", "load"):
        try:
            with warnings.catch_warnings():
                # An image above Pillow's pixel limit is refused, never decoded.
                warnings.simplefilter("error", Image.DecompressionBombWarning)
                with Image.open(_SeekGuard(uploaded)) as image:
                    if image.format.lower() != kind.name:
                        raise _damaged(kind)
                    getattr(image, step)()
        except ValidationError:
            raise
        except Exception as exc:  # Pillow raises many types for a broken or huge image
            raise _damaged(kind) from exc


def _check_ooxml(uploaded, kind):
    try:
        with zipfile.ZipFile(_SeekGuard(uploaded)) as archive:
            infos = archive.infolist()
            if (len(infos) > OOXML_MAX_MEMBERS
                    or sum(i.file_size for i in infos) > OOXML_MAX_UNPACKED):
                raise _damaged(kind)
            names = [i.filename for i in infos]
            content_types = archive.read("[Content_Types].xml")
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, EOFError) as exc:
        raise _damaged(kind) from exc
    if OOXML_MAIN_PART[kind.name] not in names:
        raise _damaged(kind)
    for name in names:
        lower = name.lower()
        base = lower.rsplit("/", 1)[-1]
        if (base == "vbaproject.bin" or base.startswith("oleobject") or "activex" in lower
                or lower.endswith(RUNNABLE_SUFFIXES) or "/../" in f"/{lower}"
                or lower.startswith("/")):
            raise ValidationError(ACTIVE, code="file_active_content")
    if re.search(rb"macroEnabled|vbaProject|oleObject", content_types, re.IGNORECASE):
        raise ValidationError(ACTIVE, code="file_active_content")


def _check_ole(uploaded, kind):
    overlap = 64
    pos, size = 0, _size(uploaded)
    while pos < size:
        chunk = _read(uploaded, max(0, pos - overlap), MB + overlap)
        if any(name in chunk for name in OLE_MACRO_STREAMS):
            raise ValidationError(ACTIVE, code="file_active_content")
        pos += MB


CHECKS = {"pdf": _check_pdf, "jpeg": _check_image, "png": _check_image,
          "webp": _check_image, "docx": _check_ooxml, "xlsx": _check_ooxml,
          "pptx": _check_ooxml, "doc": _check_ole, "xls": _check_ole}


@deconstructible
class UploadValidator:
    """Size limit and allowed types, checked by content. The message says what was wrong."""

    def __init__(self, types=SCAN_TYPES, max_mb=10):
        self.types = tuple(types)
        self.max_mb = max_mb

    def __call__(self, uploaded):
        if uploaded.size > self.max_mb * MB:
            raise ValidationError(
                _("The file is %(size).1f MB; at most %(max)d MB is accepted."),
                code="file_too_large",
                params={"size": uploaded.size / MB, "max": self.max_mb},
            )
        kind = sniff(uploaded)
        if kind is None or kind.name not in self.types:
            raise ValidationError(
                _(
                    "This file is not one of the accepted types (%(types)s), whatever its name says."
                ),
                code="file_type",
                params={"types": ", ".join(KINDS[t].label for t in self.types)},
            )
        _check_no_active_content(uploaded, kind)
        CHECKS[kind.name](uploaded, kind)

    def __eq__(self, other):
        return (
            isinstance(other, UploadValidator)
            and other.types == self.types
            and other.max_mb == self.max_mb
        )


# -- the stored type ---------------------------------------------------------------------


class TypedFieldFile(FieldFile):
    """A stored file whose type is sniffed when it is saved: the type goes to the model's
    ``type_field`` and names the file's extension."""

    def save(self, name, content, save=True):
        kind = sniff(content)
        setattr(self.instance, self.field.type_field, kind.mime if kind else "")
        super().save(named_for(name, kind), content, save)

    @property
    def kind(self) -> FileKind | None:
        return KINDS_BY_MIME.get(getattr(self.instance, self.field.type_field, "") or "")


class TypedFileField(models.FileField):
    """A ``FileField`` that records the sniffed MIME type of what it stores in the
    ``CharField`` named ``type_field`` (declared after it on the model)."""

    attr_class = TypedFieldFile

    def __init__(self, *args, type_field="content_type", **kwargs):
        self.type_field = type_field
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        if self.type_field != "content_type":
            kwargs["type_field"] = self.type_field
        return name, path, args, kwargs

    def check(self, **kwargs):
        errors = super().check(**kwargs)
        fields = [f.name for f in self.model._meta.local_concrete_fields]
        if self.type_field not in fields or (
            self.name in fields and fields.index(self.type_field) < fields.index(self.name)
        ):
            # The type is set while the file is saved, so its column must be read after.
            errors.append(checks.Error(
                f"{self.model.__name__}.{self.name}: declare the CharField "
                f"'{self.type_field}' after this field.", obj=self, id="tenancy.E101"))
        return errors


def content_type_field():
    """The ``CharField`` beside a ``TypedFileField``: the MIME type sniffed from the file."""
    return models.CharField(_("content type"), max_length=100, blank=True, editable=False,
                            help_text=_("Decided from the file's content when it was stored."))


def backfill_content_types(model, field_name, type_field):
    """Fill ``type_field`` of the rows stored before types were recorded, by sniffing each
    stored file (the migrations that add the column run it). A file that is missing or of
    no known type gets no type, and is then served as a download of unknown type. (Run by
    ``migrate``, which works across firms: the database shows every firm's rows.)"""
    with scopes_disabled():
        rows = model.objects.exclude(**{field_name: ""}).only("pk", field_name)
        for row in rows.iterator():
            fieldfile = getattr(row, field_name)
            try:
                with fieldfile.storage.open(fieldfile.name, "rb") as handle:
                    kind = sniff(handle)
            except (OSError, ValueError):
                kind = None
            if kind:
                model.objects.filter(pk=row.pk).update(**{type_field: kind.mime})
