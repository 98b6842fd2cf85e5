"""A verified and closed hidden danger is frozen in PostgreSQL itself: a raw UPDATE or
DELETE of the closed row, of its steps or of its photos is refused by a trigger (the
same SQLSTATE as every frozen record, engagements.freezing); an open one and its steps
still change; the named escape lets a repair through. Skipped on SQLite (the model and
the queryset guard refuse there, tests/hazards/test_transitions.py)."""

import pytest
from django.db import DatabaseError, connection, transaction

from engagements.freezing import FROZEN_SQLSTATE, frozen_records_unlocked, is_frozen_error
from hazards.models import HiddenDanger, HiddenDangerPhoto, HiddenDangerStep
from tests.hazards.helpers import record, to_state
from tests.scoping import scopes_disabled

pytestmark = [pytest.mark.django_db, pytest.mark.postgres,
              pytest.mark.skipif(connection.vendor != "postgresql",
                                 reason="the triggers exist on PostgreSQL only")]


def _raw(sql, params):
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def test_a_closed_one_its_steps_and_photos_are_refused_raw_changes(a, eng):
    d = to_state(record(eng[a.firm.pk], a.consultant), "closed", staff=a.consultant,
                 contact=a.contact)
    with scopes_disabled():
        step = HiddenDangerStep.objects.filter(danger=d).first()
        photo = HiddenDangerPhoto.objects.filter(danger=d).first()
        for sql, params in [
            ("UPDATE hazards_hiddendanger SET description = %s WHERE id = %s", ["改过", d.pk]),
            ("UPDATE hazards_hiddendanger SET state = 'submitted' WHERE id = %s", [d.pk]),
            ("DELETE FROM hazards_hiddendanger WHERE id = %s", [d.pk]),
            ("UPDATE hazards_hiddendangerstep SET note = %s WHERE id = %s", ["改过", step.pk]),
            ("DELETE FROM hazards_hiddendangerstep WHERE id = %s", [step.pk]),
            ("UPDATE hazards_hiddendangerphoto SET caption = %s WHERE id = %s",
             ["改过", photo.pk]),
            ("DELETE FROM hazards_hiddendangerphoto WHERE id = %s", [photo.pk]),
        ]:
            with pytest.raises(DatabaseError, match="frozen") as refused:
                _raw(sql, params)
            assert is_frozen_error(refused.value), sql
            assert getattr(refused.value.__cause__, "sqlstate", None) == FROZEN_SQLSTATE
        stored = HiddenDanger.objects.get(pk=d.pk)
        assert stored.state == "closed" and stored.description != "改过"
        assert HiddenDangerStep.objects.get(pk=step.pk).note != "改过"
        # the named escape lets a repair through
        with frozen_records_unlocked("test: a repair of a closed hidden danger"):
            assert _raw("UPDATE hazards_hiddendangerphoto SET caption = %s WHERE id = %s",
                        ["修复", photo.pk]) == 1
        assert HiddenDangerPhoto.objects.get(pk=photo.pk).caption == "修复"


def test_an_open_one_and_its_steps_still_change(a, eng):
    d = record(eng[a.firm.pk], a.consultant)
    with scopes_disabled():
        step = HiddenDangerStep.objects.filter(danger=d).first()
        assert _raw("UPDATE hazards_hiddendanger SET description = %s WHERE id = %s",
                    ["改过", d.pk]) == 1
        assert _raw("UPDATE hazards_hiddendangerstep SET note = %s WHERE id = %s",
                    ["改过", step.pk]) == 1
