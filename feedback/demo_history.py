"""Two years of satisfaction survey history for the demo firms (9.5), so that the
statistics archive (``feedback:statistics``) and its charts show something real.

For each demo firm: a few more clients in other industries, about 32 **imported**
historical engagements (numbers ``<year>-Hnn``) spread over the last 24 months across the
firm's staff, service types and client industries, each closed, with a satisfaction
survey sent to one or two contacts; most answered (ratings, recommend score, some
comments in Chinese), some never answered.

This is imported history, not a walk through the process: the rows are created directly
(``bulk_create`` for the answers) and the stage is set to ``closed`` with a queryset
``.update()``, bypassing the gates and the state machine, and no PDF is rendered, so that
it loads in well under a second or two. Idempotent: an engagement whose number the firm
already has is left alone, with its survey.

The lead wires it into ``manage.py demo`` (after the firms, clients and the feedback
demo); ``load(ctx)`` needs ``ctx.data["firms"][key]`` with ``firm``, ``people`` and
``clients`` as the earlier loaders leave them.
"""

import datetime
import random

from django.db import transaction
from django.utils import timezone
from django_scopes import scopes_disabled

from consultancy.clients.models import Client, ClientContact
from consultancy.clients.validators import uscc_check_character
from engagements.models import Engagement
from engagements.stages import Stage

from .models import Survey, SurveyAnswer, SurveyInvitation, SurveyQuestion, SurveyResponse
from .services import question_set_for

PER_FIRM = 32
MONTHS = 24

# Extra clients of each firm, so that the industries differ: (name, first 17 of the
# USCC, industry, contact name, position, e-mail local part).
HISTORY_CLIENTS = {
    "antai": [
        ("昆山精工机械制造有限公司", "91320583MA1HX0A1B", Client.Industry.MANUFACTURING,
         "顾建华", "安全科科长", "gu.jianhua"),
        ("张家港沙洲特钢有限公司", "91320582MA1HX0C2D", Client.Industry.METALLURGY,
         "陆卫东", "安环部部长", "lu.weidong"),
        ("常熟锦绣纺织有限公司", "91320581MA1HX0E3F", Client.Industry.LIGHT_INDUSTRY,
         "沈美玲", "行政安全主管", "shen.meiling"),
    ],
    "huaan": [
        ("余姚舜通模具制造有限公司", "91330281MA2HX0A1B", Client.Industry.MANUFACTURING,
         "胡国平", "设备安全部经理", "hu.guoping"),
        ("宁波北仑电力运维有限公司", "91330206MA2HX0C2D", Client.Industry.POWER,
         "邵文斌", "安全专工", "shao.wenbin"),
        ("慈溪东海商贸有限公司", "91330282MA2HX0E3F", Client.Industry.TRADE,
         "林晓燕", "门店运营主管", "lin.xiaoyan"),
    ],
}

SERVICE_TITLES = {
    Engagement.ServiceType.STANDARDIZATION: "安全生产标准化咨询",
    Engagement.ServiceType.LEDGERS: "安全管理台账规范",
    Engagement.ServiceType.ADVISER: "安全顾问服务",
    Engagement.ServiceType.RISK_GRADING: "风险分级管控体系建设",
    Engagement.ServiceType.OTHER: "应急预案编制",
}

COMMENTS_GOOD = [
    "咨询老师专业水平高，现场指导非常细致，员工反映收获很大。",
    "台账模板很实用，迎检时得到了应急管理局的认可。",
    "项目按计划完成，沟通及时，希望明年继续合作。",
    "风险分级管控清单做得很扎实，车间主任都能看懂会用。",
    "培训课件通俗易懂，建议以后增加案例视频。",
]
COMMENTS_BAD = [
    "现场辅导次数偏少，部分制度落地还需要更多指导。",
    "交付资料有几处与我厂实际工艺不符，修改花了较长时间。",
    "项目中途更换了咨询人员，前后衔接不够顺畅。",
    "希望回访更及时一些，整改建议能更具体。",
]


def _history_clients(firm, key, clients):
    made = list(clients)
    for name, first17, industry, contact_name, position, local in HISTORY_CLIENTS.get(key, []):
        client, _ = Client.objects.get_or_create(
            firm=firm, uscc=first17 + uscc_check_character(first17),
            defaults={"name": name, "industry": industry, "size": Client.Size.MEDIUM})
        ClientContact.objects.get_or_create(
            firm=firm, client=client, name=contact_name,
            defaults={"position": position, "email": f"{local}@client.{key}.example"})
        made.append(client)
    return made


def _scores(rng, bias):
    """One response's ratings: 1–5 around the consultant's level, and a 0–10 recommend
    score that goes with them."""
    def rating():
        return max(1, min(5, round(rng.gauss(3.9 + bias, 0.75))))
    return rating


@transaction.atomic
def load_firm(key, data, today=None, rng=None) -> int:
    """The history of one firm; returns the number of engagements created."""
    today = today or timezone.localdate()
    rng = rng or random.Random(f"satisfaction-{key}")
    firm = data["firm"]
    people = data["people"]
    staff = [u for u in people.values() if u.is_firm_staff]
    # each lead consultant has a level of their own, so that the charts tell them apart
    bias = {u.pk: b for u, b in zip(staff, (0.35, 0.0, -0.45, 0.2), strict=False)}
    clients = _history_clients(firm, key, data.get("clients", []))
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
    answers = []
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
        engagement = Engagement(
            firm=firm, client=client, number=number, lead_consultant=lead,
            title=f"{client.name.split('有限公司')[0]}{SERVICE_TITLES[service]}项目",
            service_type=service, origin=Engagement.Origin.REQUEST,
            description="历史项目（导入的满意度调查记录）。")
        engagement.save()
        started = sent_at - datetime.timedelta(days=90 + rng.randrange(60))
        Engagement.objects.filter(pk=engagement.pk).update(
            stage=Stage.CLOSED, stage_entered_at=sent_at + datetime.timedelta(days=40),
            created_at=started)
        survey = Survey.objects.create(firm=firm, engagement=engagement,
                                       question_set=question_set, sent_at=sent_at, sent_by=lead)
        survey.questions.set(questions)
        rating = _scores(rng, bias.get(lead.pk, 0))
        for contact in people_here[:2]:
            answered = rng.random() < 0.8
            used_at = sent_at + datetime.timedelta(days=rng.randrange(1, 9), hours=3)
            if used_at.date() > today:
                used_at = sent_at + datetime.timedelta(hours=5)
            # An unanswered one counts as reminded already (it has no working link
            # either: no token), so that the daily reminders leave the history alone.
            invitation = SurveyInvitation.objects.create(
                firm=firm, survey=survey, contact=contact, email=contact.email,
                expires_at=sent_at + datetime.timedelta(days=30), mailed_at=sent_at,
                used_at=used_at if answered else None,
                reminder_sent_at=None if answered else min(
                    sent_at + datetime.timedelta(days=7), timezone.now()))
            if not answered:
                continue
            response = SurveyResponse.objects.create(
                firm=firm, invitation=invitation, survey=survey, engagement=engagement,
                contact=contact, submitted_at=used_at)
            given = []
            for q in questions:
                if q.kind == SurveyQuestion.Kind.SCALE_1_5:
                    score = rating()
                    given.append(score)
                    answers.append(SurveyAnswer(firm=firm, response=response, question=q,
                                                score=score))
            mean = sum(given) / len(given) if given else 4
            for q in questions:
                if q.kind == SurveyQuestion.Kind.NPS_0_10:
                    score = max(0, min(10, round((mean - 1) * 2.5 + 1.5 + rng.gauss(0, 1.2))))
                    answers.append(SurveyAnswer(firm=firm, response=response, question=q,
                                                score=score))
                elif q.kind == SurveyQuestion.Kind.TEXT and rng.random() < 0.4:
                    pool = COMMENTS_GOOD if mean >= 3.8 else COMMENTS_BAD
                    answers.append(SurveyAnswer(firm=firm, response=response, question=q,
                                                text=pool[rng.randrange(len(pool))]))
        created += 1
    SurveyAnswer.objects.bulk_create(answers)
    return created


def load(ctx):
    with scopes_disabled():
        for key, data in ctx.data["firms"].items():
            load_firm(key, data)
