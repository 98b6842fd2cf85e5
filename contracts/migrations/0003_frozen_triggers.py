"""On PostgreSQL: the triggers that freeze an issued or signed contract (clause 7) and the
content rows of an issued one (engagements.freezing)."""

from django.db import migrations

from engagements.freezing import FROZEN_SQLSTATE, changed, condition_trigger, run_on_postgresql, trigger_operation

CONTENT = ["clause_objectives", "clause_scope", "clause_delivery_method", "clause_period",
           "clause_payment", "clause_confidentiality", "clause_breach", "clause_personnel",
           "clause_liability", "clause_complaints", "clause_compensation", "fee", "start_date",
           "end_date", "guidance_period_days", "follow_up_visits"]
SIGNATURE = ["firm_signatory_id", "firm_signed_on", "client_signatory", "client_signed_on",
             "signed_copy", "signed_copy_sha256"]

# A deliverable or payment of a contract that left the draft.
PART_FUNCTION = f"""
CREATE OR REPLACE FUNCTION contracts_refuse_issued_part() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF NOT engagements_frozen_unlocked() AND EXISTS (
      SELECT 1 FROM contracts_contract c WHERE c.id = OLD.contract_id AND c.status <> 'draft') THEN
    RAISE EXCEPTION 'frozen record: % row %: its contract is issued', TG_TABLE_NAME, OLD.id
      USING ERRCODE = '{FROZEN_SQLSTATE}';
  END IF;
  IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
  RETURN NEW;
END
$$;
"""


def part_trigger(table):
    return (f"CREATE TRIGGER {table}_frozen_issued BEFORE UPDATE OR DELETE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION contracts_refuse_issued_part();",
            f"DROP TRIGGER IF EXISTS {table}_frozen_issued ON {table};")


TRIGGERS = [
    condition_trigger("contracts_contract", "frozen_content", "UPDATE",
                      f"OLD.status <> 'draft' AND ({changed(*CONTENT)})",
                      "an issued or signed contract is not edited; a change after signing "
                      "is an amendment"),
    condition_trigger("contracts_contract", "frozen_signature", "UPDATE",
                      f"OLD.status IN ('signed', 'terminated') AND ({changed(*SIGNATURE)})",
                      "the signature of a signed contract is not changed"),
    condition_trigger("contracts_contract", "frozen_delete", "DELETE",
                      "OLD.status <> 'draft'", "only a draft contract is deleted"),
    part_trigger("contracts_deliverable"),
    part_trigger("contracts_paymentinstallment"),
]


class Migration(migrations.Migration):

    dependencies = [("contracts", "0002_signed_copy_content_type"),
                    ("engagements", "0002_frozen_triggers")]

    operations = [
        migrations.RunPython(run_on_postgresql(PART_FUNCTION),
                             run_on_postgresql("DROP FUNCTION IF EXISTS contracts_refuse_issued_part();")),
        trigger_operation(TRIGGERS),
    ]
