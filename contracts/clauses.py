"""The eleven clauses clause 7 of the standard requires a written contract to contain."""

from django.utils.translation import gettext_lazy as _

# (key, name): in the order of clause 7.
CLAUSES = [
    ("objectives", _("Service objectives")),
    ("scope", _("Service content and scope")),
    ("delivery_method", _("Delivery method")),
    ("period", _("Service period and time limits")),
    ("payment", _("Payment method")),
    ("confidentiality", _("Confidentiality")),
    ("breach", _("Breach of contract")),
    ("personnel", _("Composition of the consulting personnel")),
    ("liability", _("Liability and guarantee")),
    ("complaints", _("Complaint handling and external dispute resolution")),
    ("compensation", _("Compensation")),
]
CLAUSE_KEYS = [key for key, _name in CLAUSES]
CLAUSE_NAMES = dict(CLAUSES)

# The names as a Chinese contract prints them (the Chinese text of clause 7).
CLAUSE_NAMES_ZH = {
    "objectives": "服务目标",
    "scope": "服务内容和范围",
    "delivery_method": "交付方式",
    "period": "服务期限和时限",
    "payment": "付款方式",
    "confidentiality": "保密",
    "breach": "违约",
    "personnel": "咨询人员构成",
    "liability": "责任和保证条款",
    "complaints": "投诉处理和外部争议解决",
    "compensation": "赔偿",
}


def clause_field(key: str) -> str:
    return f"clause_{key}"


class _KeepUnknown(dict):
    def __missing__(self, key):
        return "{" + key + "}"


PLACEHOLDERS = {
    "client_name": _("the client's name"),
    "firm_name": _("our firm's name"),
    "engagement_number": _("the engagement number"),
    "engagement_title": _("the engagement title"),
    "fee": _("the fee in CNY"),
    "fee_in_words": _("the fee in Chinese capital numerals"),
    "start_date": _("the start date"),
    "end_date": _("the end date"),
    "objectives": _("objectives from the confirmed framework (6.4)"),
    "scope": _("scope from the confirmed framework (6.4)"),
    "approach": _("approach from the confirmed framework (6.4)"),
    "timetable": _("timetable from the confirmed framework (6.4)"),
    "guidance_period_days": _("the guidance period after delivery, in days"),
    "follow_up_visits": _("the number of follow-up visits"),
    "personnel": _("the consulting personnel (the contract's list)"),
    # 9.4: the firm's complaint settings, kept on the contract when it is drafted
    "complaint_acknowledge_limit": _("the time to acknowledge a complaint, from its receipt "
                                     "(the firm's complaint settings)"),
    "complaint_respond_limit": _("the time to answer a complaint in writing, from its receipt "
                                 "(the firm's complaint settings)"),
}


# The contract's own terms: never written into a clause's stored text, but filled from the
# contract's current values whenever it is shown or issued (the page, the PDF), so that a
# clause can never say another start date, fee or personnel than the contract.
TERM_PLACEHOLDERS = ("fee", "fee_in_words", "start_date", "end_date", "guidance_period_days",
                     "follow_up_visits", "personnel")


def term_values(contract) -> dict:
    """The values of :data:`TERM_PLACEHOLDERS` that ``contract`` states (an unknown one is
    left out, so its placeholder stays and the issue check names it)."""
    from django.utils.formats import date_format

    values = {}
    if contract.fee is not None:
        values["fee"] = f"{contract.fee:,.2f}"
        values["fee_in_words"] = cny_in_words(contract.fee)
    for name in ("start_date", "end_date"):
        day = getattr(contract, name)
        if day is not None:
            values[name] = date_format(day, "Y年n月j日")
    for name in ("guidance_period_days", "follow_up_visits"):
        if getattr(contract, name):
            values[name] = getattr(contract, name)
    if contract.pk is not None:
        names = [u.full_name for u in contract.personnel.order_by("full_name")]
        if names:
            values["personnel"] = "、".join(names)
    return values


def filled_clauses(contract) -> dict:
    """``{key: text}``: each clause's text with the contract's current terms filled in."""
    values = term_values(contract)
    return {key: fill_placeholders(getattr(contract, clause_field(key)), values)
            for key in CLAUSE_KEYS}


def complaint_limit_text(days, working_days) -> str:
    """A complaint time limit as the contract prints it: ``1 个工作日`` or ``15 日``."""
    return f"{days} 个工作日" if working_days else f"{days} 日"


# Terms a later app supplies when a contract is drafted: a function ``(engagement) ->
# {contract field: value}`` registered in its ``AppConfig.ready()``. ``feedback`` gives the
# firm's complaint time limits (9.4): the contract keeps them, its complaint clause prints
# them, and the engagement's complaints are held to them.
_DRAFT_TERMS = []


def register_draft_terms(source) -> None:
    if source not in _DRAFT_TERMS:
        _DRAFT_TERMS.append(source)


def draft_terms(engagement) -> dict:
    terms = {}
    for source in _DRAFT_TERMS:
        terms.update(source(engagement))
    return terms


def fill_placeholders(text: str, values: dict) -> str:
    """``{client_name}`` → the value; an unknown placeholder is left as it is (so that a
    typo shows in the draft instead of vanishing)."""
    return text.format_map(_KeepUnknown({k: str(v) for k, v in values.items()}))


DIGITS = "零壹贰叁肆伍陆柒捌玖"
UNITS = ["", "拾", "佰", "仟"]
SECTIONS = ["", "万", "亿"]


def cny_in_words(amount) -> str:
    """A CNY amount in Chinese capital numerals, as contracts write it: 壹拾贰万元整."""
    from decimal import ROUND_HALF_UP, Decimal

    amount = Decimal(amount).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    yuan = int(amount)
    fen_total = int((amount - yuan) * 100)
    jiao, fen = divmod(fen_total, 10)

    def four(n):
        out, zero = "", False
        for i in range(3, -1, -1):
            d = n // (10 ** i) % 10
            if d == 0:
                zero = bool(out)
            else:
                if zero:
                    out += "零"
                    zero = False
                out += DIGITS[d] + UNITS[i]
        return out

    if yuan == 0:
        words = "零元"
    else:
        parts, section, need_zero = [], 0, False
        while yuan > 0:
            n = yuan % 10000
            if n:
                part = four(n) + SECTIONS[section]
                if need_zero:
                    part += "零"
                parts.insert(0, part)
                need_zero = n < 1000
            elif parts:
                need_zero = True
            yuan //= 10000
            section += 1
        words = "".join(parts).rstrip("零") + "元"
    if jiao == 0 and fen == 0:
        return words + "整"
    if jiao:
        words += DIGITS[jiao] + "角"
    elif fen:
        words += "零"
    if fen:
        words += DIGITS[fen] + "分"
    return words
