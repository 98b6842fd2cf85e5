"""Read queries on generated documents, shared by views of every app."""

from django.contrib.contenttypes.models import ContentType

from .models import GeneratedDocument


def documents_of(owner, kind: str | None = None):
    """The owner's generated documents (of one kind, if given), newest first."""
    queryset = GeneratedDocument.objects.filter(
        firm_id=owner.firm_id,
        owner_type=ContentType.objects.get_for_model(owner),
        owner_id=owner.pk,
    )
    if kind is not None:
        queryset = queryset.filter(kind=kind)
    return queryset.order_by("-requested_at", "-pk")


def latest_document(owner, kind: str, *, ready: bool = False) -> GeneratedDocument | None:
    """The owner's newest ``kind`` document, whatever its status (``ready=True``: the
    newest one that is ready). ``None`` if there is none."""
    queryset = documents_of(owner, kind)
    if ready:
        queryset = queryset.filter(status=GeneratedDocument.Status.READY)
    return queryset.first()
