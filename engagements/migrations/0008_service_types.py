"""The firm's own list of service types (issue 20): the engagement's service type, a fixed
choice until now, becomes a row of the firm's list (engagements.ServiceType), seeded for
every firm with the common ones (engagements.service_types). Each engagement (and each of
its historical versions) points at its firm's row of the same code; backwards, the code
comes back (a type the firm added later becomes "other"). On PostgreSQL the list has
row-level security."""

import django.db.models.deletion
import simple_history.models
from django.conf import settings
from django.db import migrations, models

from consultancy.tenancy.rls import FirmRowLevelSecurity
from engagements.service_types import DEFAULT_SERVICE_TYPES

OLD_CODES = {"standardization", "ledgers", "adviser", "risk_grading", "other"}


def seed_service_types(apps, schema_editor):
    Firm = apps.get_model("tenancy", "Firm")
    ServiceType = apps.get_model("engagements", "ServiceType")
    for firm in Firm.objects.all():
        if ServiceType.objects.filter(firm=firm).exists():
            continue
        ServiceType.objects.bulk_create([
            ServiceType(firm=firm, code=code, name=name, name_en=name_en, position=position)
            for position, (code, name, name_en) in enumerate(DEFAULT_SERVICE_TYPES)])


def _types(ServiceType):
    return {(firm_id, code): pk for pk, firm_id, code in
            ServiceType.objects.values_list("pk", "firm_id", "code")}


def codes_to_rows(apps, schema_editor):
    types = _types(apps.get_model("engagements", "ServiceType"))
    for name in ("Engagement", "HistoricalEngagement"):
        model = apps.get_model("engagements", name)
        for pk, firm_id, code in model.objects.values_list("pk", "firm_id", "service_type"):
            row = types.get((firm_id, code)) or types.get((firm_id, "other"))
            if row is not None:
                model.objects.filter(pk=pk).update(service_type_row=row)


def rows_to_codes(apps, schema_editor):
    codes = {pk: code for (firm_id, code), pk in
             _types(apps.get_model("engagements", "ServiceType")).items()}
    for name in ("Engagement", "HistoricalEngagement"):
        model = apps.get_model("engagements", name)
        for pk, row in model.objects.values_list("pk", "service_type_row"):
            code = codes.get(row, "other")
            model.objects.filter(pk=pk).update(
                service_type=code if code in OLD_CODES else "other")


def old_field():
    return models.CharField(
        choices=[("standardization", "Safety standardization consulting"),
                 ("ledgers", "Safety ledgers"), ("adviser", "Safety adviser service"),
                 ("risk_grading", "Risk grading and control"), ("other", "Other")],
        max_length=20, verbose_name="service type", default="other")


class Migration(migrations.Migration):

    dependencies = [
        ('engagements', '0007_needs_blocker_approval'),
        ('tenancy', '0005_qualification_kinds'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='HistoricalServiceType',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('name', models.CharField(max_length=60, verbose_name='service type')),
                ('name_en', models.CharField(blank=True, max_length=100, verbose_name='service type (English)')),
                ('code', models.SlugField(blank=True, help_text='A short name in Latin letters, kept for imports and audits; made from the English name when left empty.', max_length=40, verbose_name='code')),
                ('position', models.PositiveSmallIntegerField(default=100, verbose_name='order')),
                ('is_active', models.BooleanField(default=True, verbose_name='offered')),
                ('history_id', models.AutoField(primary_key=True, serialize=False)),
                ('history_date', models.DateTimeField(db_index=True)),
                ('history_change_reason', models.CharField(max_length=100, null=True)),
                ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                ('firm', models.ForeignKey(blank=True, db_constraint=False, editable=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='tenancy.firm')),
                ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name': 'historical service type',
                'verbose_name_plural': 'historical service types',
                'ordering': ('-history_date', '-history_id'),
                'get_latest_by': ('history_date', 'history_id'),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name='ServiceType',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('name', models.CharField(max_length=60, verbose_name='service type')),
                ('name_en', models.CharField(blank=True, max_length=100, verbose_name='service type (English)')),
                ('code', models.SlugField(blank=True, help_text='A short name in Latin letters, kept for imports and audits; made from the English name when left empty.', max_length=40, verbose_name='code')),
                ('position', models.PositiveSmallIntegerField(default=100, verbose_name='order')),
                ('is_active', models.BooleanField(default=True, verbose_name='offered')),
                ('firm', models.ForeignKey(editable=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='tenancy.firm')),
            ],
            options={
                'verbose_name': 'service type',
                'verbose_name_plural': 'service types',
                'ordering': ['position', 'pk'],
            },
        ),
        migrations.AddIndex(
            model_name='servicetype',
            index=models.Index(fields=['firm', 'position'], name='stype_firm_pos_idx'),
        ),
        migrations.AddConstraint(
            model_name='servicetype',
            constraint=models.UniqueConstraint(fields=('firm', 'name'), name='service_type_name_per_firm'),
        ),
        migrations.AddConstraint(
            model_name='servicetype',
            constraint=models.UniqueConstraint(fields=('firm', 'code'), name='service_type_code_per_firm'),
        ),
        FirmRowLevelSecurity("servicetype"),
        FirmRowLevelSecurity("historicalservicetype"),
        migrations.RunPython(seed_service_types, migrations.RunPython.noop),
        # the engagement's fixed choice becomes the firm's row of the same code
        migrations.AddField(
            model_name='engagement', name='service_type_row',
            field=models.ForeignKey(null=True, on_delete=django.db.models.deletion.PROTECT,
                                    related_name='+', to='engagements.servicetype'),
        ),
        migrations.AddField(
            model_name='historicalengagement', name='service_type_row',
            field=models.ForeignKey(blank=True, db_constraint=False, null=True,
                                    on_delete=django.db.models.deletion.DO_NOTHING,
                                    related_name='+', to='engagements.servicetype'),
        ),
        # (a default, so that going backwards re-adds the column to existing rows)
        migrations.AlterField(model_name='engagement', name='service_type', field=old_field()),
        migrations.AlterField(model_name='historicalengagement', name='service_type',
                              field=old_field()),
        migrations.RunPython(codes_to_rows, rows_to_codes),
        migrations.RemoveField(model_name='engagement', name='service_type'),
        migrations.RemoveField(model_name='historicalengagement', name='service_type'),
        migrations.RenameField(model_name='engagement', old_name='service_type_row',
                               new_name='service_type'),
        migrations.RenameField(model_name='historicalengagement', old_name='service_type_row',
                               new_name='service_type'),
        migrations.AlterField(
            model_name='engagement',
            name='service_type',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='engagements', to='engagements.servicetype', verbose_name='service type'),
        ),
        migrations.AlterField(
            model_name='historicalengagement',
            name='service_type',
            field=models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='engagements.servicetype', verbose_name='service type'),
        ),
    ]
