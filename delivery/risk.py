"""Risk assessment methods of the risk identification register (clause 8.4): LEC and LS,
the four risk levels (重大风险/较大风险/一般风险/低风险 = red/orange/yellow/blue), the
accident types of GB 6441 and the control levels (公司/车间/班组/岗位).

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
    # Named the same way everywhere: 重大风险 / 较大风险 / 一般风险 / 低风险.
    MAJOR = "major", _("Major risk (red)")
    LARGE = "large", _("Significant risk (orange)")
    GENERAL = "general", _("General risk (yellow)")
    LOW = "low", _("Low risk (blue)")


#: The levels whose risks need control measures with a person responsible and a due date
#: (8.4: 重大风险 and 较大风险).
LEVELS_NEEDING_MEASURES = ("major", "large")


class AccidentType(models.TextChoices):
    """The 20 accident types of GB 6441-1986 《企业职工伤亡事故分类》."""

    STRUCK_BY_OBJECT = "struck_by_object", _("Struck by an object (物体打击)")
    VEHICLE = "vehicle", _("Vehicle injury (车辆伤害)")
    MACHINERY = "machinery", _("Machinery injury (机械伤害)")
    LIFTING = "lifting", _("Lifting injury (起重伤害)")
    ELECTRIC_SHOCK = "electric_shock", _("Electric shock (触电)")
    DROWNING = "drowning", _("Drowning (淹溺)")
    BURNS = "burns", _("Burns and scalds (灼烫)")
    FIRE = "fire", _("Fire (火灾)")
    FALL_FROM_HEIGHT = "fall_from_height", _("Fall from height (高处坠落)")
    COLLAPSE = "collapse", _("Collapse (坍塌)")
    ROOF_FALL = "roof_fall", _("Roof fall and rib spalling (冒顶片帮)")
    WATER_INRUSH = "water_inrush", _("Water inrush (透水)")
    BLASTING = "blasting", _("Blasting (放炮)")
    EXPLOSIVES = "explosives", _("Explosion of explosives (火药爆炸)")
    GAS_EXPLOSION = "gas_explosion", _("Firedamp explosion (瓦斯爆炸)")
    BOILER_EXPLOSION = "boiler_explosion", _("Boiler explosion (锅炉爆炸)")
    VESSEL_EXPLOSION = "vessel_explosion", _("Pressure vessel explosion (容器爆炸)")
    OTHER_EXPLOSION = "other_explosion", _("Other explosion (其它爆炸)")
    POISONING = "poisoning", _("Poisoning and asphyxiation (中毒和窒息)")
    OTHER_INJURY = "other_injury", _("Other injury (其它伤害)")


class ControlLevel(models.TextChoices):
    """Who controls the risk (分级管控): the company, the workshop, the team or the post."""

    COMPANY = "company", _("Company (公司)")
    WORKSHOP = "workshop", _("Workshop (车间)")
    TEAM = "team", _("Team (班组)")
    POST = "post", _("Post (岗位)")


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
    Level.MAJOR: lambda: pgettext("risk level", "Major risk"),
    Level.LARGE: lambda: pgettext("risk level", "Significant risk"),
    Level.GENERAL: lambda: pgettext("risk level", "General risk"),
    Level.LOW: lambda: pgettext("risk level", "Low risk"),
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
