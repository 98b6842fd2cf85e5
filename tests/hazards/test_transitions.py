"""Every step of a hidden danger: who may take it, in which state; anything else is
refused with a message (a refusal, never a 500); closed is frozen."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from consultancy.activity.models import Event
from consultancy.outbox.models import Job
from consultancy.tenancy.scoping import firm_scope
from engagements.models import FrozenRecord
from hazards.models import HiddenDanger, HiddenDangerPhoto, HiddenDangerStep
from hazards.services import HazardRefused
from tests import factories as f
from tests.hazards.helpers import fingerprint, photo, record, refresh, take, to_state
from tests.scoping import scopes_disabled

pytestmark = pytest.mark.django_db


def test_a_general_one_is_recorded_found_with_its_photo_step_and_event(a, eng):
    e = eng[a.firm.pk]
    d = record(e, a.consultant)
    assert d.state == "found" and d.number == "YH-001"
    with firm_scope(a.firm):
        assert HiddenDangerPhoto.objects.get(danger=d).content_type == "image/png"
        assert list(HiddenDangerStep.objects.filter(danger=d).values_list("transition", "by"))\
            == [("record", a.consultant.pk)]
        assert Event.objects.filter(verb="hazard.recorded", engagement_id=e.pk).count() == 1
    assert record(e, a.consultant).number == "YH-002"


def test_a_major_one_is_notified_the_same_day_with_a_notice_job(a, eng):
    d = record(eng[a.firm.pk], a.consultant, major=True)
    assert d.state == "notified" and d.notified_at is not None
    with scopes_disabled():
        assert Job.objects.filter(task="hazards.tasks.notify_client",
                                  key=f"hazard-notified:{d.pk}").exists()


def test_a_major_one_needs_its_criterion_and_a_general_one_none(a, eng):
    e = eng[a.firm.pk]
    with pytest.raises(ValidationError) as exc:
        record(e, a.consultant, grade="major")
    assert "criterion" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        record(e, a.consultant, subtype="training")  # a basic-management sub-type
    assert "subtype" in exc.value.message_dict


def test_only_staff_on_the_engagement_record(a, b, eng):
    e = eng[a.firm.pk]
    with scopes_disabled():
        outsider = f.ConsultantFactory(firm=a.firm)
    with pytest.raises(HazardRefused):
        record(e, outsider)
    with pytest.raises(HazardRefused):
        record(e, a.contact.user)
    assert record(e, a.manager).state == "found"  # a manager sees every engagement


def test_notify_by_staff_only_and_only_once(a, eng):
    d = record(eng[a.firm.pk], a.consultant)
    with pytest.raises(HazardRefused):
        take(d, "notify", a.contact.user)
    d = take(d, "notify", a.consultant)
    assert d.state == "notified"
    with pytest.raises(HazardRefused) as exc:
        take(d, "notify", a.consultant)
    assert "YH-001" in str(exc.value)


def test_acknowledge_by_the_clients_contact_on_what_they_saw(a, eng):
    d = record(eng[a.firm.pk], a.consultant, major=True)
    seen = fingerprint(d)
    with pytest.raises(HazardRefused):  # staff do not acknowledge for the client
        take(d, "acknowledge", a.consultant, contact=a.contact, fingerprint=seen)
    with scopes_disabled():
        other_company = f.PortalContactFactory(client=f.ClientFactory(firm=a.firm))
    with pytest.raises(HazardRefused):
        take(d, "acknowledge", other_company.user, contact=other_company, fingerprint=seen)
    with pytest.raises(ValidationError):  # a stale page
        take(d, "acknowledge", a.contact.user, contact=a.contact, fingerprint="0" * 64)
    d = take(d, "acknowledge", a.contact.user, contact=a.contact, fingerprint=seen)
    assert d.state == "acknowledged" and d.acknowledged_by == a.contact
    with pytest.raises(HazardRefused):  # twice
        take(d, "acknowledge", a.contact.user, contact=a.contact, fingerprint=fingerprint(d))


def test_acknowledge_refused_before_notice(a, eng):
    d = record(eng[a.firm.pk], a.consultant)
    with pytest.raises(HazardRefused):
        take(d, "acknowledge", a.contact.user, contact=a.contact, fingerprint=fingerprint(d))


def test_submit_needs_measures_a_date_and_a_photo(a, eng):
    d = to_state(record(eng[a.firm.pk], a.consultant), "acknowledged", staff=a.consultant,
                 contact=a.contact)
    today = timezone.localdate()
    with pytest.raises(ValidationError) as exc:
        take(d, "submit", a.contact.user, contact=a.contact, fingerprint=fingerprint(d),
             measures=" ", rectified_on=today + datetime.timedelta(days=1), photos=[])
    assert set(exc.value.message_dict) == {"measures", "rectified_on", "photos"}
    with pytest.raises(HazardRefused):
        take(d, "submit", a.consultant, contact=a.contact, fingerprint=fingerprint(d),
             measures="x", rectified_on=today, photos=[photo()])
    d = take(d, "submit", a.contact.user, contact=a.contact, fingerprint=fingerprint(d),
             measures="已更换", rectified_on=today, photos=[photo()])
    assert d.state == "submitted"
    with firm_scope(a.firm):
        assert HiddenDangerPhoto.objects.filter(danger=d, stage="rectified").count() == 1
        assert Job.objects.filter(task="hazards.tasks.notify_staff").exists()


def test_submit_refused_before_acknowledgement(a, eng):
    d = to_state(record(eng[a.firm.pk], a.consultant), "notified", staff=a.consultant,
                 contact=a.contact)
    with pytest.raises(HazardRefused):
        take(d, "submit", a.contact.user, contact=a.contact, fingerprint=fingerprint(d),
             measures="x", rectified_on=timezone.localdate(), photos=[photo()])


def test_verify_not_passed_goes_back_with_its_reason(a, eng):
    d = to_state(record(eng[a.firm.pk], a.consultant), "submitted", staff=a.consultant,
                 contact=a.contact)
    with pytest.raises(HazardRefused):
        take(d, "verify", a.contact.user, passed=True)
    with pytest.raises(ValidationError) as exc:
        take(d, "verify", a.consultant, passed=False, note="")
    assert "note" in exc.value.message_dict
    d = take(d, "verify", a.consultant, passed=False, note="报警器未接入 DCS")
    assert d.state == "acknowledged" and d.failed_verifications == 1
    with firm_scope(a.firm):
        step = HiddenDangerStep.objects.filter(danger=d).order_by("-pk").first()
    assert (step.transition, step.note, step.by_id) == ("verify_fail", "报警器未接入 DCS",
                                                        a.consultant.pk)


def test_verify_refused_unless_submitted(a, eng):
    d = to_state(record(eng[a.firm.pk], a.consultant), "acknowledged", staff=a.consultant,
                 contact=a.contact)
    with pytest.raises(HazardRefused):
        take(d, "verify", a.consultant, passed=True)


def test_verified_and_closed_is_frozen(a, eng):
    d = to_state(record(eng[a.firm.pk], a.consultant), "closed", staff=a.consultant,
                 contact=a.contact)
    assert d.state == "closed" and d.verified_by_id == a.consultant.pk
    with firm_scope(a.firm):
        d = HiddenDanger.objects.get(pk=d.pk)
        d.location = "别处"
        with pytest.raises(FrozenRecord):
            d.save()
        with pytest.raises(FrozenRecord):
            HiddenDanger.objects.filter(pk=d.pk).update(location="别处")
        with pytest.raises(FrozenRecord):
            HiddenDanger.objects.filter(pk=d.pk).delete()
    for step, kwargs in [("verify", {"passed": True}), ("notify", {}),
                         ("record_refusal", {"reason": "x", "advice": "y",
                                             "informed_in_writing_on": None})]:
        with pytest.raises(FrozenRecord):
            take(d, step, a.consultant, **kwargs)


def test_refusal_recorded_with_reason_advice_and_for_a_major_the_written_notice(a, eng):
    d = record(eng[a.firm.pk], a.consultant, major=True)
    with pytest.raises(ValidationError) as exc:
        take(d, "record_refusal", a.consultant, reason="", advice="",
             informed_in_writing_on=None)
    assert set(exc.value.message_dict) == {"reason", "advice", "informed_in_writing_on"}
    with pytest.raises(HazardRefused):
        take(d, "record_refusal", a.contact.user, reason="x", advice="y",
             informed_in_writing_on=timezone.localdate())
    d = take(d, "record_refusal", a.consultant, reason="停产改造前无法实施",
             advice="立即停用该储罐并设置警戒", informed_in_writing_on=timezone.localdate())
    assert d.state == "refused" and d.refusal_advice == "立即停用该储罐并设置警戒"


def test_refusal_refused_once_submitted(a, eng):
    d = to_state(record(eng[a.firm.pk], a.consultant), "submitted", staff=a.consultant,
                 contact=a.contact)
    with pytest.raises(HazardRefused):
        take(d, "record_refusal", a.consultant, reason="x", advice="y",
             informed_in_writing_on=None)


def test_another_firms_staff_cannot_act(a, b, eng):
    d = record(eng[a.firm.pk], a.consultant)
    with pytest.raises(HazardRefused):
        take(d, "notify", b.consultant)


def test_the_state_is_never_set_by_hand(a, eng):
    d = refresh(record(eng[a.firm.pk], a.consultant))
    with pytest.raises(AttributeError):
        d.state = "closed"
