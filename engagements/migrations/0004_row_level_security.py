"""On PostgreSQL: row-level security on every table of this app with a firm
(consultancy.tenancy.rls); nothing on SQLite."""

from django.db import migrations

from consultancy.tenancy.rls import FirmRowLevelSecurity


class Migration(migrations.Migration):

    dependencies = [("engagements", "0003_framework_confirmed_fingerprint"), ("tenancy", "0004_row_level_security")]

    operations = [
        FirmRowLevelSecurity("historicalengagement"),
        FirmRowLevelSecurity("engagement"),
        FirmRowLevelSecurity("stagetransition"),
        FirmRowLevelSecurity("historicalneedsassessment"),
        FirmRowLevelSecurity("needsassessment"),
        FirmRowLevelSecurity("historicalsitevisit"),
        FirmRowLevelSecurity("sitevisit"),
        FirmRowLevelSecurity("historicalcommunicationrecord"),
        FirmRowLevelSecurity("communicationrecord"),
        FirmRowLevelSecurity("historicalexchangerecord"),
        FirmRowLevelSecurity("exchangerecord"),
        FirmRowLevelSecurity("historicalprojectframework"),
        FirmRowLevelSecurity("projectframework"),
    ]
