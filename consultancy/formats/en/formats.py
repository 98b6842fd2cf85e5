"""Django's English formats with one date format throughout: 2 Dec 2026 (and 2 Dec 2026,
14:30 with the time), in lists, pages and mails alike."""

from django.conf.locale.en.formats import *  # noqa: F401,F403

DATE_FORMAT = "j M Y"
SHORT_DATE_FORMAT = "j M Y"
DATETIME_FORMAT = "j M Y, H:i"
SHORT_DATETIME_FORMAT = "j M Y, H:i"
