"""The documents' part of the staff search box (``consultancy.search``): project documents
(8.5) by title, on the engagements the user may see."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from consultancy.search.registry import Hit, Source, register
from engagements.selectors import engagements_visible_to

from .models import ProjectDocument


def search_documents(user, query, limit):
    rows = ProjectDocument.objects.filter(firm_id=user.firm_id).filter(query.contains("title"))
    if not user.is_manager:
        rows = rows.filter(engagement__in=engagements_visible_to(user).values("pk"))
    rows = rows.select_related("engagement").order_by("-pk")[:limit + 1]
    return [Hit(d.title, reverse("delivery:document_detail",
                                 kwargs={"pk": d.engagement_id, "document_pk": d.pk}),
                f"{d.engagement.number} {d.engagement.title}", d.get_category_display())
            for d in rows]


def register_sources() -> None:
    register(Source("documents", _("Documents"), search_documents, order=40))
