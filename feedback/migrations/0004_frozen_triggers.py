"""On PostgreSQL: the triggers that freeze the evaluation records once the engagement has
left evaluation, a recorded verdict of the client always, and the follow-up records (9.1,
9.2) once it is closed (engagements.freezing)."""

from django.db import migrations

from engagements.freezing import (
    FROZEN_SQLSTATE,
    condition_trigger,
    run_on_postgresql,
    stage_trigger,
    trigger_operation,
)

# An objective of an outcome review whose engagement has left evaluation.
OBJECTIVE_FUNCTION = f"""
CREATE OR REPLACE FUNCTION feedback_refuse_passed_review() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF NOT engagements_frozen_unlocked() AND EXISTS (
      SELECT 1 FROM feedback_outcomereview r WHERE r.id = OLD.review_id
      AND engagements_has_passed(r.engagement_id, 'evaluation')) THEN
    RAISE EXCEPTION 'frozen record: % row %: the evaluation stage is passed', TG_TABLE_NAME,
      OLD.id USING ERRCODE = '{FROZEN_SQLSTATE}';
  END IF;
  IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
  RETURN NEW;
END
$$;
"""

TRIGGERS = [
    stage_trigger("feedback_clientacceptance", "evaluation"),
    stage_trigger("feedback_outcomereview", "evaluation"),
    stage_trigger("feedback_followupguidance", "follow_up"),
    stage_trigger("feedback_followupvisit", "follow_up"),
    condition_trigger("feedback_clientacceptance", "frozen_verdict", "UPDATE OR DELETE", "",
                      "a recorded verdict of the client is not changed"),
    ("CREATE TRIGGER feedback_objectivereview_frozen_stage BEFORE UPDATE OR DELETE ON "
     "feedback_objectivereview FOR EACH ROW EXECUTE FUNCTION feedback_refuse_passed_review();",
     "DROP TRIGGER IF EXISTS feedback_objectivereview_frozen_stage ON feedback_objectivereview;"),
]


class Migration(migrations.Migration):

    dependencies = [("feedback", "0003_alter_feedbacksettings_working_days_and_more"),
                    ("engagements", "0002_frozen_triggers")]

    operations = [
        migrations.RunPython(run_on_postgresql(OBJECTIVE_FUNCTION),
                             run_on_postgresql("DROP FUNCTION IF EXISTS feedback_refuse_passed_review();")),
        trigger_operation(TRIGGERS),
    ]
