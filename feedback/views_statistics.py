"""The managers' pages of 9.5: the satisfaction statistics archive (with its CSV and PDF)
and the firm's survey question set. Managers only: anyone else of the firm gets a 404
(``manager_required``), another firm's report a 404 too."""

import csv

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from consultancy.documents.spreadsheets import csv_row
from consultancy.tenancy.mixins import apply_validation_error, manager_required
from consultancy.tenancy.pagecache import cached_page
from engagements.pages import posted_pk

from . import services, statistics
from .forms_statistics import SurveyQuestionForm
from .models import SatisfactionReport, SurveyQuestion
from .period_reports import period_of, period_query, report_status, request_pdf


@require_GET
@manager_required
@cached_page
def statistics_page(request):
    """9.5: the statistics archive of a period, with charts, the CSV and the PDF."""
    form, period = period_of(request)
    firm = request.user.firm
    stats = statistics.compute(firm, **period)
    reports = list(SatisfactionReport.objects.filter(firm=firm)
                   .select_related("document", "requested_by")[:5])
    return render(request, "feedback/statistics.html", {
        "form": form, "stats": stats, "period": period, "query": period_query(period),
        "charts": statistics.build_charts(stats), "titles": statistics.chart_titles(),
        "reports": reports,
    })


@require_GET
@manager_required
def statistics_csv(request):
    """The answers of the period as CSV, one row per answer (UTF-8 with a BOM, so that
    Excel reads the Chinese)."""
    _form, period = period_of(request)
    rows = statistics.answers_for_export(request.user.firm, period["date_from"],
                                         period["date_to"])
    name = f"satisfaction-{period['date_from']:%Y%m%d}-{period['date_to']:%Y%m%d}.csv"
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response.write("\ufeff")
    writer = csv.writer(response)
    writer.writerow([
        _("Response"), _("Submitted at"), _("Engagement"), _("Title"), _("Client"),
        _("Industry"), _("Service type"), _("Lead consultant"), _("Client contact"),
        _("Question code"), _("Question"), _("Kind"), _("Score"), _("Answer"),
    ])
    for answer in rows.iterator(chunk_size=500):
        r = answer.response
        e = r.engagement
        writer.writerow(csv_row([
            r.pk, timezone.localtime(r.submitted_at).strftime("%Y-%m-%d %H:%M"), e.number,
            e.title, e.client.name, e.client.get_industry_display(),
            e.service_type.label,
            e.lead_consultant.full_name, r.contact.name, answer.question.code,
            answer.question.label, answer.question.get_kind_display(),
            "" if answer.score is None else answer.score, answer.text,
        ]))
    return response


@require_POST
@manager_required
def statistics_pdf(request):
    """Ask for the PDF of the period; answers the status fragment (htmx) or goes back to
    the page, where the report's status shows."""
    return request_pdf(request, services.satisfaction_report_request, "feedback:statistics")


@require_GET
@manager_required
def statistics_report(request, pk):
    """One requested report: its PDF's status (another firm's report is a 404)."""
    return report_status(request, SatisfactionReport, pk)


# -- the question set ---------------------------------------------------------------------


@manager_required
def question_set(request):
    """9.5: the firm's satisfaction questions: add, change, reorder, stop asking."""
    firm = request.user.firm
    qset = services.question_set_for(firm)
    questions = list(SurveyQuestion.objects.filter(firm=firm, question_set=qset)
                     .order_by("order", "pk"))
    answered = set(SurveyQuestion.objects.filter(firm=firm, question_set=qset,
                                                 answers__isnull=False)
                   .values_list("pk", flat=True).distinct())
    editing = None
    which = request.POST.get("form") if request.method == "POST" else None
    if which == "move":
        question = get_object_or_404(SurveyQuestion, pk=posted_pk(request, "question"),
                                     firm=firm)
        services.survey_question_move(question=question, by=request.user,
                                      step=-1 if request.POST.get("direction") == "up" else 1)
        return redirect(reverse("feedback:question_set") + f"#question-{question.pk}")
    if which == "edit" or request.GET.get("edit"):
        pk = request.POST.get("question") or request.GET.get("edit")
        editing = get_object_or_404(SurveyQuestion, pk=pk if str(pk).isdigit() else 0, firm=firm)
    form = SurveyQuestionForm(
        request.POST if which in ("add", "edit") else None,
        instance=editing, answered=editing is not None and editing.pk in answered,
        initial=None if editing else {"kind": SurveyQuestion.Kind.SCALE_1_5, "required": True,
                                      "is_active": True},
        prefix="q")
    if which in ("add", "edit") and form.is_valid():
        fields = {name: value for name, value in form.cleaned_data.items()
                  if not form.fields[name].disabled}
        try:
            # the form has already set its values on ``editing``: the service compares
            # against the question as stored
            with form.version_guard():
                stored = SurveyQuestion.objects.get(pk=editing.pk) if editing else None
                saved = services.survey_question_edit(firm=firm, by=request.user,
                                                      question=stored, **fields)
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, _("The question is saved (clause 9.5)."))
            return redirect(reverse("feedback:question_set") + f"#question-{saved.pk}")
    return render(request, "feedback/questions.html", {
        "question_set": qset, "questions": questions, "answered": answered,
        "form": form, "editing": editing,
    }, status=400 if form.is_bound and form.errors else 200)
