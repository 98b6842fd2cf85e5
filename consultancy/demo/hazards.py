"""The demo of hidden dangers (data/hazards.yaml): a chemical plant's engagement in the
service stage with a dozen hidden dangers in every state, two of them major, each with a
photo (a small picture drawn here), taken through the services: recorded by the lead
consultant, acknowledged and rectified by the client's portal contact, verified.

Idempotent: an engagement that already has hidden dangers is left alone."""

import datetime
import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image, ImageDraw

from consultancy.clients.models import ClientContact
from delivery.models import SiteUnit
from engagements.stages import Stage
from hazards import services
from hazards.models import HiddenDanger, MajorHazardCriterion

from .common import data

ROWS = data("hazards")["dangers"]
COLOURS = [(196, 64, 52), (214, 140, 40), (60, 120, 190), (80, 150, 90)]


def _photo(n, rectified=False):
    colour = (70, 160, 90) if rectified else COLOURS[n % len(COLOURS)]
    image = Image.new("RGB", (320, 240), colour)
    draw = ImageDraw.Draw(image)
    draw.rectangle((20, 20, 300, 220), outline=(255, 255, 255), width=4)
    draw.line((20, 220, 300, 20), fill=(255, 255, 255), width=3)
    draw.text((30, 30), f"YH-{n:03d}{' OK' if rectified else ''}", fill=(255, 255, 255))
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=80)
    return SimpleUploadedFile(f"yh-{n:03d}.jpg", buffer.getvalue(), content_type="image/jpeg")


def _engagement(firm_data):
    """The engagement the contracts demo took to the service stage, when its client is a
    chemical plant (its hand-over stays held, here also by the open 重大隐患)."""
    engagement = firm_data["engagements"].get("delivery")
    if (engagement is not None and engagement.stage == Stage.DELIVERY
            and engagement.client.industry == "chemical"):
        return engagement
    return None


def _walk(danger, row, n, *, lead, contact, today):
    """Take ``danger`` to the state of ``row`` through the services."""
    target = row["state"]
    if target == "found":
        return
    if danger.state == "found":
        danger = services.danger_notify(danger=danger, by=lead)
    if target == "notified":
        return
    if target == "refused":
        services.danger_record_refusal(
            danger=danger, by=lead, reason=row["refusal_reason"], advice=row["refusal_advice"],
            informed_in_writing_on=today)
        return
    danger = services.danger_acknowledge(danger=danger, contact=contact, by=contact.user,
                                         fingerprint=services.client_fingerprint(danger))
    if target == "acknowledged" and not row.get("failed"):
        return
    danger = services.danger_submit(
        danger=danger, contact=contact, by=contact.user,
        fingerprint=services.client_fingerprint(danger), measures=row["measures"],
        rectified_on=today, photos=[_photo(n, rectified=True)])
    if row.get("failed"):
        services.danger_verify(danger=danger, by=lead, passed=False, note=row["failed"])
        return
    if target == "closed":
        services.danger_verify(danger=danger, by=lead, passed=True, note=row["verified"])


def load(ctx):
    today = timezone.localdate()
    for firm_data in ctx.data["firms"].values():
        engagement = _engagement(firm_data)
        if engagement is None or HiddenDanger.objects.filter(engagement=engagement).exists():
            continue
        contact = (ClientContact.objects.filter(client=engagement.client, user__isnull=False,
                                                is_active=True).select_related("user").first())
        if contact is None:
            continue
        # the firm's own list (seeded when the firm was created; every firm has one)
        criteria = {c.code: c for c in MajorHazardCriterion.objects.filter(
            firm_id=engagement.firm_id, industry="chemical")}
        lead = engagement.lead_consultant
        units = {u.name: u for u in SiteUnit.objects.filter(engagement=engagement)}
        for n, row in enumerate(ROWS, start=1):
            found_on = today - datetime.timedelta(days=row.get("days_ago", 0))
            danger = HiddenDanger(
                engagement=engagement, source=row["source"], found_on=found_on,
                unit=units.get(row.get("unit", row["location"])), location=row["location"],
                description=row["description"],
                category=row["category"], subtype=row["subtype"], grade=row["grade"],
                criterion=criteria.get(row.get("criterion")), basis=row["basis"],
                recommendation=row["recommendation"],
                responsible_person=row["responsible_person"],
                deadline=found_on + datetime.timedelta(days=row["deadline_days"]))
            danger = services.danger_record(danger=danger, by=lead, photos=[_photo(n)])
            _walk(danger, row, n, lead=lead, contact=contact, today=today)
        break  # one chemical plant is the demo
