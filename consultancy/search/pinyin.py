"""Pinyin for Chinese names (pypinyin): the initials a user types to find a client
(``szhx`` for 苏州恒信…), and the key names are sorted by (拼音顺序, not the order of the
characters' code points).

Both are stored beside the name (``name_initials``, ``name_sort``) and filled when the
record is saved, so that searching and sorting stay plain indexed column reads on
SQLite and PostgreSQL alike. pypinyin reads words, not only characters, so the common
heteronyms come out right (重庆 chongqing, 银行 yinhang, 长沙 changsha).
"""

import re

from pypinyin import Style, lazy_pinyin

INITIALS_MAX = 200
SORT_MAX = 600
_NOT_ALNUM = re.compile(r"[^0-9a-z]+")


def initials(text: str) -> str:
    """The first letter of each syllable, lower case, with any Latin letters and digits
    kept as they are written: 苏州恒信化工 → ``szhxhg``, 3M中国 → ``3mzg``."""
    parts = lazy_pinyin(text or "", style=Style.FIRST_LETTER, errors="default")
    return _NOT_ALNUM.sub("", "".join(parts).lower())[:INITIALS_MAX]


def sort_key(text: str) -> str:
    """The name in tone-less pinyin, syllables apart (a space sorts before any letter, so
    安 an comes before 安徽 anhui), lower case; ordering by it is 拼音顺序."""
    parts = lazy_pinyin((text or "").strip(), style=Style.NORMAL, errors="default")
    words = [_NOT_ALNUM.sub("", p.lower()) for p in parts]
    return " ".join(w for w in words if w)[:SORT_MAX]


def fill(instance, field="name") -> None:
    """Set ``name_initials`` and ``name_sort`` of ``instance`` from its ``field``."""
    value = getattr(instance, field)
    instance.name_initials = initials(value)
    instance.name_sort = sort_key(value)
