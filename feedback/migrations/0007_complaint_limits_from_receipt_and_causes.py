"""9.4 per GB/T 17242-2025: existing records made valid under the new rules.

* every firm gets the seeded list of complaint causes (服务质量, 交付延误, 人员资质, 沟通,
  收费, 安全隐患处置, 其他);
* the firms' complaint limits now all count from the receipt, so they must come in the
  steps' order: a row out of order is raised step by step to the limit before it (never
  lowered);
* every complaint gets the dates of its steps (from its step rows, kept in order and
  never after the dates recorded by hand), its first written answer, and the time limits
  it is held to, counted from its receipt: its engagement's signed contract's, else its
  firm's settings, in China's working days (the calendar table of consultancy.workdays);
  ``due_on`` is then the due date of the step pending now.
"""

import datetime

from django.db import migrations
from django.utils import timezone

CAUSES = [("服务质量", "Quality of service"), ("交付延误", "Late delivery"),
          ("人员资质", "Staff qualifications"), ("沟通", "Communication"), ("收费", "Fees"),
          ("安全隐患处置", "Handling of hidden dangers"), ("其他", "Other")]
STEPS = ["acknowledge", "assess", "investigate", "respond", "close"]
DEFAULTS = {"acknowledge": 1, "assess": 3, "investigate": 10, "respond": 15, "close": 30}
NEXT_STEP = {"received": "acknowledge", "acknowledged": "assess", "assessed": "investigate",
             "investigated": "respond", "responded": "close"}


def seed_causes(apps, schema_editor):
    Firm = apps.get_model("tenancy", "Firm")
    ComplaintCause = apps.get_model("feedback", "ComplaintCause")
    for firm in Firm.objects.all():
        if ComplaintCause.objects.filter(firm=firm).exists():
            continue
        for order, (name, name_en) in enumerate(CAUSES):
            ComplaintCause.objects.create(firm=firm, name=name, name_en=name_en, order=order)


def order_settings(apps, schema_editor):
    FeedbackSettings = apps.get_model("feedback", "FeedbackSettings")
    for row in FeedbackSettings.objects.all():
        floor, changed = 1, False
        for step in STEPS:
            value = max(getattr(row, f"{step}_days") or 1, floor)
            if value != getattr(row, f"{step}_days"):
                setattr(row, f"{step}_days", value)
                changed = True
            floor = value
        if changed:
            row.save()


class Calendar:
    def __init__(self, CalendarDay):
        self.special = dict(CalendarDay.objects.values_list("date", "kind"))

    def is_working_day(self, day):
        kind = self.special.get(day)
        if kind is not None:
            return kind == "workday"
        return day.weekday() < 5

    def add(self, start, days, working):
        if not working:
            return start + datetime.timedelta(days=days)
        day, left = start, days
        while left > 0:
            day += datetime.timedelta(days=1)
            if self.is_working_day(day):
                left -= 1
        return day


def complaint_dates_and_limits(apps, schema_editor):
    Complaint = apps.get_model("feedback", "Complaint")
    ComplaintStep = apps.get_model("feedback", "ComplaintStep")
    FeedbackSettings = apps.get_model("feedback", "FeedbackSettings")
    Contract = apps.get_model("contracts", "Contract")
    calendar = Calendar(apps.get_model("workdays", "CalendarDay"))
    settings = {row.firm_id: row for row in FeedbackSettings.objects.all()}
    for complaint in Complaint.objects.all().order_by("pk"):
        steps = list(ComplaintStep.objects.filter(complaint=complaint).order_by("at", "pk"))
        first = {}
        for step in steps:
            day = timezone.localtime(step.at).date()
            first.setdefault(step.step, day)
            if step.on is None:
                hand = {"respond": complaint.responded_on, "close": complaint.closed_on,
                        "receive": complaint.received_on}.get(step.step)
                step.on = hand or day
                step.save(update_fields=["on"])
        # the dates of the steps recorded only by their rows, in order, between the
        # receipt and the next date recorded by hand
        chain = [("acknowledged_on", "acknowledge"), ("assessed_on", "assess"),
                 ("investigated_on", "investigate")]
        ceiling = complaint.responded_on or complaint.closed_on
        previous = complaint.received_on
        for field, step in chain:
            day = first.get(step)
            if day is None:
                continue
            day = max(day, previous)
            if ceiling is not None:
                day = min(day, ceiling)
            setattr(complaint, field, day)
            previous = day
        if complaint.status in ("escalated", "closed") and "escalate" in first:
            complaint.escalated_on = max(first["escalate"], previous)
            if complaint.closed_on is not None:
                complaint.escalated_on = min(complaint.escalated_on, complaint.closed_on)
        complaint.first_responded_on = complaint.responded_on
        # the limits it is held to
        row = settings.get(complaint.firm_id)
        firm = {step: (getattr(row, f"{step}_days") if row else DEFAULTS[step]) for step in STEPS}
        working = row.working_days if row else True
        limits, contract_id = dict(firm), None
        if complaint.engagement_id is not None:
            contract = (Contract.objects.filter(engagement_id=complaint.engagement_id,
                                                status="signed",
                                                complaint_acknowledge_days__isnull=False)
                        .order_by("-version").first())
            if contract is not None:
                ack, respond = contract.complaint_acknowledge_days, contract.complaint_respond_days
                working = bool(contract.complaint_working_days)
                limits = {"acknowledge": ack, "respond": respond,
                          "assess": max(ack, min(firm["assess"], respond)),
                          "investigate": max(ack, min(firm["investigate"], respond)),
                          "close": max(respond, firm["close"])}
                contract_id = contract.pk
        complaint.limits_contract_id = contract_id
        complaint.limits_working_days = working
        complaint.acknowledge_limit_days = limits["acknowledge"]
        complaint.respond_limit_days = limits["respond"]
        for step in STEPS:
            setattr(complaint, f"{step}_due_on",
                    calendar.add(complaint.received_on, limits[step], working))
        step = NEXT_STEP.get(complaint.status)
        complaint.due_on = getattr(complaint, f"{step}_due_on") if step else None
        complaint.save()


class Migration(migrations.Migration):

    dependencies = [
        ("feedback", "0006_complaints_per_gbt_17242_2025"),
        ("workdays", "0002_seed_the_state_councils_schedules"),
        ("tenancy", "0003_submission_token"),
    ]

    operations = [
        migrations.RunPython(seed_causes, migrations.RunPython.noop),
        migrations.RunPython(order_settings, migrations.RunPython.noop),
        migrations.RunPython(complaint_dates_and_limits, migrations.RunPython.noop),
    ]
