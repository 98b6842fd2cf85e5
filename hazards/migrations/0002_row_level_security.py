"""On PostgreSQL: row-level security on every table of this app with a firm
(consultancy.tenancy.rls); nothing on SQLite."""

from django.db import migrations

from consultancy.tenancy.rls import FirmRowLevelSecurity


class Migration(migrations.Migration):

    dependencies = [("hazards", "0001_initial"), ("tenancy", "0004_row_level_security")]

    operations = [
        FirmRowLevelSecurity("majorhazardcriterion"),
        FirmRowLevelSecurity("hiddendanger"),
        FirmRowLevelSecurity("hiddendangerstep"),
        FirmRowLevelSecurity("hiddendangerphoto"),
    ]
