"""Object ids in URLs and posted forms.

An id is 1–18 ASCII digits: every such number fits the databases' 64-bit integer keys, so a
longer (or non-numeric) id is "no such object" (a 404) before any query is made.
"""

from django.urls import register_converter
from django.urls.converters import get_converters

MAX_ID_DIGITS = 18


class IdConverter:
    """The ``<id:…>`` path converter of every object id in the site's URLs."""

    regex = f"[0-9]{{1,{MAX_ID_DIGITS}}}"

    def to_python(self, value):
        return int(value)

    def to_url(self, value):
        return str(value)


def parse_id(value) -> int | None:
    """``value`` as an object id, or None when it cannot be one (non-numeric, too long)."""
    text = str(value)
    if not (text.isascii() and text.isdigit() and len(text) <= MAX_ID_DIGITS):
        return None
    return int(text)


def register():
    """Register ``<id:…>`` once (an app registry set up again calls ``ready()`` again)."""
    if "id" not in get_converters():
        register_converter(IdConverter, "id")
