"""Django's zh_Hans formats, with amounts grouped by thousands as Chinese financial
documents write them (158,000.00), not Django's default of no separator."""

from django.conf.locale.zh_Hans.formats import *  # noqa: F401,F403

THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
