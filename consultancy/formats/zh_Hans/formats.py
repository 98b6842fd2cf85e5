"""Django's zh_Hans formats, with amounts grouped by thousands as Chinese financial
documents write them (158,000.00), not Django's default of no separator, and one date
format throughout: 2026年12月2日 (2026年12月2日 14:30 with the time)."""

from django.conf.locale.zh_Hans.formats import *  # noqa: F401,F403

THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
DATE_FORMAT = "Y年n月j日"
SHORT_DATE_FORMAT = "Y年n月j日"
DATETIME_FORMAT = "Y年n月j日 H:i"
SHORT_DATETIME_FORMAT = "Y年n月j日 H:i"
