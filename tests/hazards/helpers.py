"""Hidden dangers made through the services, for the tests."""

import datetime

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from consultancy.tenancy.scoping import firm_scope
from hazards import services
from hazards.models import HiddenDanger, MajorHazardCriterion
from tests.uploads import png_bytes


def photo(name="现场.png", colour=(200, 60, 40)):
    return SimpleUploadedFile(name, png_bytes(colour), content_type="image/png")


def criterion(firm):
    with firm_scope(firm):
        services.criteria_seed(firm=firm)
        return MajorHazardCriterion.objects.filter(industry="chemical").order_by("pk").first()


def record(engagement, by, *, major=False, photos=1, deadline_days=10, **fields):
    """A hidden danger recorded by ``by`` (a major one names a seeded criterion and is
    notified at once)."""
    today = timezone.localdate()
    values = dict(
        source="guidance", found_on=today, location="罐区", description="储罐区可燃气体报警器失效",
        category="site", subtype="equipment", grade="major" if major else "general",
        basis="GB 50493-2019 第 4.1.1 条", recommendation="更换报警器并校验",
        responsible_person="张主任", deadline=today + datetime.timedelta(days=deadline_days))
    values.update(fields)
    if major and "criterion" not in values:
        values["criterion"] = criterion(engagement.firm_id)
    with firm_scope(engagement.firm_id):
        return services.danger_record(
            danger=HiddenDanger(engagement=engagement, **values), by=by,
            photos=[photo() for _i in range(photos)])


def fingerprint(danger):
    with firm_scope(danger.firm_id):
        danger = HiddenDanger.objects.get(pk=danger.pk)
        return services.client_fingerprint(danger)


def refresh(danger):
    with firm_scope(danger.firm_id):
        return HiddenDanger.objects.select_related("engagement__client").get(pk=danger.pk)


def take(danger, step, by, **kwargs):
    """Run the service of ``step`` on ``danger`` in its firm's scope."""
    with firm_scope(danger.firm_id):
        danger = HiddenDanger.objects.select_related("engagement__client").get(pk=danger.pk)
        return getattr(services, f"danger_{step}")(danger=danger, by=by, **kwargs)


def to_state(danger, state, *, staff, contact):
    """Drive ``danger`` forward to ``state`` by the regular steps."""
    order = ["found", "notified", "acknowledged", "submitted", "closed"]
    while order.index(refresh(danger).state) < order.index(state):
        current = refresh(danger).state
        if current == "found":
            take(danger, "notify", staff)
        elif current == "notified":
            take(danger, "acknowledge", contact.user, contact=contact,
                 fingerprint=fingerprint(danger))
        elif current == "acknowledged":
            take(danger, "submit", contact.user, contact=contact,
                 fingerprint=fingerprint(danger), measures="已更换报警器并校验",
                 rectified_on=timezone.localdate(), photos=[photo(colour=(10, 200, 10))])
        elif current == "submitted":
            take(danger, "verify", staff, passed=True, note="现场复核合格")
    return refresh(danger)
