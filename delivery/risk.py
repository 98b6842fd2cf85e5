"""Risk assessment methods of the risk identification register (clause 8.4): LEC and LS,
and the four risk levels (重大/较大/一般/低 = red/orange/yellow/blue).

A level is the highest one whose threshold the score is *above* (strictly): the usual
Chinese tables read "D > 320 重大, 160 < D ≤ 320 较大, 70 < D ≤ 160 一般, D ≤ 70 低" for
LEC and "R 20–25 重大, 15–16 较大, 9–12 一般, 1–8 低" for LS, which with integer L and S
is R > 16, > 12, > 8. The thresholds are a firm setting (``RiskSettings``)."""

from decimal import Decimal

from django.db import models
from django.utils.translation import gettext as gettext_now
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext

from consultancy.documents.charts import level_chart


class Method(models.TextChoices):
    LEC = "LEC", _("LEC (D = L × E × C)")
    LS = "LS", _("LS (R = L × S)")


class Level(models.TextChoices):
    MAJOR = "major", _("Major (重大, red)")
    LARGE = "large", _("Large (较大, orange)")
    GENERAL = "general", _("General (一般, yellow)")
    LOW = "low", _("Low (低, blue)")


LEVEL_COLOURS = {"major": "#d62728", "large": "#ff7f0e", "general": "#f2c500", "low": "#1f77b4"}
LEVEL_ORDER = ["major", "large", "general", "low"]

# The factor scales shown in the form (value, meaning).
LEC_L = [("10", _("10 — to be fully expected")), ("6", _("6 — quite possible")),
         ("3", _("3 — possible, but not often")), ("1", _("1 — unlikely, a pure accident")),
         ("0.5", _("0.5 — very unlikely, conceivable")), ("0.2", _("0.2 — extremely unlikely")),
         ("0.1", _("0.1 — practically impossible"))]
LEC_E = [("10", _("10 — continuous exposure")), ("6", _("6 — daily, in working hours")),
         ("3", _("3 — weekly or occasionally")), ("2", _("2 — monthly")),
         ("1", _("1 — a few times a year")), ("0.5", _("0.5 — very rarely"))]
LEC_C = [("100", _("100 — catastrophe, many deaths")), ("40", _("40 — disaster, several deaths")),
         ("15", _("15 — very serious, one death")), ("7", _("7 — serious injury")),
         ("3", _("3 — disabling injury")), ("1", _("1 — noticeable, first aid needed"))]
LS_L = [("5", _("5 — very likely")), ("4", _("4 — likely")), ("3", _("3 — possible")),
        ("2", _("2 — unlikely")), ("1", _("1 — very unlikely"))]
LS_S = [("5", _("5 — catastrophic")), ("4", _("4 — severe")), ("3", _("3 — considerable")),
        ("2", _("2 — minor")), ("1", _("1 — negligible"))]

DEFAULT_THRESHOLDS = {
    "LEC": (Decimal("320"), Decimal("160"), Decimal("70")),
    "LS": (Decimal("16"), Decimal("12"), Decimal("8")),
}


def score(method, likelihood, exposure=None, consequence=None, severity=None) -> Decimal:
    if method == Method.LEC:
        return Decimal(likelihood) * Decimal(exposure) * Decimal(consequence)
    return Decimal(likelihood) * Decimal(severity)


def level_for(value: Decimal, thresholds) -> str:
    """``thresholds`` = (major, large, general): the score must be above each."""
    major, large, general = thresholds
    if value > major:
        return Level.MAJOR
    if value > large:
        return Level.LARGE
    if value > general:
        return Level.GENERAL
    return Level.LOW


# -- how the levels are shown -------------------------------------------------------------

LEVEL_SHORT = {
    Level.MAJOR: lambda: pgettext("risk level", "Major"),
    Level.LARGE: lambda: pgettext("risk level", "Large"),
    Level.GENERAL: lambda: pgettext("risk level", "General"),
    Level.LOW: lambda: pgettext("risk level", "Low"),
}
# Text on the yellow bar/badge reads better dark.
LEVEL_TEXT = {"major": "#fff", "large": "#fff", "general": "#212529", "low": "#fff"}


def level_rows(counts: dict) -> list[dict]:
    """``{level: count}`` as the legend's rows, major → low."""
    return [{"level": level, "label": LEVEL_SHORT[level](), "count": counts[level],
             "colour": LEVEL_COLOURS[level], "text": LEVEL_TEXT[level]}
            for level in LEVEL_ORDER]


def risk_chart_svg(counts: dict) -> str:
    """The register's chart of risks by level (8.4): one bar per level, major → low."""
    total = sum(counts.values())
    return level_chart(
        [(level, LEVEL_SHORT[level](), LEVEL_COLOURS[level], counts.get(level, 0))
         for level in LEVEL_ORDER],
        title=gettext_now("Risks by level: %(total)d in all") % {"total": total},
    )
