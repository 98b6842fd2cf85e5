"""On PostgreSQL: row-level security on the calendar links (consultancy.tenancy.rls), and
the one lookup the feed makes before it knows the firm; nothing on SQLite."""

from django.db import migrations

from consultancy.tenancy.rls import CreateFirmLookup, FirmRowLevelSecurity


class Migration(migrations.Migration):

    dependencies = [("agenda", "0001_initial"), ("tenancy", "0004_row_level_security")]

    operations = [
        FirmRowLevelSecurity("calendarfeed"),
        # The feed (/calendar/feed/<token>.ics, no log-in) finds its row by the token's
        # hash before the firm is known.
        CreateFirmLookup("agenda_calendar_feed_by_token", "calendarfeed", "token_hash"),
    ]
