"""The days on which China's statutory calendar departs from "Monday to Friday".

Each year the State Council publishes the holiday schedule (国务院办公厅关于节假日安排的
通知): the public holidays, and the Saturdays or Sundays that become working days to make
up for them (调休). A row is one such day; every other day is a working day from Monday to
Friday. The schedule is national, not a firm's: the platform operator keeps it in the
admin for the years after those seeded by the migrations.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class CalendarDay(models.Model):
    class Kind(models.TextChoices):
        HOLIDAY = "holiday", _("public holiday (no work)")
        WORKDAY = "workday", _("make-up working day (调休)")

    date = models.DateField(_("date"), unique=True)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    name = models.CharField(_("holiday"), max_length=60,
                            help_text=_("The holiday it belongs to, e.g. 国庆节."))

    history = HistoricalRecords()

    class Meta:
        ordering = ["date"]
        verbose_name = _("calendar day")
        verbose_name_plural = _("calendar days (public holidays and make-up working days)")

    def __str__(self):
        return f"{self.date:%Y-%m-%d} {self.name} ({self.get_kind_display()})"
