"""The benchmark's yardsticks (``make bench``; only with ``BENCH_VIEWS=1``): the cheapest
page Django serves through the product's middleware, and a template page with one query.
The benchmark gives each page's requests per second as a ratio to ``bare``'s."""

from django.http import HttpResponse
from django.shortcuts import render

from consultancy.tenancy.models import Firm


def bare(request):
    return HttpResponse("ok", content_type="text/plain")


def one_query(request):
    return render(request, "bench/one_query.html",
                  {"firm": Firm.objects.order_by("pk").only("name").first()})
