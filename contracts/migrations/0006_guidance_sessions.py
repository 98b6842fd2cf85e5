"""9.1: the number of technical guidance sessions the contract promises within the guidance
period (empty: one; the 9.1 gate asks for at least that many guidance records dated
within the period). Existing contracts keep it empty: one session. On PostgreSQL the
trigger that freezes an issued contract's content covers the new column."""

from django.db import migrations, models

from engagements.freezing import changed, condition_trigger, run_on_postgresql

CONTENT = ["clause_objectives", "clause_scope", "clause_delivery_method", "clause_period",
           "clause_payment", "clause_confidentiality", "clause_breach", "clause_personnel",
           "clause_liability", "clause_complaints", "clause_compensation", "fee", "start_date",
           "end_date", "guidance_period_days", "follow_up_visits",
           "complaint_acknowledge_days", "complaint_respond_days", "complaint_working_days"]
WHY = "an issued or signed contract is not edited; a change after signing is an amendment"
OLD_TRIGGER = condition_trigger("contracts_contract", "frozen_content", "UPDATE",
                                f"OLD.status <> 'draft' AND ({changed(*CONTENT)})", WHY)
NEW_TRIGGER = condition_trigger(
    "contracts_contract", "frozen_content", "UPDATE",
    f"OLD.status <> 'draft' AND ({changed(*CONTENT, 'guidance_sessions')})", WHY)


class Migration(migrations.Migration):

    dependencies = [
        ('contracts', '0005_row_level_security'),
    ]

    operations = [
        migrations.AddField(
            model_name='contract',
            name='guidance_sessions',
            field=models.PositiveIntegerField(blank=True, help_text='Clause 9.1: at least this many guidance records (at least one) dated within the guidance period. Empty: one.', null=True, verbose_name='technical guidance sessions in the guidance period'),
        ),
        migrations.AddField(
            model_name='historicalcontract',
            name='guidance_sessions',
            field=models.PositiveIntegerField(blank=True, help_text='Clause 9.1: at least this many guidance records (at least one) dated within the guidance period. Empty: one.', null=True, verbose_name='technical guidance sessions in the guidance period'),
        ),
        migrations.RunPython(run_on_postgresql(OLD_TRIGGER[1], NEW_TRIGGER[0]),
                             run_on_postgresql(NEW_TRIGGER[1], OLD_TRIGGER[0])),
    ]
