"""The staff search box (the top bar): one query per source, each limited to the user's
firm and to what the user may see."""

from django.shortcuts import render

from consultancy.tenancy.mixins import firm_staff_required

from .registry import Query, sources

PER_SOURCE = 8


@firm_staff_required
def search(request):
    query = Query.parse(request.GET.get("q", ""))
    groups = []
    if query is not None:
        for source in sources():
            hits = list(source.search(request.user, query, PER_SOURCE))
            groups.append({
                "source": source,
                "hits": hits[:PER_SOURCE],
                "more": len(hits) > PER_SOURCE,
                "more_url": source.more_url(query) if source.more_url else "",
            })
    return render(request, "search/results.html", {
        "q": request.GET.get("q", ""),
        "query": query,
        "groups": groups,
        "found": sum(len(g["hits"]) for g in groups),
    })
