"""The staff views of generated documents: the status fragment, the download, a retry.

Every view answers 404 unless the user is staff of the document's firm and the kind's
access check lets them see the owner (client contacts get their own portal views).
"""

from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from consultancy.tenancy.mixins import firm_staff_required, manager_required
from consultancy.tenancy.models import Qualification

from .models import GeneratedDocument
from .registry import may_access
from .services import pdf_request
from .serving import private_file_response, stored_file_response

STATUS_TEMPLATE = "documents/_status.html"


@firm_staff_required
@require_GET
def qualification_scan(request, pk):
    """A certificate scan (8.1.1, 8.2.2): firm staff of the same firm only; anyone else
    gets a 404."""
    qualification = get_object_or_404(Qualification, pk=pk, firm=request.user.firm)
    return private_file_response(qualification.scan, as_attachment=False)


def _document_for(request, pk) -> GeneratedDocument:
    user = request.user
    if not user.is_firm_staff:  # firm_staff_required says so too; this view never relies on it
        raise Http404
    document = get_object_or_404(GeneratedDocument.objects.all(), pk=pk, firm_id=user.firm_id)
    owner = document.owner
    if owner is None or owner.firm_id != document.firm_id or not may_access(
        user, owner, document.kind
    ):
        raise Http404
    return document


@require_GET
@firm_staff_required
def document_status(request, pk):
    """The status fragment (``documents/_status.html``); htmx polls it while pending."""
    return render(request, STATUS_TEMPLATE, {"document": _document_for(request, pk)})


@require_GET
@firm_staff_required
def document_download(request, pk):
    document = _document_for(request, pk)
    if not document.is_ready:
        raise Http404
    return private_file_response(
        document.file, as_attachment=True, filename=document.download_filename
    )


@require_POST
@firm_staff_required
def document_retry(request, pk):
    """Ask again for a document that failed or is stuck; answers the fragment of the one
    now pending (a stuck one has its render job sent again; a document already asked for
    again is not asked for a third time)."""
    document = _document_for(request, pk)
    if document.is_failed or document.is_stale:
        document = pdf_request(owner=document.owner, kind=document.kind, by=request.user,
                               volume=document.volume)
        document.refresh_from_db()  # an eager task may already have rendered it
    back = request.headers.get("referer", "")
    if not request.htmx and url_has_allowed_host_and_scheme(
        back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(back)
    return render(request, STATUS_TEMPLATE, {"document": document})



@manager_required
def private_file(request, name):
    """A stored file by its name, for the admin's links: managers of the firm whose folder
    (``<firm_id>/…``) holds it. Anything else, including ``..`` tricks, is a 404."""
    parts = name.split("/")
    if (len(parts) < 2 or parts[0] != str(request.user.firm_id)
            or any(p in ("", ".", "..") for p in parts)):
        raise Http404
    return stored_file_response(name)
