"""On PostgreSQL: row-level security on the chat group robots (consultancy.tenancy.rls);
nothing on SQLite."""

from django.db import migrations

from consultancy.tenancy.rls import FirmRowLevelSecurity


class Migration(migrations.Migration):

    dependencies = [("notifications", "0003_chat_webhook"), ("tenancy", "0004_row_level_security")]

    operations = [
        FirmRowLevelSecurity("chatwebhook"),
    ]
