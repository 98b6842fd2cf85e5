"""Charts drawn on the server as plain SVG: no script, no external reference, so the same
string goes inline into a page, into an ``<img>`` response and into a WeasyPrint PDF.

Four shapes cover what the product draws: vertical bars (:func:`bar_chart`), horizontal
bars with long labels (:func:`hbar_chart`), lines over periods (:func:`line_chart`) and
counts per level in the levels' own colours (:func:`level_chart`, the risk register).
Every label and title is escaped here; callers may ``mark_safe`` the result.
Each chart carries ``data-*`` attributes with its numbers so that tests can read them back.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from xml.sax.saxutils import escape, quoteattr

FONT = ("system-ui, -apple-system, 'Noto Sans CJK SC', 'PingFang SC', 'Microsoft YaHei', "
        "sans-serif")
PALETTE = ("#0d6efd", "#198754", "#fd7e14", "#6f42c1", "#dc3545", "#20c997", "#6c757d",
           "#ffc107")
AXIS = "#adb5bd"
INK = "#212529"
MUTED = "#495057"


@dataclass(frozen=True)
class Bar:
    label: str
    value: float | int | Decimal | None
    colour: str | None = None
    note: str = ""  # shown after the value, e.g. "(12)" for a count behind an average


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[float | int | Decimal | None]  # one per label; None = no data
    colour: str | None = None


def _num(value) -> str:
    if value is None:
        return "–"
    if isinstance(value, int):
        return str(value)
    value = float(value)
    return str(int(value)) if value.is_integer() else f"{value:.2f}".rstrip("0").rstrip(".")


def _open(width, height, title, css_class, extra=""):
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" class="chart {css_class}" '
        f'aria-label={quoteattr(str(title))} font-family={quoteattr(FONT)} font-size="12"'
        f"{extra}>",
        f"<title>{escape(str(title))}</title>",
    ]


def _empty(parts, width, height, empty_text):
    parts.append(f'<text x="{width / 2}" y="{height / 2}" text-anchor="middle" '
                 f'fill="{MUTED}" class="empty">{escape(str(empty_text))}</text></svg>')
    return "".join(parts)


def bar_chart(bars: Sequence[Bar], *, title, maximum=None, width=520, height=240,
              empty_text="No data", css_class="bar-chart") -> str:
    """Vertical bars, value above each bar, label below. ``maximum`` fixes the scale
    (e.g. 5 for a 1–5 score); otherwise the highest value sets it."""
    top, bottom, left, right = 24, 44, 8, 8
    plot_h = height - top - bottom
    parts = _open(width, height, title, css_class)
    values = [float(b.value) for b in bars if b.value is not None]
    if not bars or not values:
        return _empty(parts, width, height, empty_text)
    peak = float(maximum) if maximum else max([*values, 1])
    slot = (width - left - right) / len(bars)
    bar_w = min(slot * 0.6, 64)
    parts.append(f'<line x1="{left}" y1="{top + plot_h}" x2="{width - right}" '
                 f'y2="{top + plot_h}" stroke="{AXIS}" stroke-width="1"/>')
    for i, bar in enumerate(bars):
        v = 0.0 if bar.value is None else float(bar.value)
        h = round(plot_h * min(v, peak) / peak, 1) if peak else 0
        x = round(left + i * slot + (slot - bar_w) / 2, 1)
        y = round(top + plot_h - h, 1)
        cx = round(left + i * slot + slot / 2, 1)
        colour = bar.colour or PALETTE[i % len(PALETTE)]
        label = escape(str(bar.label))
        shown = _num(bar.value) + (f" {bar.note}" if bar.note else "")
        parts.append(
            f'<g class="bar" data-label={quoteattr(str(bar.label))} '
            f'data-value="{_num(bar.value)}"><title>{label}: {escape(shown)}</title>'
            f'<rect x="{x}" y="{y}" width="{round(bar_w, 1)}" height="{h}" rx="3" '
            f'fill="{colour}"/>'
            f'<text x="{cx}" y="{y - 6}" text-anchor="middle" font-weight="600" '
            f'fill="{INK}">{escape(shown)}</text>'
            f'<text x="{cx}" y="{top + plot_h + 18}" text-anchor="middle" '
            f'fill="{MUTED}">{label}</text></g>')
    parts.append("</svg>")
    return "".join(parts)


def hbar_chart(bars: Sequence[Bar], *, title, maximum=None, width=520, row=26,
               label_width=170, empty_text="No data", css_class="hbar-chart") -> str:
    """Horizontal bars, one row each: label on the left, value at the bar's end. Suits long
    labels (question texts, consultants' names)."""
    top, bottom, right = 8, 8, 56
    height = top + bottom + max(len(bars), 1) * row
    parts = _open(width, height, title, css_class)
    values = [float(b.value) for b in bars if b.value is not None]
    if not bars or not values:
        return _empty(parts, width, height, empty_text)
    peak = float(maximum) if maximum else max([*values, 1])
    plot_w = width - label_width - right
    parts.append(f'<line x1="{label_width}" y1="{top}" x2="{label_width}" '
                 f'y2="{height - bottom}" stroke="{AXIS}" stroke-width="1"/>')
    for i, bar in enumerate(bars):
        v = 0.0 if bar.value is None else float(bar.value)
        w = round(plot_w * min(v, peak) / peak, 1) if peak else 0
        y = top + i * row
        colour = bar.colour or PALETTE[i % len(PALETTE)]
        label = str(bar.label)
        short = label if len(label) <= 14 else label[:13] + "…"
        shown = _num(bar.value) + (f" {bar.note}" if bar.note else "")
        parts.append(
            f'<g class="bar" data-label={quoteattr(label)} data-value="{_num(bar.value)}">'
            f"<title>{escape(label)}: {escape(shown)}</title>"
            f'<text x="{label_width - 6}" y="{y + row / 2 + 4}" text-anchor="end" '
            f'fill="{MUTED}">{escape(short)}</text>'
            f'<rect x="{label_width}" y="{y + 4}" width="{w}" height="{row - 8}" rx="3" '
            f'fill="{colour}"/>'
            f'<text x="{label_width + w + 4}" y="{y + row / 2 + 4}" font-weight="600" '
            f'fill="{INK}">{escape(shown)}</text></g>')
    parts.append("</svg>")
    return "".join(parts)


def line_chart(labels: Sequence[str], series: Sequence[Series], *, title, minimum=0,
               maximum=None, width=560, height=260, empty_text="No data",
               css_class="line-chart") -> str:
    """One line per series over ``labels`` (periods), a dot and value at each point, gaps
    where a value is None, a legend when there is more than one series."""
    top, bottom, left, right = 20, 52 if len(series) > 1 else 36, 36, 30
    plot_h = height - top - bottom
    parts = _open(width, height, title, css_class)
    values = [float(v) for s in series for v in s.values if v is not None]
    if not labels or not values:
        return _empty(parts, width, height, empty_text)
    high = float(maximum) if maximum is not None else max(values)
    low = float(minimum) if minimum is not None else min(values)
    if high <= low:
        high = low + 1
    step = (width - left - right) / max(len(labels) - 1, 1)

    def xy(i, v):
        x = left + (i * step if len(labels) > 1 else (width - left - right) / 2)
        y = top + plot_h - plot_h * (float(v) - low) / (high - low)
        return round(x, 1), round(y, 1)

    for tick in (low, (low + high) / 2, high):
        _, y = xy(0, tick)
        parts.append(f'<line x1="{left}" y1="{y}" x2="{width - right}" y2="{y}" '
                     f'stroke="#e9ecef" stroke-width="1"/>'
                     f'<text x="{left - 4}" y="{y + 4}" text-anchor="end" fill="{MUTED}" '
                     f'font-size="10">{_num(round(tick, 2))}</text>')
    every = max(1, len(labels) // 12)
    for i, label in enumerate(labels):
        if i % every == 0 or i == len(labels) - 1:
            x, _ = xy(i, low)
            parts.append(f'<text x="{x}" y="{top + plot_h + 16}" text-anchor="middle" '
                         f'fill="{MUTED}" font-size="10">{escape(str(label))}</text>')
    for n, s in enumerate(series):
        colour = s.colour or PALETTE[n % len(PALETTE)]
        parts.append(f'<g class="series" data-name={quoteattr(str(s.name))} '
                     f'data-values={quoteattr(",".join(_num(v) for v in s.values))}>')
        run: list[tuple[float, float]] = []
        runs = []
        for i, v in enumerate(s.values):
            if v is None:
                if run:
                    runs.append(run)
                run = []
                continue
            run.append(xy(i, v))
        if run:
            runs.append(run)
        for points in runs:
            if len(points) > 1:
                path = " ".join(f"{x},{y}" for x, y in points)
                parts.append(f'<polyline points="{path}" fill="none" stroke="{colour}" '
                             'stroke-width="2"/>')
        for i, v in enumerate(s.values):
            if v is None:
                continue
            x, y = xy(i, v)
            parts.append(f'<circle cx="{x}" cy="{y}" r="3" fill="{colour}">'
                         f"<title>{escape(str(labels[i]))}: {_num(v)}</title></circle>")
        parts.append("</g>")
    if len(series) > 1:
        x = left
        for n, s in enumerate(series):
            colour = s.colour or PALETTE[n % len(PALETTE)]
            parts.append(f'<rect x="{x}" y="{height - 16}" width="10" height="10" '
                         f'fill="{colour}"/><text x="{x + 14}" y="{height - 7}" '
                         f'fill="{MUTED}">{escape(str(s.name))}</text>')
            x += 24 + 12 * len(str(s.name))
    parts.append("</svg>")
    return "".join(parts)


def level_chart(levels: Sequence[tuple[str, str, str, int]], *, title, width=360,
                height=220, css_class="risk-chart") -> str:
    """A count per level, ``(key, label, colour, count)`` in order: one bar each in the
    level's colour, its count above and its name below. Every level keeps its slot, an
    empty one too, so the levels always stand in the same place. Each bar carries
    ``data-level`` and ``data-count``."""
    top, bottom, left, right = 28, 40, 12, 12
    plot_h = height - top - bottom
    slot = (width - left - right) / max(len(levels), 1)
    bar_w = slot * 0.6
    peak = max([*(n for *_rest, n in levels), 1])
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" class="{css_class}" '
        f'aria-label={quoteattr(str(title))} font-family={quoteattr(FONT)} font-size="13">',
        f"<title>{escape(str(title))}</title>",
        f'<line x1="{left}" y1="{top + plot_h}" x2="{width - right}" y2="{top + plot_h}" '
        f'stroke="{AXIS}" stroke-width="1"/>',
    ]
    for i, (key, name, colour, n) in enumerate(levels):
        h = round(plot_h * n / peak, 1)
        x = round(left + i * slot + (slot - bar_w) / 2, 1)
        y = round(top + plot_h - h, 1)
        cx = round(left + i * slot + slot / 2, 1)
        label = escape(str(name))
        parts.append(
            f'<g class="bar" data-level={quoteattr(str(key))} data-count="{int(n)}">'
            f"<title>{label}: {int(n)}</title>"
            f'<rect x="{x}" y="{y}" width="{round(bar_w, 1)}" height="{h}" rx="3" '
            f'fill={quoteattr(colour)}/>'
            f'<text x="{cx}" y="{y - 6}" text-anchor="middle" font-weight="600" '
            f'fill="{INK}" class="count">{int(n)}</text>'
            f'<text x="{cx}" y="{top + plot_h + 22}" text-anchor="middle" '
            f'fill="{MUTED}">{label}</text></g>'
        )
    parts.append("</svg>")
    return "".join(parts)
