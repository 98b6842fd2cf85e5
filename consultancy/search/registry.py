"""The sources of the staff search box, registered by the apps that own the records in
their ``AppConfig.ready()`` (clients and contacts by ``consultancy.clients``, engagements
by ``engagements``, documents by ``delivery``, complaints by ``feedback``), so that this
app imports none of them.

A source answers ``search(user, query, limit)`` with at most ``limit + 1`` hits in **one
query**, already limited to the user's firm and to what the user may see; the page shows
``limit`` and says when there are more. The query count of a search is therefore the
number of sources, however many rows match.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import Q

from . import pinyin

MIN_LENGTH = 1
MAX_LENGTH = 100


@dataclass(frozen=True)
class Hit:
    title: str
    url: str
    detail: str = ""
    badge: str = ""


@dataclass(frozen=True)
class Source:
    key: str
    label: object  # lazy translatable
    # search(user, query: Query, limit) -> list[Hit] (at most limit + 1)
    search: Callable
    order: int = 100
    # more_url(query) -> the app's own filtered list, or "" (shown with "more…")
    more_url: Callable | None = None


_sources: dict[str, Source] = {}


def register(source: Source) -> None:
    _sources[source.key] = source


def sources() -> list[Source]:
    return sorted(_sources.values(), key=lambda s: s.order)


_LATIN = re.compile(r"^[A-Za-z]+$")
_CODE = re.compile(r"^[0-9A-Za-z]+$")


@dataclass(frozen=True)
class Query:
    """What was typed, and the forms a source matches it in."""

    text: str

    @classmethod
    def parse(cls, raw: str) -> "Query | None":
        text = " ".join((raw or "").split())[:MAX_LENGTH]
        return cls(text) if len(text) >= MIN_LENGTH else None

    @property
    def initials(self) -> str:
        """Latin letters only (``szhx``): matched against the stored pinyin initials."""
        return self.text.lower() if _LATIN.match(self.text) else ""

    @property
    def code(self) -> str:
        """Letters and digits only (a 统一社会信用代码 or part of one), upper case."""
        return self.text.upper() if _CODE.match(self.text) else ""

    @property
    def words(self) -> list[str]:
        return self.text.split(" ")

    def contains(self, *fields) -> Q:
        """Each word typed is in one of ``fields``, whatever its case (on PostgreSQL
        ``UPPER(col) LIKE UPPER('%…%')``, which the trigram indexes serve): 苏州 化工 finds
        苏州恒信化工."""
        q = Q()
        for word in self.words:
            any_field = Q()
            for field in fields:
                any_field |= Q(**{f"{field}__icontains": word})
            q &= any_field
        return q

    def name(self, field="name", initials_field="name_initials") -> Q:
        """The name contains the text, or its pinyin initials contain the letters typed."""
        q = self.contains(field)
        if self.initials:
            q |= Q(**{f"{initials_field}__contains": self.initials})
        return q


__all__ = ["Hit", "Query", "Source", "register", "sources", "pinyin"]
