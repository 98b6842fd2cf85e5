"""What the pages of clause 8.4's risk register share with the other faces (the
portal, the dossier PDF): the levels' short names and colours, and the risk chart."""

from xml.sax.saxutils import escape

from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from . import risk

LEVEL_SHORT = {
    risk.Level.MAJOR: lambda: pgettext("risk level", "Major"),
    risk.Level.LARGE: lambda: pgettext("risk level", "Large"),
    risk.Level.GENERAL: lambda: pgettext("risk level", "General"),
    risk.Level.LOW: lambda: pgettext("risk level", "Low"),
}
# Text on the yellow bar/badge reads better dark.
LEVEL_TEXT = {"major": "#fff", "large": "#fff", "general": "#212529", "low": "#fff"}


def risk_chart_svg(counts: dict) -> str:
    """A bar chart of ``{level: count}`` (major → low), one coloured bar per level with its
    count above it and the level's name below: plain SVG, no script, usable inline, as an
    ``<img>``, or in a PDF."""
    width, height = 360, 220
    top, bottom, left, right = 28, 40, 12, 12
    plot_h = height - top - bottom
    slot = (width - left - right) / len(risk.LEVEL_ORDER)
    bar_w = slot * 0.6
    peak = max([*counts.values(), 1])
    total = sum(counts.values())
    title = _("Risks by level: %(total)d in all") % {"total": total}
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" class="risk-chart" '
        f'aria-label="{escape(title, {chr(34): "&quot;"})}" '
        'font-family="system-ui, -apple-system, \'Noto Sans CJK SC\', \'PingFang SC\', '
        '\'Microsoft YaHei\', sans-serif" font-size="13">',
        f"<title>{escape(title)}</title>",
        f'<line x1="{left}" y1="{top + plot_h}" x2="{width - right}" y2="{top + plot_h}" '
        'stroke="#adb5bd" stroke-width="1"/>',
    ]
    for i, level in enumerate(risk.LEVEL_ORDER):
        n = counts.get(level, 0)
        h = round(plot_h * n / peak, 1)
        x = round(left + i * slot + (slot - bar_w) / 2, 1)
        y = round(top + plot_h - h, 1)
        cx = round(left + i * slot + slot / 2, 1)
        label = escape(LEVEL_SHORT[level]())
        parts.append(
            f'<g class="bar" data-level="{level}" data-count="{n}">'
            f"<title>{label}: {n}</title>"
            f'<rect x="{x}" y="{y}" width="{round(bar_w, 1)}" height="{h}" rx="3" '
            f'fill="{risk.LEVEL_COLOURS[level]}"/>'
            f'<text x="{cx}" y="{y - 6}" text-anchor="middle" font-weight="600" '
            f'fill="#212529" class="count">{n}</text>'
            f'<text x="{cx}" y="{top + plot_h + 22}" text-anchor="middle" '
            f'fill="#495057">{label}</text></g>'
        )
    parts.append("</svg>")
    return "".join(parts)


def level_rows(counts):
    """The four levels (major → low) with their count, name and colours."""
    return [{"level": level, "label": LEVEL_SHORT[level](), "count": counts[level],
             "colour": risk.LEVEL_COLOURS[level], "text": LEVEL_TEXT[level]}
            for level in risk.LEVEL_ORDER]
