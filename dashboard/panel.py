from consultancy.documents.selectors import documents_of

from .pdf import KIND, VOLUME_KEYS, may_see_dossier


def dossier_panel(engagement, request):
    """The engagement page's "Dossier" section: ask for the PDF of every record, by clause,
    and see the latest one's status (or, when the latest was made in volumes, the latest
    of each volume)."""
    if not may_see_dossier(request.user, engagement):
        return None
    recent = list(documents_of(engagement, KIND)[:20])
    documents = recent[:1]
    if recent and recent[0].volume:
        newest = {}
        for document in recent:
            if document.volume:
                newest.setdefault(document.volume, document)
        documents = [newest[v] for v in VOLUME_KEYS if v in newest]
    return {"engagement": engagement, "document": documents[0] if documents else None,
            "documents": documents}
