"""A hidden danger names its unit or area from the 8.4 register's units of the engagement
(``delivery.SiteUnit``); the free text stays as the detail of the place. Existing hidden
dangers whose text is exactly the name of one of their engagement's units get that unit;
the others keep their text only (the ledger shows it in place of a unit)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def units_from_locations(apps, schema_editor):
    HiddenDanger = apps.get_model("hazards", "HiddenDanger")
    SiteUnit = apps.get_model("delivery", "SiteUnit")
    units = {}
    for unit in SiteUnit.objects.filter(
            engagement_id__in=HiddenDanger.objects.values("engagement_id")).order_by("pk"):
        units.setdefault((unit.engagement_id, unit.name.strip()), unit.pk)
    for danger in HiddenDanger.objects.filter(unit__isnull=True).order_by("pk"):
        unit_id = units.get((danger.engagement_id, (danger.location or "").strip()))
        if unit_id is not None:
            HiddenDanger.objects.filter(pk=danger.pk).update(unit_id=unit_id)


class Migration(migrations.Migration):

    dependencies = [
        ('clients', '0004_row_level_security'),
        ('delivery', '0010_rse_fits_the_client'),
        ('engagements', '0007_needs_blocker_approval'),
        ('hazards', '0002_row_level_security'),
        ('tenancy', '0005_qualification_kinds'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='hiddendanger',
            name='unit',
            field=models.ForeignKey(blank=True, help_text="The client's unit or area, from the units of the 8.4 risk register.", null=True, on_delete=django.db.models.deletion.PROTECT, related_name='hidden_dangers', to='delivery.siteunit', verbose_name='unit or area'),
        ),
        migrations.AlterField(
            model_name='hiddendanger',
            name='location',
            field=models.CharField(blank=True, help_text='The place within the unit (or, when the unit is not listed, the area where it was found).', max_length=200, verbose_name='where exactly'),
        ),
        migrations.AddIndex(
            model_name='hiddendanger',
            index=models.Index(fields=['firm', 'unit'], name='hazard_firm_unit_idx'),
        ),
        migrations.RunPython(units_from_locations, migrations.RunPython.noop),
    ]
