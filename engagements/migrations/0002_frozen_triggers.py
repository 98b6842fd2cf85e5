"""On PostgreSQL: the functions of the frozen-record triggers, and the triggers on the
records of clauses 5 and 6 (engagements.freezing)."""

from django.db import migrations

from engagements.freezing import (
    DROP_FUNCTIONS_SQL,
    FUNCTIONS_SQL,
    condition_trigger,
    run_on_postgresql,
    stage_trigger,
    trigger_operation,
)

TRIGGERS = [
    stage_trigger("engagements_needsassessment", "needs_analysis"),
    stage_trigger("engagements_sitevisit", "communication"),
    stage_trigger("engagements_communicationrecord", "communication"),
    stage_trigger("engagements_exchangerecord", "communication"),
    stage_trigger("engagements_projectframework", "communication"),
    # 6.4: a confirmed version is never changed; a change is a new version.
    condition_trigger("engagements_projectframework", "frozen_confirmed", "UPDATE OR DELETE",
                      "OLD.confirmed_on IS NOT NULL",
                      "a framework version the client confirmed is not changed"),
]


class Migration(migrations.Migration):

    dependencies = [("engagements", "0001_initial")]

    operations = [
        migrations.RunPython(run_on_postgresql(FUNCTIONS_SQL), run_on_postgresql(DROP_FUNCTIONS_SQL)),
        trigger_operation(TRIGGERS),
    ]
