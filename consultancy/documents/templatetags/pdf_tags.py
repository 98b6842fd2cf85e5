"""Template helpers for the PDF templates (``{% load pdf_tags %}``)."""

from django import template

register = template.Library()

DIGITS = "零一二三四五六七八九"
# Units inside a group of four digits, and the units of the groups themselves.
SMALL_UNITS = ("", "十", "百", "千")
BIG_UNITS = ("", "万", "亿", "万亿")


def _group(n: int) -> str:
    """0 < n < 10000, with the zeros a reader expects (一千零五, 一百一十)."""
    out = []
    zero = False
    for position in range(3, -1, -1):
        digit = n // 10**position % 10
        if digit == 0:
            zero = bool(out)
            continue
        if zero:
            out.append("零")
            zero = False
        out.append(DIGITS[digit] + SMALL_UNITS[position])
    return "".join(out)


def to_chinese_numeral(n: int) -> str:
    """An integer in Chinese numerals, as article numbers are written: 1 → 一, 10 → 十,
    11 → 十一, 20 → 二十, 105 → 一百零五, 10010 → 一万零一十."""
    n = int(n)
    if n < 0:
        return "负" + to_chinese_numeral(-n)
    if n == 0:
        return DIGITS[0]
    if n >= 10**16:
        raise ValueError("Number too large for a Chinese numeral.")
    groups = []
    while n:
        groups.append(n % 10000)
        n //= 10000
    parts = []
    need_zero = False
    for index in range(len(groups) - 1, -1, -1):
        value = groups[index]
        if value == 0:
            need_zero = bool(parts)
            continue
        if parts and (need_zero or value < 1000):
            parts.append("零")
        parts.append(_group(value) + BIG_UNITS[index])
        need_zero = False
    text = "".join(parts)
    # 一十 / 一十五 at the start are written 十 / 十五.
    if text.startswith("一十"):
        text = text[1:]
    return text


@register.filter
def chinese_numeral(value):
    """``{{ 12|chinese_numeral }}`` → 十二. A value that is not a whole number is left as it is."""
    try:
        return to_chinese_numeral(int(value))
    except (TypeError, ValueError):
        return value


@register.filter
def yuan(value):
    """158000 → 158,000.00 (the zh-hans number format has no thousands separator)."""
    from decimal import Decimal

    return "" if value in (None, "") else f"{Decimal(value):,.2f}"
