"""8.1.1 "具有安全相关资质的人员": the firm keeps its list of kinds of qualification, each
marked safety-related or not.

Every firm gets the starting list (注册安全工程师, 安全评价师, 注册消防工程师, 安全生产管理
人员考核合格证, 职业卫生 and 特种设备安全管理 certificates, …). Every certificate gets its
kind: a registered safety engineer's the RSE kind; an "other" one the kind of the list its
name names (安全评价师 → 安全评价师), else a new kind of that name, not safety-related
until a manager marks it so (the certificate stops counting for 8.1.1 until then: the
staff page lists the kinds awaiting a decision). On PostgreSQL the list has row-level
security."""

import django.db.models.deletion
import simple_history.models
from django.conf import settings
from django.db import migrations, models

from consultancy.tenancy.rls import FirmRowLevelSecurity

KINDS = [
    ("注册安全工程师", "Registered safety engineer", True, True),
    ("安全评价师", "Safety assessor", False, True),
    ("注册消防工程师", "Registered fire engineer", False, True),
    ("安全生产管理人员考核合格证", "Safety production management certificate", False, True),
    ("职业卫生专业技术人员证书", "Occupational health professional certificate", False, True),
    ("特种设备安全管理人员证书", "Special equipment safety management certificate", False,
     True),
    ("注册核安全工程师", "Registered nuclear safety engineer", False, True),
    ("注册建造师", "Registered constructor", False, False),
]


def kinds_for_every_firm(apps, schema_editor):
    Firm = apps.get_model("tenancy", "Firm")
    QualificationKind = apps.get_model("tenancy", "QualificationKind")
    Qualification = apps.get_model("tenancy", "Qualification")
    for firm in Firm.objects.all():
        if not QualificationKind.objects.filter(firm=firm).exists():
            for order, (name, name_en, is_rse, safety) in enumerate(KINDS):
                QualificationKind.objects.create(firm=firm, name=name, name_en=name_en,
                                                 is_rse=is_rse, safety_related=safety,
                                                 order=order, seeded=True)
        kinds = {k.name: k for k in QualificationKind.objects.filter(firm=firm)}
        rse = next(k for k in kinds.values() if k.is_rse)
        for q in Qualification.objects.filter(firm=firm, qualification_kind__isnull=True):
            if q.kind == "rse":
                kind = rse
            else:
                name = (q.name or "").strip()[:60] or "其他证书"
                kind = kinds.get(name) or next(
                    (k for k in kinds.values() if k.seeded and k.name in name),
                    None)
                if kind is None:
                    kind = kinds[name] = QualificationKind.objects.create(
                        firm=firm, name=name, safety_related=False, order=100)
            Qualification.objects.filter(pk=q.pk).update(
                qualification_kind=kind, kind="rse" if kind.is_rse else "other")


class Migration(migrations.Migration):

    dependencies = [
        ('tenancy', '0004_row_level_security'),
    ]

    operations = [
        migrations.CreateModel(
            name='HistoricalQualificationKind',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('name', models.CharField(max_length=60, verbose_name='kind of certificate')),
                ('name_en', models.CharField(blank=True, max_length=80, verbose_name='kind of certificate (English)')),
                ('is_rse', models.BooleanField(default=False, editable=False, verbose_name='registered safety engineer')),
                ('safety_related', models.BooleanField(default=False, help_text='Only a certificate of a safety-related kind counts for clause 8.1.1.', verbose_name='safety-related qualification')),
                ('order', models.PositiveSmallIntegerField(default=100, verbose_name='order')),
                ('is_active', models.BooleanField(default=True, verbose_name='offered')),
                ('seeded', models.BooleanField(default=False, editable=False, verbose_name='on the starting list')),
                ('decided_at', models.DateTimeField(blank=True, editable=False, null=True, verbose_name='decided at')),
                ('history_id', models.AutoField(primary_key=True, serialize=False)),
                ('history_date', models.DateTimeField(db_index=True)),
                ('history_change_reason', models.CharField(max_length=100, null=True)),
                ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                ('decided_by', models.ForeignKey(blank=True, db_constraint=False, editable=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='decided by')),
                ('firm', models.ForeignKey(blank=True, db_constraint=False, editable=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='tenancy.firm')),
                ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name': 'historical kind of qualification',
                'verbose_name_plural': 'historical kinds of qualification',
                'ordering': ('-history_date', '-history_id'),
                'get_latest_by': ('history_date', 'history_id'),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name='QualificationKind',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('name', models.CharField(max_length=60, verbose_name='kind of certificate')),
                ('name_en', models.CharField(blank=True, max_length=80, verbose_name='kind of certificate (English)')),
                ('is_rse', models.BooleanField(default=False, editable=False, verbose_name='registered safety engineer')),
                ('safety_related', models.BooleanField(default=False, help_text='Only a certificate of a safety-related kind counts for clause 8.1.1.', verbose_name='safety-related qualification')),
                ('order', models.PositiveSmallIntegerField(default=100, verbose_name='order')),
                ('is_active', models.BooleanField(default=True, verbose_name='offered')),
                ('seeded', models.BooleanField(default=False, editable=False, verbose_name='on the starting list')),
                ('decided_at', models.DateTimeField(blank=True, editable=False, null=True, verbose_name='decided at')),
                ('decided_by', models.ForeignKey(blank=True, editable=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='decided by')),
                ('firm', models.ForeignKey(editable=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='tenancy.firm')),
            ],
            options={
                'verbose_name': 'kind of qualification',
                'verbose_name_plural': 'kinds of qualification',
                'ordering': ['order', 'pk'],
            },
        ),
        migrations.AddField(
            model_name='historicalqualification',
            name='qualification_kind',
            field=models.ForeignKey(blank=True, db_constraint=False, help_text="From the firm's list; a registered safety engineer certificate meets 8.2.2, and a certificate of a safety-related kind valid on the day meets 8.1.1.", null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='tenancy.qualificationkind', verbose_name='kind of certificate'),
        ),
        migrations.AddField(
            model_name='qualification',
            name='qualification_kind',
            field=models.ForeignKey(blank=True, help_text="From the firm's list; a registered safety engineer certificate meets 8.2.2, and a certificate of a safety-related kind valid on the day meets 8.1.1.", null=True, on_delete=django.db.models.deletion.PROTECT, related_name='qualifications', to='tenancy.qualificationkind', verbose_name='kind of certificate'),
        ),
        migrations.AddIndex(
            model_name='qualificationkind',
            index=models.Index(fields=['firm', 'order'], name='qkind_firm_order_idx'),
        ),
        migrations.AddConstraint(
            model_name='qualificationkind',
            constraint=models.UniqueConstraint(fields=('firm', 'name'), name='qualification_kind_name_per_firm'),
        ),
        migrations.AddConstraint(
            model_name='qualificationkind',
            constraint=models.UniqueConstraint(condition=models.Q(('is_rse', True)), fields=('firm',), name='one_rse_kind_per_firm'),
        ),
        migrations.RunPython(kinds_for_every_firm, migrations.RunPython.noop),
        FirmRowLevelSecurity("qualificationkind"),
        FirmRowLevelSecurity("historicalqualificationkind"),
    ]
