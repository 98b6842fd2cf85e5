from consultancy.documents.selectors import latest_document

from .pdf import KIND, may_see_dossier


def dossier_panel(engagement, request):
    """The engagement page's "Dossier" section: ask for the PDF of every record, by clause,
    and see the latest one's status."""
    if not may_see_dossier(request.user, engagement):
        return None
    return {"engagement": engagement, "document": latest_document(engagement, KIND)}
