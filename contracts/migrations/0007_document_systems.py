"""8.5.1: the three document systems. Every firm gets the usual mapping from the service
type to the document system its contract must deliver (安全生产标准化 → 安全标准化体系资料,
安全台账 → 安全台账资料, 风险分级管控（双重预防）→ 风险分级管控体系资料), which it edits;
the gate 7.document_system asks for it. A contract not yet signed that lacks it now waits
for the deliverable (the contract page names it). On PostgreSQL the mapping has row-level
security."""

import django.db.models.deletion
import simple_history.models
from django.conf import settings
from django.db import migrations, models

from consultancy.tenancy.rls import FirmRowLevelSecurity

SYSTEMS = {"standardization": ["standardization"], "ledgers": ["ledger"],
           "risk_grading": ["risk_grading"]}


def seed_systems(apps, schema_editor):
    Firm = apps.get_model("tenancy", "Firm")
    DocumentSystemRequirement = apps.get_model("contracts", "DocumentSystemRequirement")
    for firm in Firm.objects.all():
        if not DocumentSystemRequirement.objects.filter(firm=firm).exists():
            DocumentSystemRequirement.objects.bulk_create([
                DocumentSystemRequirement(firm=firm, service_type=service_type,
                                          category=category)
                for service_type, categories in SYSTEMS.items() for category in categories])



class Migration(migrations.Migration):

    dependencies = [
        ('contracts', '0006_guidance_sessions'),
        ('tenancy', '0005_qualification_kinds'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='HistoricalDocumentSystemRequirement',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('service_type', models.CharField(choices=[('standardization', 'Safety standardization consulting'), ('ledgers', 'Safety ledgers'), ('adviser', 'Safety adviser service'), ('risk_grading', 'Risk grading and control'), ('other', 'Other')], max_length=20, verbose_name='service type')),
                ('category', models.CharField(choices=[('standardization', 'Safety standardization system documents'), ('ledger', 'Safety ledger documents'), ('risk_grading', 'Risk grading and control system documents'), ('other', 'Other technical documents')], max_length=20, verbose_name='required document system')),
                ('history_id', models.AutoField(primary_key=True, serialize=False)),
                ('history_date', models.DateTimeField(db_index=True)),
                ('history_change_reason', models.CharField(max_length=100, null=True)),
                ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                ('firm', models.ForeignKey(blank=True, db_constraint=False, editable=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='tenancy.firm')),
                ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name': 'historical document system a service type requires',
                'verbose_name_plural': 'historical document systems the service types require',
                'ordering': ('-history_date', '-history_id'),
                'get_latest_by': ('history_date', 'history_id'),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name='DocumentSystemRequirement',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('service_type', models.CharField(choices=[('standardization', 'Safety standardization consulting'), ('ledgers', 'Safety ledgers'), ('adviser', 'Safety adviser service'), ('risk_grading', 'Risk grading and control'), ('other', 'Other')], max_length=20, verbose_name='service type')),
                ('category', models.CharField(choices=[('standardization', 'Safety standardization system documents'), ('ledger', 'Safety ledger documents'), ('risk_grading', 'Risk grading and control system documents'), ('other', 'Other technical documents')], max_length=20, verbose_name='required document system')),
                ('firm', models.ForeignKey(editable=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='tenancy.firm')),
            ],
            options={
                'verbose_name': 'document system a service type requires',
                'verbose_name_plural': 'document systems the service types require',
                'ordering': ['service_type', 'category'],
                'indexes': [models.Index(fields=['firm', 'service_type'], name='docsys_firm_type_idx')],
                'constraints': [models.UniqueConstraint(fields=('firm', 'service_type', 'category'), name='document_system_once')],
            },
        ),
        migrations.RunPython(seed_systems, migrations.RunPython.noop),
        FirmRowLevelSecurity("documentsystemrequirement"),
        FirmRowLevelSecurity("historicaldocumentsystemrequirement"),
    ]
