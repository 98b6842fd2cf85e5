"""On PostgreSQL: a verified and closed hidden danger is frozen in the database too
(engagements.freezing), whatever sends the change (raw SQL, psql, another program): no
UPDATE or DELETE of the closed row, nor of its steps and photos. The model's save() and
delete() and the queryset guard refuse the same on every database; the one escape is
``engagements.freezing.frozen_records_unlocked(reason)``."""

from django.db import migrations

from engagements.freezing import (
    FROZEN_SQLSTATE,
    condition_trigger,
    run_on_postgresql,
    trigger_operation,
)

# A step or photo of a closed hidden danger.
PART_FUNCTION = f"""
CREATE OR REPLACE FUNCTION hazards_refuse_closed_part() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF NOT engagements_frozen_unlocked() AND EXISTS (
      SELECT 1 FROM hazards_hiddendanger d WHERE d.id = OLD.danger_id AND d.state = 'closed') THEN
    RAISE EXCEPTION 'frozen record: % row %: its hidden danger is verified and closed',
      TG_TABLE_NAME, OLD.id USING ERRCODE = '{FROZEN_SQLSTATE}';
  END IF;
  IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
  RETURN NEW;
END
$$;
"""


def part_trigger(table):
    return (f"CREATE TRIGGER {table}_frozen_closed BEFORE UPDATE OR DELETE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION hazards_refuse_closed_part();",
            f"DROP TRIGGER IF EXISTS {table}_frozen_closed ON {table};")


TRIGGERS = [
    condition_trigger("hazards_hiddendanger", "frozen_closed", "UPDATE OR DELETE",
                      "OLD.state = 'closed'",
                      "a verified and closed hidden danger is not changed"),
    part_trigger("hazards_hiddendangerstep"),
    part_trigger("hazards_hiddendangerphoto"),
]


class Migration(migrations.Migration):

    dependencies = [("hazards", "0004_acknowledgement_in_working_days"),
                    ("engagements", "0002_frozen_triggers")]

    operations = [
        migrations.RunPython(
            run_on_postgresql(PART_FUNCTION),
            run_on_postgresql("DROP FUNCTION IF EXISTS hazards_refuse_closed_part();")),
        trigger_operation(TRIGGERS),
    ]
