"""Seed the public holidays and make-up working days of 2004–2026 from the State
Council's published schedules (``consultancy/workdays/data/cn_holidays.json``, copied
from the chinesecalendar package; nothing calls that package at run time). Later years
are added by the platform operator in the admin."""

import json
from pathlib import Path

from django.db import migrations

DATA = Path(__file__).resolve().parent.parent / "data" / "cn_holidays.json"


def seed(apps, schema_editor):
    CalendarDay = apps.get_model("workdays", "CalendarDay")
    known = {d.isoformat() for d in CalendarDay.objects.values_list("date", flat=True)}
    rows = json.loads(DATA.read_text(encoding="utf-8"))["days"]
    CalendarDay.objects.bulk_create([
        CalendarDay(date=r["date"], kind=r["kind"], name=r["name"])
        for r in rows if r["date"] not in known
    ])


def unseed(apps, schema_editor):
    CalendarDay = apps.get_model("workdays", "CalendarDay")
    dates = [r["date"] for r in json.loads(DATA.read_text(encoding="utf-8"))["days"]]
    CalendarDay.objects.filter(date__in=dates).delete()


class Migration(migrations.Migration):
    dependencies = [("workdays", "0001_calendar_day")]
    operations = [migrations.RunPython(seed, unseed)]
