"""On PostgreSQL: row-level security on every table of this app with a firm
(consultancy.tenancy.rls); nothing on SQLite."""

from django.db import migrations

from consultancy.tenancy.rls import FirmRowLevelSecurity


class Migration(migrations.Migration):

    dependencies = [("delivery", "0006_delivery_acknowledged_fingerprint"), ("tenancy", "0004_row_level_security")]

    operations = [
        FirmRowLevelSecurity("historicalsiteresearch"),
        FirmRowLevelSecurity("siteresearch"),
        FirmRowLevelSecurity("researchattachment"),
        FirmRowLevelSecurity("historicalresourceresearch"),
        FirmRowLevelSecurity("resourceresearch"),
        FirmRowLevelSecurity("historicalteammember"),
        FirmRowLevelSecurity("teammember"),
        FirmRowLevelSecurity("historicalconsultingplan"),
        FirmRowLevelSecurity("consultingplan"),
        FirmRowLevelSecurity("planmilestone"),
        FirmRowLevelSecurity("historicalguidancelog"),
        FirmRowLevelSecurity("guidancelog"),
        FirmRowLevelSecurity("risksettings"),
        FirmRowLevelSecurity("historicalriskitem"),
        FirmRowLevelSecurity("riskitem"),
        FirmRowLevelSecurity("historicalprogressreport"),
        FirmRowLevelSecurity("progressreport"),
        FirmRowLevelSecurity("historicalprojectdocument"),
        FirmRowLevelSecurity("projectdocument"),
        FirmRowLevelSecurity("documentversion"),
        FirmRowLevelSecurity("historicaldocumentdelivery"),
        FirmRowLevelSecurity("documentdelivery"),
    ]
