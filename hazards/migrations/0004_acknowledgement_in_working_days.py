"""The client's acknowledgement is due within statutory working days of the notice
(``hazards.models.acknowledge_deadline``); hidden dangers notified and not yet
acknowledged get their day from the day they were notified."""

from django.db import migrations, models
from django.utils import timezone


def acknowledgement_days(apps, schema_editor):
    from hazards.models import acknowledge_deadline

    HiddenDanger = apps.get_model("hazards", "HiddenDanger")
    for danger in HiddenDanger.objects.filter(state="notified", notified_at__isnull=False,
                                              acknowledge_by__isnull=True).order_by("pk"):
        HiddenDanger.objects.filter(pk=danger.pk).update(acknowledge_by=acknowledge_deadline(
            danger.grade, timezone.localdate(danger.notified_at)))


class Migration(migrations.Migration):

    dependencies = [
        ('hazards', '0003_unit_of_the_register'),
        ('workdays', '0002_seed_the_state_councils_schedules'),
    ]

    operations = [
        migrations.AddField(
            model_name='hiddendanger',
            name='acknowledge_by',
            field=models.DateField(blank=True, editable=False, help_text='Counted in statutory working days from the day it was notified.', null=True, verbose_name='to be acknowledged by'),
        ),
        migrations.RunPython(acknowledgement_days, migrations.RunPython.noop),
    ]
