"""An engagement opens no later than its earliest record of clauses 7–9 (the opening date
added by engagements' ``0006``, which looked at clauses 5–6): every existing record stays
valid under the standard's order."""

from django.db import migrations
from django.db.models import Min
from django.utils import timezone

# (app, model, date field)
RECORDS = [
    ("contracts", "Contract", "firm_signed_on"), ("contracts", "Contract", "client_signed_on"),
    ("delivery", "SiteResearch", "researched_on"),
    ("delivery", "ResourceResearch", "researched_on"),
    ("delivery", "TeamMember", "created_at"), ("delivery", "ConsultingPlan", "created_at"),
    ("delivery", "RiskItem", "identified_on"), ("delivery", "GuidanceLog", "given_on"),
    ("delivery", "ProgressReport", "period_end"),
    ("delivery", "DocumentDelivery", "delivered_on"),
    ("feedback", "ClientAcceptance", "accepted_on"), ("feedback", "OutcomeReview", "reviewed_on"),
    ("feedback", "FollowUpGuidance", "given_on"), ("feedback", "FollowUpVisit", "visited_on"),
    ("feedback", "Complaint", "received_on"),
]


def _day(value):
    if hasattr(value, "hour"):
        return timezone.localdate(value)
    return value


def backfill(apps, schema_editor):
    Engagement = apps.get_model("engagements", "Engagement")
    HistoricalEngagement = apps.get_model("engagements", "HistoricalEngagement")
    earliest = {}
    for app, name, field in RECORDS:
        model = apps.get_model(app, name)
        for engagement_id, value in (model.objects.filter(engagement__isnull=False,
                                                          **{f"{field}__isnull": False})
                                     .order_by().values("engagement_id").annotate(first=Min(field))
                                     .values_list("engagement_id", "first")):
            day = _day(value)
            if engagement_id not in earliest or day < earliest[engagement_id]:
                earliest[engagement_id] = day
    for pk, opened_on in Engagement.objects.filter(pk__in=list(earliest)).values_list(
            "pk", "opened_on"):
        if earliest[pk] < opened_on:
            Engagement.objects.filter(pk=pk).update(opened_on=earliest[pk])
            HistoricalEngagement.objects.filter(id=pk, opened_on__gt=earliest[pk]).update(
                opened_on=earliest[pk])


class Migration(migrations.Migration):

    dependencies = [
        ("feedback", "0009_reminder_params"),
        ("engagements", "0006_opened_on"),
        ("contracts", "0005_row_level_security"),
        ("delivery", "0007_row_level_security"),
    ]

    operations = [
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
