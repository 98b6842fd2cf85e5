"""What the managers' two period pages share (9.4's complaint analysis and 9.5's
satisfaction statistics): the period read from the query, the query that returns to it,
the PDF asked for through a service, and a requested report's status."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from .forms_statistics import StatisticsPeriodForm


def period_of(request):
    """The period form bound to the query string and the period it gives (its default when
    the query is empty or wrong)."""
    form = StatisticsPeriodForm(request.GET)
    return form, form.period()


def period_query(period) -> str:
    return urlencode({"preset": "custom", "date_from": period["date_from"].isoformat(),
                      "date_to": period["date_to"].isoformat(),
                      "group_by": period["group_by"]})


def request_pdf(request, service, page):
    """Ask ``service`` for the PDF of the posted period; answer the status fragment (htmx)
    or go back to ``page`` (a URL name), where the report's status shows."""
    period = StatisticsPeriodForm(request.POST).period()
    report = service(firm=request.user.firm, by=request.user,
                     period_from=period["date_from"], period_to=period["date_to"],
                     group_by=period["group_by"])
    if request.htmx:
        report.document.refresh_from_db()
        return render(request, "documents/_status.html", {"document": report.document})
    messages.success(request, _("The PDF report is being generated."))
    return redirect(reverse(page) + "?" + period_query(period) + "#reports")


def report_status(request, model, pk):
    """One requested report's PDF status; another firm's report is a 404."""
    report = get_object_or_404(model.objects.select_related("document"),
                               pk=pk, firm_id=request.user.firm_id)
    if report.document is None:
        raise Http404
    return render(request, "documents/_status.html", {"document": report.document})
