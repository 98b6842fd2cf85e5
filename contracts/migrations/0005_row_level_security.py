"""On PostgreSQL: row-level security on every table of this app with a firm
(consultancy.tenancy.rls); nothing on SQLite."""

from django.db import migrations

from consultancy.tenancy.rls import FirmRowLevelSecurity


class Migration(migrations.Migration):

    dependencies = [("contracts", "0004_complaint_time_limits"), ("tenancy", "0004_row_level_security")]

    operations = [
        FirmRowLevelSecurity("historicalcontracttemplate"),
        FirmRowLevelSecurity("contracttemplate"),
        FirmRowLevelSecurity("historicalcontract"),
        FirmRowLevelSecurity("contract"),
        FirmRowLevelSecurity("historicaldeliverable"),
        FirmRowLevelSecurity("deliverable"),
        FirmRowLevelSecurity("historicalpaymentinstallment"),
        FirmRowLevelSecurity("paymentinstallment"),
    ]
