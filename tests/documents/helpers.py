import shutil
import subprocess

from consultancy.documents.services import pdf_request
from consultancy.documents.tasks import render_document
from consultancy.tenancy.scoping import firm_scope

from .conftest import KIND


def requested(world, kind=KIND, by=None):
    """A pending document of ``world.client``, its render not run yet (requested in the
    firm's scope, as the page that asks for it would)."""
    with firm_scope(world.firm):
        return pdf_request(owner=world.client, kind=kind, by=by or world.consultant)


def rendered(world, kind=KIND, by=None):
    document = requested(world, kind, by)
    render_document(world.firm.pk, document.pk)
    with firm_scope(world.firm):
        document.refresh_from_db()
    return document


def poppler(tool, path) -> str:
    exe = shutil.which(tool)
    assert exe, f"{tool} is missing: install poppler-utils (make run does)"
    # -raw: in content order, with the spaces as set ("第 1 页 / 共 2 页"); the layout
    # modes drop them on some pages.
    args = [exe, "-raw", path, "-"] if tool == "pdftotext" else [exe, path]
    return subprocess.run(args,
                          capture_output=True, text=True, check=True).stdout
