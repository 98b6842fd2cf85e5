"""On PostgreSQL: row-level security on every table of this app with a firm
(consultancy.tenancy.rls); nothing on SQLite.

A platform job (no firm: an operator's password reset) is seen only in the explicit
cross-firm mode, which the outbox's relay and sweep enter (``outbox.scope``)."""

from django.db import migrations

from consultancy.tenancy.rls import FirmRowLevelSecurity


class Migration(migrations.Migration):

    dependencies = [("outbox", "0001_initial"), ("tenancy", "0004_row_level_security")]

    operations = [
        FirmRowLevelSecurity("job"),
    ]
