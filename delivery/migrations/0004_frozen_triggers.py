"""On PostgreSQL: the triggers that freeze the records of clause 8 once the engagement has
left the service stage, and an approved plan version's content (engagements.freezing)."""

from django.db import migrations

from engagements.freezing import changed, condition_trigger, stage_trigger, trigger_operation

PLAN_CONTENT = ["division_of_work", "schedule", "client_cooperation", "anomaly_channel",
                "emergency_handling", "training_plan", "training_not_applicable",
                "training_na_reason", "other", "change_reason"]

TRIGGERS = [
    stage_trigger(table, "delivery")
    for table in ["delivery_siteresearch", "delivery_resourceresearch", "delivery_teammember",
                  "delivery_guidancelog", "delivery_riskitem", "delivery_progressreport",
                  "delivery_projectdocument"]
] + [
    # A plan version opened after delivery (9.3) belongs to follow-up.
    stage_trigger("delivery_consultingplan", "delivery", when="NOT OLD.after_delivery"),
    stage_trigger("delivery_consultingplan", "follow_up", name="frozen_stage_after_delivery",
                  when="OLD.after_delivery"),
    # 8.3.1: an approved version's content is not edited; a change is a new version.
    condition_trigger("delivery_consultingplan", "frozen_approved", "UPDATE",
                      f"OLD.approved_on IS NOT NULL AND ({changed(*PLAN_CONTENT)})",
                      "an approved plan version is not edited; a change is a new version"),
]


class Migration(migrations.Migration):

    dependencies = [("delivery", "0003_file_content_type"),
                    ("engagements", "0002_frozen_triggers")]

    operations = [trigger_operation(TRIGGERS)]
