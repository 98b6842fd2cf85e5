"""8.2.2 "相关经验和能力": the registered safety engineer fits the client. Every firm gets the
usual mapping of RSE specialties to the client's industries (煤矿安全, 金属非金属矿山安全,
化工安全, 金属冶炼安全, 建筑施工安全, 道路运输安全, 其他安全（不包括消防安全）), which it
edits; when no engineer of our side has a specialty that fits, a manager records the
experience that qualifies one (``RseJustification``). An engagement in delivery whose
engineer does not fit now waits for that record (the team page says so). On PostgreSQL
the new tables get row-level security and the justifications the frozen-stage trigger of
clause 8's records."""

import django.db.models.deletion
import simple_history.models
from django.conf import settings
from django.db import migrations, models

from consultancy.tenancy.rls import FirmRowLevelSecurity
from engagements.freezing import stage_trigger, trigger_operation

FITS = {
    "chemical": ["chemical"],
    "construction": ["construction"],
    "warehousing": ["other", "road_transport"],
    "manufacturing": ["other"],
    "metallurgy": ["metallurgy"],
    "building_materials": ["other"],
    "light_industry": ["other"],
    "mining": ["coal_mine", "metal_mine"],
    "trade": ["other"],
    "transport": ["road_transport"],
    "power": ["other"],
    "other": ["other"],
}


def seed_fits(apps, schema_editor):
    Firm = apps.get_model("tenancy", "Firm")
    SpecialtyFit = apps.get_model("delivery", "SpecialtyFit")
    for firm in Firm.objects.all():
        if not SpecialtyFit.objects.filter(firm=firm).exists():
            SpecialtyFit.objects.bulk_create([
                SpecialtyFit(firm=firm, industry=industry, specialty=specialty)
                for industry, specialties in FITS.items() for specialty in specialties])



class Migration(migrations.Migration):

    dependencies = [
        ('delivery', '0009_plan_reviews'),
        ('engagements', '0004_row_level_security'),
        ('tenancy', '0005_qualification_kinds'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='HistoricalRseJustification',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('created_at', models.DateTimeField(blank=True, editable=False, verbose_name='recorded at')),
                ('updated_at', models.DateTimeField(blank=True, editable=False, verbose_name='updated at')),
                ('experience', models.TextField(verbose_name='the experience that qualifies them')),
                ('history_id', models.AutoField(primary_key=True, serialize=False)),
                ('history_date', models.DateTimeField(db_index=True)),
                ('history_change_reason', models.CharField(max_length=100, null=True)),
                ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                ('created_by', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='recorded by')),
                ('engagement', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='engagements.engagement', verbose_name='engagement')),
                ('firm', models.ForeignKey(blank=True, db_constraint=False, editable=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='tenancy.firm')),
                ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('holder', models.ForeignKey(blank=True, db_constraint=False, limit_choices_to={'role__in': ['manager', 'consultant']}, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='registered safety engineer')),
            ],
            options={
                'verbose_name': "historical justification of the RSE's fit",
                'verbose_name_plural': "historical justifications of the RSE's fit",
                'ordering': ('-history_date', '-history_id'),
                'get_latest_by': ('history_date', 'history_id'),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name='HistoricalSpecialtyFit',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('industry', models.CharField(choices=[('chemical', 'Chemicals and hazardous chemicals'), ('construction', 'Construction'), ('warehousing', 'Warehousing and logistics'), ('manufacturing', 'Machinery and manufacturing'), ('metallurgy', 'Metallurgy and non-ferrous metals'), ('building_materials', 'Building materials'), ('light_industry', 'Light industry and textiles'), ('mining', 'Mining'), ('trade', 'Trade and retail'), ('transport', 'Transport'), ('power', 'Power and utilities'), ('other', 'Other')], max_length=30, verbose_name="client's industry")),
                ('specialty', models.CharField(choices=[('coal_mine', 'Coal mine safety'), ('metal_mine', 'Metal and non-metal mine safety'), ('chemical', 'Chemical safety'), ('metallurgy', 'Metal smelting safety'), ('construction', 'Construction safety'), ('road_transport', 'Road transport safety'), ('other', 'Other safety (excluding fire safety)')], max_length=20, verbose_name='RSE specialty')),
                ('history_id', models.AutoField(primary_key=True, serialize=False)),
                ('history_date', models.DateTimeField(db_index=True)),
                ('history_change_reason', models.CharField(max_length=100, null=True)),
                ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                ('firm', models.ForeignKey(blank=True, db_constraint=False, editable=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='tenancy.firm')),
                ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name': 'historical RSE specialty fitting an industry',
                'verbose_name_plural': 'historical RSE specialties fitting the industries',
                'ordering': ('-history_date', '-history_id'),
                'get_latest_by': ('history_date', 'history_id'),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name='RseJustification',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='recorded at')),
                ('updated_at', models.DateTimeField(auto_now=True, verbose_name='updated at')),
                ('experience', models.TextField(verbose_name='the experience that qualifies them')),
                ('created_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='recorded by')),
                ('engagement', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='%(class)ss', to='engagements.engagement', verbose_name='engagement')),
                ('firm', models.ForeignKey(editable=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='tenancy.firm')),
                ('holder', models.ForeignKey(limit_choices_to={'role__in': ['manager', 'consultant']}, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='registered safety engineer')),
            ],
            options={
                'verbose_name': "justification of the RSE's fit",
                'verbose_name_plural': "justifications of the RSE's fit",
                'ordering': ['pk'],
                'indexes': [models.Index(fields=['firm', 'engagement'], name='rsejust_firm_eng_idx')],
            },
        ),
        migrations.CreateModel(
            name='SpecialtyFit',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('industry', models.CharField(choices=[('chemical', 'Chemicals and hazardous chemicals'), ('construction', 'Construction'), ('warehousing', 'Warehousing and logistics'), ('manufacturing', 'Machinery and manufacturing'), ('metallurgy', 'Metallurgy and non-ferrous metals'), ('building_materials', 'Building materials'), ('light_industry', 'Light industry and textiles'), ('mining', 'Mining'), ('trade', 'Trade and retail'), ('transport', 'Transport'), ('power', 'Power and utilities'), ('other', 'Other')], max_length=30, verbose_name="client's industry")),
                ('specialty', models.CharField(choices=[('coal_mine', 'Coal mine safety'), ('metal_mine', 'Metal and non-metal mine safety'), ('chemical', 'Chemical safety'), ('metallurgy', 'Metal smelting safety'), ('construction', 'Construction safety'), ('road_transport', 'Road transport safety'), ('other', 'Other safety (excluding fire safety)')], max_length=20, verbose_name='RSE specialty')),
                ('firm', models.ForeignKey(editable=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='tenancy.firm')),
            ],
            options={
                'verbose_name': 'RSE specialty fitting an industry',
                'verbose_name_plural': 'RSE specialties fitting the industries',
                'ordering': ['industry', 'specialty'],
                'indexes': [models.Index(fields=['firm', 'industry'], name='specfit_firm_ind_idx')],
                'constraints': [models.UniqueConstraint(fields=('firm', 'industry', 'specialty'), name='specialty_fit_once')],
            },
        ),
        migrations.RunPython(seed_fits, migrations.RunPython.noop),
        FirmRowLevelSecurity("specialtyfit"),
        FirmRowLevelSecurity("historicalspecialtyfit"),
        FirmRowLevelSecurity("rsejustification"),
        FirmRowLevelSecurity("historicalrsejustification"),
        trigger_operation([stage_trigger("delivery_rsejustification", "delivery")]),
    ]
