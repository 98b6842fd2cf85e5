"""Edits and client acts bound to what the user saw.

* An edit form carries the version of the record it was opened on (a hidden
  ``seen_version``: the record's key and a SHA-256 of its stored row). Saving is refused
  with :class:`StaleEdit` when the record changed meanwhile: the check runs once in the
  form's ``clean()`` and again, under ``select_for_update()``, in the transaction of the
  save (:meth:`VersionedFormMixin.version_guard`), so two saves at once cannot both pass.
  The refusal names who changed the record and when (its last history row); the form is
  shown again with the user's input.
* A client act (confirming a framework or a plan, acknowledging a delivery, the verdict
  on an evaluation) carries :func:`content_fingerprint` of the content on the screen; the
  service refuses it with :class:`ContentChanged` when the content is no longer that.
"""

import contextlib
import hashlib
import json
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _
from django_scopes.state import get_scope

from consultancy.refusals import INVALID, Refusal

from . import pagecache

VERSION_FIELD = "seen_version"
FINGERPRINT_FIELD = "content_fingerprint"


class StaleEdit(Refusal, ValidationError):
    """The record changed after the form was opened: nothing is saved."""

    code = "stale"
    kind = INVALID
    default_message = _("Someone else changed this record while you were editing it: reload "
                        "to see the change. Your input is kept below.")

    def __init__(self, message=None):
        super().__init__(message)
        self.code = type(self).code
        self.params = None


class ContentChanged(Refusal, ValidationError):
    """A client act on content that changed after the client opened it."""

    code = "content_changed"
    kind = INVALID
    default_message = _("The content changed since you opened it; please review it again.")

    def __init__(self, message=None):
        super().__init__(message)
        self.code = type(self).code
        self.params = None


# -- fingerprints -----------------------------------------------------------------------


def _canonical(value):
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, Decimal):  # 138000 and 138000.00 are one amount
        return format(value.normalize(), "f")
    if hasattr(value, "name") and hasattr(value, "storage"):  # a FieldFile
        return value.name or ""
    return str(value)


def _digest(data) -> str:
    text = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


# What changes without anyone editing the record: a login is not an edit of the user.
NOT_EDITS = frozenset({"password", "last_login"})


def row_fingerprint(instance) -> str:
    """SHA-256 of the stored state of ``instance``: every concrete field (but
    :data:`NOT_EDITS`) and the keys of its many-to-many relations."""
    data = {f.attname: _canonical(getattr(instance, f.attname))
            for f in instance._meta.concrete_fields if f.attname not in NOT_EDITS}
    for f in instance._meta.many_to_many:
        data[f.name] = sorted(getattr(instance, f.name).values_list("pk", flat=True))
    return _digest(data)


def content_fingerprint(instance, fields, extra=None) -> str:
    """SHA-256 of a canonical serialisation of ``fields`` of ``instance`` (and ``extra``,
    e.g. the stored SHA-256 of the PDF it was issued as): the content a client confirms."""
    data = {"model": instance._meta.label_lower, "pk": instance.pk, "extra": extra}
    for name in fields:
        field = instance._meta.get_field(name)
        if field.many_to_many:
            data[name] = sorted(getattr(instance, name).values_list("pk", flat=True))
        else:
            data[name] = _canonical(getattr(instance, field.attname))
    return _digest(data)


def fingerprint_of(data) -> str:
    """SHA-256 of a canonical JSON serialisation of ``data`` (lists, dicts, strings,
    numbers): the fingerprint of content made of several records."""
    return _digest(data)


def version_token(instance) -> str:
    """What an edit form carries: the record's key and its row fingerprint."""
    return f"{instance.pk}:{row_fingerprint(instance)}"


def last_change(instance):
    """``(who, when)`` of the last change of ``instance``: its last history row, else its
    ``updated_at``; either may be None."""
    history = getattr(type(instance), "history", None)
    if history is not None:
        row = instance.history.order_by("-history_date", "-pk").first()
        if row is not None:
            return row.history_user, row.history_date
    return None, getattr(instance, "updated_at", None)


def stale_edit(current) -> StaleEdit:
    """The refusal of a save over ``current`` (the record as it now is; None if gone)."""
    if current is None:
        return StaleEdit(_("This record was deleted while you were editing it."))
    who, when = last_change(current)
    if who is None and when is None:
        return StaleEdit()
    name = (getattr(who, "full_name", "") or str(who)) if who is not None else _("someone")
    stamp = date_format(timezone.localtime(when), "DATETIME_FORMAT") if when else "?"
    return StaleEdit(_("This record was changed by %(who)s at %(when)s while you were "
                       "editing it: reload to see the change. Your input is kept below.")
                     % {"who": name, "when": stamp})


NO_VERSION = _("This form does not say which version of the record it was opened on, so "
               "the change is not saved: reload the page and make it again. Your input is "
               "kept below.")


def check_version(seen, current) -> None:
    """Refuse (:class:`StaleEdit`) unless ``current`` is the version ``seen`` (and renew
    the firm's cached pages: the form may have come from one older than the row)."""
    if current is None or not seen or seen != version_token(current):
        if current is not None:
            pagecache.firm_changed(getattr(current, "firm_id", None))
        raise stale_edit(current)


def check_fingerprint(seen, expected) -> None:
    """Refuse (:class:`ContentChanged`) unless the fingerprint the client's form carried
    is the content's fingerprint now. The page the form came from may have been served
    from the page cache with content older than the rows (changed below the services):
    the firm's pages are renewed, so that the page reloaded shows the content now."""
    if not seen or seen != expected:
        firm = get_scope().get("firm")
        pagecache.firm_changed(getattr(firm, "pk", firm))
        raise ContentChanged()


# -- the edit form ------------------------------------------------------------------------


def current_version_of(queryset):
    """A ``reload`` for a versioned record: the highest ``version`` of ``queryset`` (a
    newer version than the one the form was opened on makes the edit stale)."""
    def reload(*, lock):
        qs = queryset.select_for_update() if lock else queryset
        return qs.order_by("-version").first()
    return reload


class VersionedFormMixin:
    """An edit form that carries the version of the record it was opened on.

    Put it first among a ModelForm's bases: it versions ``self.instance`` when it is
    stored (or ``versioned=`` when the form edits another record, with ``reload=`` to
    read that record's current version, locked). A new record carries no version.
    """

    def __init__(self, *args, versioned=None, reload=None, **kwargs):
        super().__init__(*args, **kwargs)
        if versioned is None:
            versioned = getattr(self, "instance", None)
        if versioned is not None and versioned.pk is None:
            versioned = None
        self._versioned = versioned
        self._reload = reload
        if versioned is None:
            return
        self.fields[VERSION_FIELD] = forms.CharField(
            widget=forms.HiddenInput, required=False, initial=version_token(versioned))
        helper = getattr(self, "helper", None)
        if helper is not None:
            helper.render_hidden_fields = True

    def _current(self, *, lock):
        if self._reload is not None:
            return self._reload(lock=lock)
        qs = type(self._versioned)._default_manager
        if lock:
            qs = qs.select_for_update()
        return qs.filter(pk=self._versioned.pk).first()

    @property
    def seen_version(self):
        """The version the form was opened on; None for a new record (nothing to check).
        A posted form that carries no version (or an empty one) is refused: the version is
        required, so an edit cannot pass unchecked by leaving it out."""
        if self._versioned is None:
            return None
        if self.is_bound:
            return self.data.get(self.add_prefix(VERSION_FIELD)) or ""
        return self.fields[VERSION_FIELD].initial

    def _check_seen(self, *, lock):
        seen = self.seen_version
        if seen is None:
            return
        if not seen:
            raise StaleEdit(NO_VERSION)
        check_version(seen, self._current(lock=lock))

    def clean(self):
        cleaned = super().clean()
        try:
            self._check_seen(lock=False)
        except StaleEdit as exc:
            self.add_error(None, exc)
        if cleaned is not None:
            cleaned.pop(VERSION_FIELD, None)
        return cleaned

    @contextlib.contextmanager
    def version_guard(self):
        """The transaction of the save: the record is locked and checked against the
        version the form carried before the body runs (:class:`StaleEdit` if it moved,
        or if the form carried none)."""
        with transaction.atomic():
            self._check_seen(lock=True)
            yield
