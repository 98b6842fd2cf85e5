"""Small real files for upload tests: a PDF that parses, images Pillow decodes, OOXML
containers, and the polyglots the upload checks refuse."""

import io
import zipfile

from django.core.files.uploadedfile import SimpleUploadedFile


def pdf_bytes(text: bytes = b"test") -> bytes:
    """A one-page PDF with a cross-reference table and ``text`` in a comment."""
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>",
               b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>"]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n%" + text.replace(b"\n", b" ") + b"\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n%s\nendobj\n" % (number, body))
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n"
              % (len(objects) + 1, xref))
    return out.getvalue()


def image_bytes(fmt: str = "PNG", colour=(200, 60, 40), size=(8, 8)) -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", size, colour).save(buf, format=fmt)
    return buf.getvalue()


def png_bytes(colour=(200, 60, 40)) -> bytes:
    return image_bytes("PNG", colour)


def jpeg_bytes(colour=(200, 60, 40)) -> bytes:
    return image_bytes("JPEG", colour)


OOXML_PARTS = {
    "docx": ("word/document.xml", "application/vnd.openxmlformats-officedocument."
             "wordprocessingml.document.main+xml"),
    "xlsx": ("xl/workbook.xml", "application/vnd.openxmlformats-officedocument."
             "spreadsheetml.sheet.main+xml"),
    "pptx": ("ppt/presentation.xml", "application/vnd.openxmlformats-officedocument."
             "presentationml.presentation.main+xml"),
}


def ooxml_bytes(kind: str = "docx", extra: dict | None = None, content_types: bytes = b"") -> bytes:
    """A minimal Office Open XML container of ``kind``, with ``extra`` members added."""
    part, mime = OOXML_PARTS[kind]
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", (
            b'<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats'
            b'.org/package/2006/content-types"><Override PartName="/' + part.encode()
            + b'" ContentType="' + mime.encode() + b'"/>' + content_types + b"</Types>"))
        archive.writestr("_rels/.rels", b'<?xml version="1.0"?><Relationships/>')
        archive.writestr(part, b'<?xml version="1.0"?><root>safety</root>')
        for name, data in (extra or {}).items():
            archive.writestr(name, data)
    return buf.getvalue()


def upload(name: str, content: bytes, content_type: str = "application/octet-stream"):
    return SimpleUploadedFile(name, content, content_type=content_type)


SCRIPT = b"<html><body><script>document.title='pwned'</script></body></html>"
