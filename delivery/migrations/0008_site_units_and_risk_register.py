"""8.4: the units and areas of the client's site (``SiteUnit``) and a risk register whose
every risk names its unit, activity or equipment, accident type (GB 6441), existing
controls, control level and the person responsible; a 重大风险 / 较大风险 has control
measures with a person responsible and a due date.

Existing risks of engagements still open to clause 8 (not past delivery) get a unit named
after their "location or activity" (one unit per distinct location and engagement); what
they still lack (activity, accident type, …) the register shows and the gate asks for.
Risks of engagements past delivery are frozen and kept as they were (their location is
shown in place of a unit). On PostgreSQL the new tables get row-level security and the
units the frozen-stage trigger of clause 8's records."""

import django.db.models.deletion
import simple_history.models
from django.conf import settings
from django.db import migrations, models

from consultancy.tenancy.rls import FirmRowLevelSecurity
from engagements.freezing import stage_trigger, trigger_operation

OPEN_STAGES = ["needs_analysis", "communication", "contracting", "delivery"]


def units_from_locations(apps, schema_editor):
    RiskItem = apps.get_model("delivery", "RiskItem")
    SiteUnit = apps.get_model("delivery", "SiteUnit")
    units = {}
    for item in (RiskItem.objects.filter(engagement__stage__in=OPEN_STAGES, unit__isnull=True)
                 .order_by("pk")):
        name = (item.location or "").strip()[:100] or "未注明单元"
        key = (item.engagement_id, name)
        if key not in units:
            units[key] = SiteUnit.objects.filter(engagement_id=item.engagement_id,
                                                 name=name).first() or SiteUnit.objects.create(
                firm_id=item.firm_id, engagement_id=item.engagement_id, name=name,
                created_by_id=item.created_by_id)
        RiskItem.objects.filter(pk=item.pk).update(unit=units[key])


class Migration(migrations.Migration):

    dependencies = [
        ('delivery', '0007_row_level_security'),
        ('engagements', '0004_row_level_security'),
        ('tenancy', '0004_row_level_security'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='historicalriskitem',
            name='accident_type',
            field=models.CharField(blank=True, choices=[('struck_by_object', 'Struck by an object (物体打击)'), ('vehicle', 'Vehicle injury (车辆伤害)'), ('machinery', 'Machinery injury (机械伤害)'), ('lifting', 'Lifting injury (起重伤害)'), ('electric_shock', 'Electric shock (触电)'), ('drowning', 'Drowning (淹溺)'), ('burns', 'Burns and scalds (灼烫)'), ('fire', 'Fire (火灾)'), ('fall_from_height', 'Fall from height (高处坠落)'), ('collapse', 'Collapse (坍塌)'), ('roof_fall', 'Roof fall and rib spalling (冒顶片帮)'), ('water_inrush', 'Water inrush (透水)'), ('blasting', 'Blasting (放炮)'), ('explosives', 'Explosion of explosives (火药爆炸)'), ('gas_explosion', 'Firedamp explosion (瓦斯爆炸)'), ('boiler_explosion', 'Boiler explosion (锅炉爆炸)'), ('vessel_explosion', 'Pressure vessel explosion (容器爆炸)'), ('other_explosion', 'Other explosion (其它爆炸)'), ('poisoning', 'Poisoning and asphyxiation (中毒和窒息)'), ('other_injury', 'Other injury (其它伤害)')], max_length=20, verbose_name='accident type (GB 6441)'),
        ),
        migrations.AddField(
            model_name='historicalriskitem',
            name='activity',
            field=models.CharField(blank=True, max_length=200, verbose_name='activity or equipment'),
        ),
        migrations.AddField(
            model_name='historicalriskitem',
            name='control_level',
            field=models.CharField(blank=True, choices=[('company', 'Company (公司)'), ('workshop', 'Workshop (车间)'), ('team', 'Team (班组)'), ('post', 'Post (岗位)')], max_length=10, verbose_name='control level'),
        ),
        migrations.AddField(
            model_name='historicalriskitem',
            name='existing_controls',
            field=models.TextField(blank=True, verbose_name='existing controls'),
        ),
        migrations.AddField(
            model_name='historicalriskitem',
            name='measures_due_on',
            field=models.DateField(blank=True, null=True, verbose_name='measures due by'),
        ),
        migrations.AddField(
            model_name='historicalriskitem',
            name='measures_responsible',
            field=models.CharField(blank=True, max_length=50, verbose_name='person responsible for the measures'),
        ),
        migrations.AddField(
            model_name='historicalriskitem',
            name='responsible_person',
            field=models.CharField(blank=True, max_length=50, verbose_name='person responsible for control'),
        ),
        migrations.AddField(
            model_name='riskitem',
            name='accident_type',
            field=models.CharField(blank=True, choices=[('struck_by_object', 'Struck by an object (物体打击)'), ('vehicle', 'Vehicle injury (车辆伤害)'), ('machinery', 'Machinery injury (机械伤害)'), ('lifting', 'Lifting injury (起重伤害)'), ('electric_shock', 'Electric shock (触电)'), ('drowning', 'Drowning (淹溺)'), ('burns', 'Burns and scalds (灼烫)'), ('fire', 'Fire (火灾)'), ('fall_from_height', 'Fall from height (高处坠落)'), ('collapse', 'Collapse (坍塌)'), ('roof_fall', 'Roof fall and rib spalling (冒顶片帮)'), ('water_inrush', 'Water inrush (透水)'), ('blasting', 'Blasting (放炮)'), ('explosives', 'Explosion of explosives (火药爆炸)'), ('gas_explosion', 'Firedamp explosion (瓦斯爆炸)'), ('boiler_explosion', 'Boiler explosion (锅炉爆炸)'), ('vessel_explosion', 'Pressure vessel explosion (容器爆炸)'), ('other_explosion', 'Other explosion (其它爆炸)'), ('poisoning', 'Poisoning and asphyxiation (中毒和窒息)'), ('other_injury', 'Other injury (其它伤害)')], max_length=20, verbose_name='accident type (GB 6441)'),
        ),
        migrations.AddField(
            model_name='riskitem',
            name='activity',
            field=models.CharField(blank=True, max_length=200, verbose_name='activity or equipment'),
        ),
        migrations.AddField(
            model_name='riskitem',
            name='control_level',
            field=models.CharField(blank=True, choices=[('company', 'Company (公司)'), ('workshop', 'Workshop (车间)'), ('team', 'Team (班组)'), ('post', 'Post (岗位)')], max_length=10, verbose_name='control level'),
        ),
        migrations.AddField(
            model_name='riskitem',
            name='existing_controls',
            field=models.TextField(blank=True, verbose_name='existing controls'),
        ),
        migrations.AddField(
            model_name='riskitem',
            name='measures_due_on',
            field=models.DateField(blank=True, null=True, verbose_name='measures due by'),
        ),
        migrations.AddField(
            model_name='riskitem',
            name='measures_responsible',
            field=models.CharField(blank=True, max_length=50, verbose_name='person responsible for the measures'),
        ),
        migrations.AddField(
            model_name='riskitem',
            name='responsible_person',
            field=models.CharField(blank=True, max_length=50, verbose_name='person responsible for control'),
        ),
        migrations.AlterField(
            model_name='historicalriskitem',
            name='controls',
            field=models.TextField(blank=True, verbose_name='control measures to take'),
        ),
        migrations.AlterField(
            model_name='historicalriskitem',
            name='level',
            field=models.CharField(choices=[('major', 'Major risk (red)'), ('large', 'Significant risk (orange)'), ('general', 'General risk (yellow)'), ('low', 'Low risk (blue)')], editable=False, max_length=10, verbose_name='level'),
        ),
        migrations.AlterField(
            model_name='historicalriskitem',
            name='location',
            field=models.CharField(blank=True, editable=False, max_length=200, verbose_name='location or activity (before units were listed)'),
        ),
        migrations.AlterField(
            model_name='riskitem',
            name='controls',
            field=models.TextField(blank=True, verbose_name='control measures to take'),
        ),
        migrations.AlterField(
            model_name='riskitem',
            name='level',
            field=models.CharField(choices=[('major', 'Major risk (red)'), ('large', 'Significant risk (orange)'), ('general', 'General risk (yellow)'), ('low', 'Low risk (blue)')], editable=False, max_length=10, verbose_name='level'),
        ),
        migrations.AlterField(
            model_name='riskitem',
            name='location',
            field=models.CharField(blank=True, editable=False, max_length=200, verbose_name='location or activity (before units were listed)'),
        ),
        migrations.CreateModel(
            name='HistoricalSiteUnit',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('created_at', models.DateTimeField(blank=True, editable=False, verbose_name='recorded at')),
                ('updated_at', models.DateTimeField(blank=True, editable=False, verbose_name='updated at')),
                ('name', models.CharField(help_text='e.g. 加氢车间, 甲类罐区, 汽车装卸站', max_length=100, verbose_name='unit or area')),
                ('description', models.CharField(blank=True, max_length=300, verbose_name='what it comprises')),
                ('history_id', models.AutoField(primary_key=True, serialize=False)),
                ('history_date', models.DateTimeField(db_index=True)),
                ('history_change_reason', models.CharField(max_length=100, null=True)),
                ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                ('created_by', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='recorded by')),
                ('engagement', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='engagements.engagement', verbose_name='engagement')),
                ('firm', models.ForeignKey(blank=True, db_constraint=False, editable=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='tenancy.firm')),
                ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name': 'historical unit or area of the site',
                'verbose_name_plural': 'historical units and areas of the site',
                'ordering': ('-history_date', '-history_id'),
                'get_latest_by': ('history_date', 'history_id'),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name='SiteUnit',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='recorded at')),
                ('updated_at', models.DateTimeField(auto_now=True, verbose_name='updated at')),
                ('name', models.CharField(help_text='e.g. 加氢车间, 甲类罐区, 汽车装卸站', max_length=100, verbose_name='unit or area')),
                ('description', models.CharField(blank=True, max_length=300, verbose_name='what it comprises')),
                ('created_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='recorded by')),
                ('engagement', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='%(class)ss', to='engagements.engagement', verbose_name='engagement')),
                ('firm', models.ForeignKey(editable=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='tenancy.firm')),
            ],
            options={
                'verbose_name': 'unit or area of the site',
                'verbose_name_plural': 'units and areas of the site',
                'ordering': ['pk'],
            },
        ),
        migrations.AddField(
            model_name='historicalriskitem',
            name='unit',
            field=models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='delivery.siteunit', verbose_name='unit or area'),
        ),
        migrations.AddField(
            model_name='riskitem',
            name='unit',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='risks', to='delivery.siteunit', verbose_name='unit or area'),
        ),
        migrations.AddIndex(
            model_name='siteunit',
            index=models.Index(fields=['firm', 'engagement'], name='siteunit_firm_eng_idx'),
        ),
        migrations.AddConstraint(
            model_name='siteunit',
            constraint=models.UniqueConstraint(fields=('firm', 'engagement', 'name'), name='site_unit_name_per_engagement'),
        ),
        migrations.RunPython(units_from_locations, migrations.RunPython.noop),
        FirmRowLevelSecurity("siteunit"),
        FirmRowLevelSecurity("historicalsiteunit"),
        trigger_operation([stage_trigger("delivery_siteunit", "delivery")]),
    ]
