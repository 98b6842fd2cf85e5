"""8.3.1 "经项目小组讨论通过": the working group's review of a plan version (date, the members
of our side who took part, the conclusion), recorded with its approval.

Every plan version approved before reviews were kept gets its review from what its
approval recorded: the day, the approver as the one participant known, and the notes of
the discussion as its conclusion (or a note that none was recorded). On PostgreSQL the
table gets row-level security, and a review is never changed nor deleted."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from consultancy.tenancy.rls import FirmRowLevelSecurity
from engagements.freezing import condition_trigger, trigger_operation

NO_NOTES = "（本版方案在系统记录项目小组讨论之前批准，当时未记录讨论结论。）"


def reviews_of_approved_plans(apps, schema_editor):
    ConsultingPlan = apps.get_model("delivery", "ConsultingPlan")
    PlanReview = apps.get_model("delivery", "PlanReview")
    for plan in ConsultingPlan.objects.filter(approved_on__isnull=False, review__isnull=True):
        approver = plan.approved_by_id or plan.created_by_id
        review = PlanReview.objects.create(
            firm_id=plan.firm_id, plan_id=plan.pk, engagement_id=plan.engagement_id,
            reviewed_on=plan.approved_on, conclusion=plan.approval_notes.strip() or NO_NOTES,
            approved_by_id=approver, recorded_by_id=approver)
        review.participants.set([approver])


class Migration(migrations.Migration):

    dependencies = [
        ('delivery', '0008_site_units_and_risk_register'),
        ('engagements', '0004_row_level_security'),
        ('tenancy', '0004_row_level_security'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='PlanReview',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('reviewed_on', models.DateField(verbose_name='discussed by the working group on')),
                ('conclusion', models.TextField(verbose_name='conclusion of the discussion')),
                ('recorded_at', models.DateTimeField(auto_now_add=True, verbose_name='recorded at')),
                ('approved_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='approved by')),
                ('engagement', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='plan_reviews', to='engagements.engagement', verbose_name='engagement')),
                ('firm', models.ForeignKey(editable=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='tenancy.firm')),
                ('participants', models.ManyToManyField(help_text='Members of our side of the working group (8.2).', related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='members who took part')),
                ('plan', models.OneToOneField(on_delete=django.db.models.deletion.PROTECT, related_name='review', to='delivery.consultingplan', verbose_name='plan version')),
                ('recorded_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='recorded by')),
            ],
            options={
                'verbose_name': 'plan review by the working group',
                'verbose_name_plural': 'plan reviews by the working group',
                'ordering': ['reviewed_on', 'pk'],
                'indexes': [models.Index(fields=['firm', 'engagement'], name='planreview_firm_eng_idx')],
            },
        ),
        migrations.RunPython(reviews_of_approved_plans, migrations.RunPython.noop),
        FirmRowLevelSecurity("planreview"),
        trigger_operation([condition_trigger(
            "delivery_planreview", "never_changed", "UPDATE OR DELETE", "",
            "a plan review records the working group's discussion; it is not changed")]),
    ]
