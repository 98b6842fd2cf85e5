"""Two years of satisfaction survey history for the demo firms (9.5; data/history.yaml),
so that the statistics archive (``feedback:statistics``) and its charts show something
real.

For each demo firm: a few more clients in other industries, about 32 **imported**
historical engagements (numbers ``<year>-Hnn``) spread over the last 24 months across the
firm's staff, service types and client industries, each closed, with a satisfaction
survey sent to one or two contacts; most answered (ratings, recommend score, some
comments in Chinese), some never answered.

This is imported history, not a walk through the process: each engagement is written by
the service the Excel import uses too (``feedback.history.history_engagement_import``),
closed without the records of clauses 5–9, the gates or a PDF, so that it loads in well
under a second or two. Idempotent: an engagement whose number the firm
already has is left alone, with its survey.

``load(ctx)`` needs ``ctx.data["firms"][key]`` with ``firm``, ``people`` and ``clients``
as :mod:`.firms` and :mod:`.clients` leave them.
"""

import datetime
import random

from django.db import transaction
from django.utils import timezone
from django_scopes import scopes_disabled

from consultancy.activity.models import SystemActor
from consultancy.activity.services import acting_as
from consultancy.clients.models import Client, ClientContact
from consultancy.clients.validators import uscc_check_character
from engagements.models import Engagement
from feedback.history import HistoricalResponse, history_engagement_import
from feedback.models import SurveyQuestion
from feedback.services import question_set_for

from .common import data

PER_FIRM = 32
MONTHS = 24

CONTENT = data("history")
SERVICE_TITLES = CONTENT["service_titles"]  # by service type, in the order drawn from


def _history_clients(firm, key, clients):
    made = list(clients)
    for spec in CONTENT["clients"].get(key, []):
        first17, person = spec["uscc17"], spec["contact"]
        client, _ = Client.objects.get_or_create(
            firm=firm, uscc=first17 + uscc_check_character(first17),
            defaults={"name": spec["name"], "industry": spec["industry"],
                      "size": Client.Size.MEDIUM})
        ClientContact.objects.get_or_create(
            firm=firm, client=client, name=person["name"],
            defaults={"position": person["position"],
                      "email": f"{person['local']}@client.{key}.example"})
        made.append(client)
    return made


def _scores(rng, bias):
    """One response's ratings: 1–5 around the consultant's level, and a 0–10 recommend
    score that goes with them."""
    def rating():
        return max(1, min(5, round(rng.gauss(3.9 + bias, 0.75))))
    return rating


@transaction.atomic
def load_firm(key, firm_data, today=None, rng=None) -> int:
    """The history of one firm; returns the number of engagements created."""
    today = today or timezone.localdate()
    rng = rng or random.Random(f"satisfaction-{key}")
    firm = firm_data["firm"]
    people = firm_data["people"]
    staff = [u for u in people.values() if u.is_firm_staff]
    # each lead consultant has a level of their own, so that the charts tell them apart
    bias = {u.pk: b for u, b in zip(staff, (0.35, 0.0, -0.45, 0.2), strict=False)}
    clients = _history_clients(firm, key, firm_data.get("clients", []))
    contacts = {}
    for contact in ClientContact.objects.filter(firm=firm, client__in=clients,
                                                is_active=True).exclude(email="").order_by("pk"):
        contacts.setdefault(contact.client_id, []).append(contact)
    question_set = question_set_for(firm)
    questions = list(question_set.questions.filter(is_active=True).order_by("order", "pk"))
    existing = {number.split("-H", 1)[1] for number in Engagement.objects.filter(
        firm=firm, number__contains="-H").values_list("number", flat=True)}
    services = list(SERVICE_TITLES)
    tz = timezone.get_current_timezone()
    start = today - datetime.timedelta(days=MONTHS * 30 + 15)
    created = 0
    for n in range(PER_FIRM):
        sent_on = start + datetime.timedelta(days=round((n + rng.random()) * MONTHS * 30.5
                                                        / PER_FIRM))
        if sent_on > today - datetime.timedelta(days=3):
            sent_on = today - datetime.timedelta(days=3)
        number = f"{sent_on.year}-H{n + 1:02d}"
        client = clients[rng.randrange(len(clients))]
        service = services[rng.randrange(len(services))]
        lead = staff[rng.randrange(len(staff))]
        if f"{n + 1:02d}" in existing:
            continue
        people_here = contacts.get(client.pk, [])
        if not people_here:
            continue
        sent_at = datetime.datetime.combine(sent_on, datetime.time(10, rng.randrange(60)),
                                            tzinfo=tz)
        started = sent_at - datetime.timedelta(days=90 + rng.randrange(60))
        rating = _scores(rng, bias.get(lead.pk, 0))
        responses = []
        for contact in people_here[:2]:
            answered = rng.random() < 0.8
            used_at = sent_at + datetime.timedelta(days=rng.randrange(1, 9), hours=3)
            if used_at.date() > today:
                used_at = sent_at + datetime.timedelta(hours=5)
            if not answered:
                responses.append(HistoricalResponse(contact, None))
                continue
            given, answers = [], {}
            for q in questions:
                if q.kind == SurveyQuestion.Kind.SCALE_1_5:
                    score = rating()
                    given.append(score)
                    answers[q] = score
            mean = sum(given) / len(given) if given else 4
            for q in questions:
                if q.kind == SurveyQuestion.Kind.NPS_0_10:
                    answers[q] = max(0, min(10, round((mean - 1) * 2.5 + 1.5
                                                      + rng.gauss(0, 1.2))))
                elif q.kind == SurveyQuestion.Kind.TEXT and rng.random() < 0.4:
                    pool = CONTENT["comments_good"] if mean >= 3.8 else CONTENT["comments_bad"]
                    answers[q] = pool[rng.randrange(len(pool))]
            responses.append(HistoricalResponse(contact, used_at, answers))
        history_engagement_import(
            firm=firm, by=SystemActor.DEMO_IMPORT, number=number, client=client, lead=lead,
            title=CONTENT["engagement_title"].format(
                client=client.name.split(CONTENT["company_suffix"])[0],
                service=SERVICE_TITLES[service]),
            service_type=service, description=CONTENT["description"], surveyed_at=sent_at,
            responses=responses, started_at=started,
            closed_at=sent_at + datetime.timedelta(days=40))
        created += 1
    return created


def load(ctx):
    with scopes_disabled():
        for key, firm_data in ctx.data["firms"].items():
            # Imported rows: the system actor "demo import" made them.
            with acting_as(SystemActor.DEMO_IMPORT, firm_data["firm"]):
                load_firm(key, firm_data)
