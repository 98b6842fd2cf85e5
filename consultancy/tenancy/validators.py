"""Validators shared by every app's forms and services."""

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

NOT_IN_THE_FUTURE = _("The date cannot be in the future.")
NOT_MEANINGFUL = _("Write what happened in a few words: this text is part of the record "
                   "(at least %(minimum)s letters or characters, not a placeholder).")

# What people type to get past a required field without saying anything.
FILLERS = frozenset({"无", "没有", "暂无", "同上", "略", "见上", "已处理", "处理中", "好", "好的",
                     "是", "否", "测试", "na", "n/a", "none", "nil", "null", "test", "todo",
                     "tbd", "ok", "okay", "yes", "no", "same", "see above", "xxx", "asdf"})


def not_in_the_future(value, field=None):
    """A day on which something was done (a record, a signature, a confirmation) is
    today or earlier. ``None`` passes (whether a date is required is the field's
    business). Planned days, due dates and schedules are not checked with this.

    As a form or model field validator it raises a plain ``ValidationError``; a service
    names the ``field`` so that its error lands on that field of the form.
    """
    if value is not None and value > timezone.localdate():
        error = ValidationError(NOT_IN_THE_FUTURE, code="future")
        raise ValidationError({field: error}) if field else error


def meaningful_text(value, field=None, minimum=4):
    """A text that is part of a record says something: at least ``minimum`` letters,
    digits or CJK characters, not one character repeated, not a filler such as “无”,
    “同上”, “n/a” or “test”. ``None`` and "" pass (whether a text is required is the
    field's business); a service names the ``field`` so that the error lands on it."""
    text = (value or "").strip()
    if not text:
        return
    letters = [c for c in text if c.isalnum()]
    normalized = " ".join(text.lower().split()).strip(" .。!！?？,，;；:：-—_~*")
    if (len(letters) < minimum or len(set(c.lower() for c in letters)) < 2
            or normalized in FILLERS):
        error = ValidationError(NOT_MEANINGFUL, code="not_meaningful",
                                params={"minimum": minimum})
        raise ValidationError({field: error}) if field else error
