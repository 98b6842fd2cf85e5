"""The engagement's opening date (the standard's order, DESIGN.md "In order"): no record of
an engagement is dated before it. Existing engagements open on the day they were created,
or on the day of their earliest clause 5–6 record when that is earlier (a visit made before
the engagement was entered, say), so that every record they hold stays valid; the later
apps' records are taken into account by feedback's migration ``0010``."""

import django.utils.timezone
from django.db import migrations, models
from django.db.models import Min
from django.utils import timezone

# (model, date field) of the records of clauses 5 and 6
RECORDS = [("NeedsAssessment", "assessed_on"), ("SiteVisit", "visited_on"),
           ("CommunicationRecord", "held_on"), ("ExchangeRecord", "held_on"),
           ("ProjectFramework", "confirmed_on")]


def backfill(apps, schema_editor):
    Engagement = apps.get_model("engagements", "Engagement")
    HistoricalEngagement = apps.get_model("engagements", "HistoricalEngagement")
    earliest = {}
    for name, field in RECORDS:
        model = apps.get_model("engagements", name)
        for engagement_id, day in (model.objects.filter(**{f"{field}__isnull": False})
                                   .order_by().values("engagement_id").annotate(first=Min(field))
                                   .values_list("engagement_id", "first")):
            if engagement_id not in earliest or day < earliest[engagement_id]:
                earliest[engagement_id] = day
    for pk, created_at in Engagement.objects.values_list("pk", "created_at"):
        day = timezone.localdate(created_at)
        if pk in earliest and earliest[pk] < day:
            day = earliest[pk]
        Engagement.objects.filter(pk=pk).update(opened_on=day)
        HistoricalEngagement.objects.filter(id=pk).update(opened_on=day)


class Migration(migrations.Migration):

    dependencies = [
        ('engagements', '0005_framework_shown_to_client'),
    ]

    operations = [
        migrations.AddField(
            model_name='engagement',
            name='opened_on',
            field=models.DateField(default=django.utils.timezone.localdate, help_text='No record of the engagement is dated earlier. The day it was created; a manager may set it earlier for imported history.', verbose_name='opened on'),
        ),
        migrations.AddField(
            model_name='historicalengagement',
            name='opened_on',
            field=models.DateField(default=django.utils.timezone.localdate, help_text='No record of the engagement is dated earlier. The day it was created; a manager may set it earlier for imported history.', verbose_name='opened on'),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
