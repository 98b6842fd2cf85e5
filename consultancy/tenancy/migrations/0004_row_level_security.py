"""On PostgreSQL: the functions the row-level security policies call, the policy of every
table of this app with a firm, and the log-in lookup (consultancy.tenancy.rls); nothing
on SQLite."""

from django.db import migrations

from consultancy.tenancy.rls import CreateFirmLookup, CreateRLSFunctions, FirmRowLevelSecurity


class Migration(migrations.Migration):

    dependencies = [("tenancy", "0003_submission_token")]

    operations = [
        CreateRLSFunctions(),
        FirmRowLevelSecurity("historicaluser", own_row_column="id"),
        FirmRowLevelSecurity("user", own_row_column="id"),
        FirmRowLevelSecurity("historicalqualification"),
        FirmRowLevelSecurity("qualification"),
        FirmRowLevelSecurity("submissiontoken"),
        # Log-in and password reset find a user by e-mail before the firm is known.
        CreateFirmLookup("tenancy_user_by_email", "user", "email", case_insensitive=True),
    ]
