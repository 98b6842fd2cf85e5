"""9.4: the contract keeps the complaint time limits it promises (counted from the receipt
of a complaint), and its complaint clause names GB/T 17242-2025 《投诉处理规范》.

* the three fields, on the contract and its history;
* existing contracts get the numbers their complaint clause printed: the default clause
  said 一个工作日 / 十五个工作日 (working days); any other text, the firm's complaint
  settings of the day (or the defaults, 1 and 15 working days);
* the firm templates and the draft contracts that still name the 1998 title
  GB/T 17242《投诉处理指南》 name the 2025 one; a template whose complaint clause is
  still the old default gets the new one, with the placeholders of the firm's settings.
  Issued and signed contracts keep the text they were issued with;
* on PostgreSQL, the trigger that freezes an issued contract's content covers the three
  fields too (engagements.freezing).
"""

from django.db import migrations, models

from engagements.freezing import changed, condition_trigger, run_on_postgresql

OLD_TITLE = "GB/T 17242《投诉处理指南》"
NEW_TITLE = "GB/T 17242-2025《投诉处理规范》"
OLD_DEFAULT_ZH = (
    "甲方对乙方服务有异议的，可通过书面、电话或电子邮件向乙方投诉，"
    "乙方按 GB/T 17242《投诉处理指南》在一个工作日内确认受理，并在十五个工作日内书面答复处理结果。"
    "双方因本合同发生争议的，应友好协商解决；协商不成的，任何一方可向合同签订地有管辖权的"
    "人民法院提起诉讼。")
NEW_DEFAULT_ZH = (
    "甲方对乙方服务有异议的，可通过书面、电话或电子邮件向乙方投诉，"
    "乙方按 GB/T 17242-2025《投诉处理规范》处理投诉，自收到投诉之日起 "
    "{complaint_acknowledge_limit}内确认受理，{complaint_respond_limit}内书面答复处理结果。"
    "双方因本合同发生争议的，应友好协商解决；协商不成的，任何一方可向合同签订地有管辖权的"
    "人民法院提起诉讼。")
OLD_DEFAULT_EN = (
    "Complaints are handled per GB/T 17242: acknowledged within one working day, answered in "
    "writing within fifteen. Disputes go to the competent court where the contract was signed.")
NEW_DEFAULT_EN = (
    "Complaints are handled per GB/T 17242-2025 (投诉处理规范): acknowledged within "
    "{complaint_acknowledge_limit} and answered in writing within {complaint_respond_limit} of "
    "their receipt. Disputes go to the competent court where the contract was signed.")

CONTENT = ["clause_objectives", "clause_scope", "clause_delivery_method", "clause_period",
           "clause_payment", "clause_confidentiality", "clause_breach", "clause_personnel",
           "clause_liability", "clause_complaints", "clause_compensation", "fee", "start_date",
           "end_date", "guidance_period_days", "follow_up_visits"]
LIMITS = ["complaint_acknowledge_days", "complaint_respond_days", "complaint_working_days"]
WHY = "an issued or signed contract is not edited; a change after signing is an amendment"
OLD_TRIGGER = condition_trigger("contracts_contract", "frozen_content", "UPDATE",
                                f"OLD.status <> 'draft' AND ({changed(*CONTENT)})", WHY)
NEW_TRIGGER = condition_trigger("contracts_contract", "frozen_content", "UPDATE",
                                f"OLD.status <> 'draft' AND ({changed(*CONTENT, *LIMITS)})", WHY)


def backfill(apps, schema_editor):
    Contract = apps.get_model("contracts", "Contract")
    ContractTemplate = apps.get_model("contracts", "ContractTemplate")
    FeedbackSettings = apps.get_model("feedback", "FeedbackSettings")
    firm_limits = {row.firm_id: (row.acknowledge_days, row.respond_days, row.working_days)
                   for row in FeedbackSettings.objects.all()}
    for contract in Contract.objects.all():
        text = contract.clause_complaints
        if "一个工作日内确认受理" in text and "十五个工作日内" in text:
            limits = (1, 15, True)
        else:
            limits = firm_limits.get(contract.firm_id, (1, 15, True))
        fields = dict(zip(LIMITS, limits, strict=True))
        if contract.status == "draft" and OLD_TITLE in text:
            fields["clause_complaints"] = text.replace(OLD_TITLE, NEW_TITLE)
        Contract.objects.filter(pk=contract.pk).update(**fields)
    for template in ContractTemplate.objects.all():
        zh = template.clause_complaints
        en = template.clause_complaints_en
        zh = NEW_DEFAULT_ZH if zh == OLD_DEFAULT_ZH else zh.replace(OLD_TITLE, NEW_TITLE)
        en = NEW_DEFAULT_EN if en == OLD_DEFAULT_EN else en
        ContractTemplate.objects.filter(pk=template.pk).update(clause_complaints=zh,
                                                               clause_complaints_en=en)


class Migration(migrations.Migration):

    dependencies = [
        ('contracts', '0003_frozen_triggers'),
        ('feedback', '0005_acceptance_content_sha256'),
    ]

    operations = [
        migrations.AddField(
            model_name='contract',
            name='complaint_acknowledge_days',
            field=models.PositiveSmallIntegerField(blank=True, editable=False, null=True, verbose_name='complaints acknowledged within (days of receipt)'),
        ),
        migrations.AddField(
            model_name='contract',
            name='complaint_respond_days',
            field=models.PositiveSmallIntegerField(blank=True, editable=False, null=True, verbose_name='complaints answered in writing within (days of receipt)'),
        ),
        migrations.AddField(
            model_name='contract',
            name='complaint_working_days',
            field=models.BooleanField(blank=True, editable=False, null=True, verbose_name='complaint time limits count working days'),
        ),
        migrations.AddField(
            model_name='historicalcontract',
            name='complaint_acknowledge_days',
            field=models.PositiveSmallIntegerField(blank=True, editable=False, null=True, verbose_name='complaints acknowledged within (days of receipt)'),
        ),
        migrations.AddField(
            model_name='historicalcontract',
            name='complaint_respond_days',
            field=models.PositiveSmallIntegerField(blank=True, editable=False, null=True, verbose_name='complaints answered in writing within (days of receipt)'),
        ),
        migrations.AddField(
            model_name='historicalcontract',
            name='complaint_working_days',
            field=models.BooleanField(blank=True, editable=False, null=True, verbose_name='complaint time limits count working days'),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
        migrations.RunPython(run_on_postgresql(OLD_TRIGGER[1], NEW_TRIGGER[0]),
                             run_on_postgresql(NEW_TRIGGER[1], OLD_TRIGGER[0])),
    ]
