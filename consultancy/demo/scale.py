"""The benchmark's data set (``manage.py seed_scale``): many firms like the demo's, each with
many engagements in every stage with their records.

Built by copying rows in bulk, not through the services (10,000 engagements through the
services would take hours): the demo's first firm is the pattern. Each new firm is a copy
of it — staff, clients, portal contacts, qualifications, settings and every engagement with
all its records — under new names; then its engagements are copied again, each copy with
a new number, a new title and a client of the firm's, until the firm has as many as asked.
The rows are the demo's, so every stage has what the services would have written
(assessments, records of clause 6, contracts, plans, risks, documents, acceptances,
surveys, complaints…). History tables, the outbox and the activity stream are not copied.
"""

import itertools
from collections import defaultdict
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.db import models

from consultancy.tenancy.models import Firm

SKIP_APPS = {"outbox", "activity"}

CITIES = ["苏州", "无锡", "常州", "南通", "扬州", "镇江", "泰州", "盐城", "徐州", "宁波", "嘉兴",
          "绍兴", "台州", "佛山", "东莞", "惠州", "珠海", "烟台", "潍坊", "淄博"]
INDUSTRIES = ["精细化工", "金属冶炼", "机械制造", "食品加工", "危险化学品储运", "建材", "纺织印染",
              "医药中间体", "电子元件", "港口装卸", "粉尘涉爆", "有限空间作业"]
SERVICES = ["安全生产标准化咨询", "风险分级管控与隐患排查治理", "应急预案编制与演练",
            "安全现状评价咨询", "重大危险源辨识与评估", "职业卫生管理咨询", "安全生产托管服务",
            "双重预防机制建设", "安全培训体系建设", "特殊作业安全管理提升"]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = ["伟", "芳", "娜", "敏", "静", "强", "磊", "军", "洋", "勇", "艳", "杰", "涛", "明", "超",
         "秀英", "建华", "志强", "海燕", "国平"]


def project_models():
    """The product's concrete models (and their many-to-many tables), not Django's nor a
    library's, nor history tables."""
    root = Path(settings.BASE_DIR).resolve()
    result = []
    for config in apps.get_app_configs():
        if config.label in SKIP_APPS or root not in Path(config.path).resolve().parents:
            continue
        for model in config.get_models(include_auto_created=True):
            if model._meta.proxy or model.__name__.startswith("Historical"):
                continue
            result.append(model)
    return result


def _fks(model):
    return [f for f in model._meta.concrete_fields if f.is_relation and f.many_to_one
            or f.is_relation and f.one_to_one]


def collect(roots, candidates):
    """``{model: [rows]}``: ``roots`` (``{model: pks}``) and every row that points to a
    collected row, recursively (a record, its versions, its lines, its m2m rows…)."""
    ids = defaultdict(set)
    for model, pks in roots.items():
        ids[model] |= set(pks)
    changed = True
    while changed:
        changed = False
        for model in candidates:
            for fk in _fks(model):
                target = fk.related_model._meta.concrete_model
                if not ids.get(target):
                    continue
                new = set(model._base_manager.filter(**{f"{fk.attname}__in": ids[target]})
                          .values_list("pk", flat=True)) - ids[model]
                if new:
                    ids[model] |= new
                    changed = True
    return {model: list(model._base_manager.filter(pk__in=pks).order_by("pk"))
            for model, pks in ids.items() if pks}


def _order(models_):
    """Parents before children (a cycle is broken where a foreign key may be NULL)."""
    pending, done = list(models_), []
    while pending:
        for model in pending:
            deps = {fk.related_model._meta.concrete_model for fk in _fks(model)
                    if not fk.null} & set(pending) - {model}
            if not deps:
                pending.remove(model)
                done.append(model)
                break
        else:  # a cycle through non-null keys: take the first
            done.append(pending.pop(0))
    return done


def _unique_sets(model):
    sets = [[f.name] for f in model._meta.concrete_fields if f.unique and not f.primary_key]
    sets += [list(names) for names in model._meta.unique_together]
    sets += [list(c.fields) for c in model._meta.constraints
             if isinstance(c, models.UniqueConstraint) and c.fields]
    return sets


def _vary(obj, field, tag):
    value = getattr(obj, field.attname)
    if value in (None, ""):
        return
    if isinstance(field, models.EmailField):
        local, _, domain = value.partition("@")
        setattr(obj, field.attname, f"{local}+{tag}@{domain}")
    elif isinstance(field, (models.CharField, models.TextField)):
        text = f"{value}-{tag}"
        if field.max_length and len(text) > field.max_length:
            text = f"{tag}-{value}"[: field.max_length]
        setattr(obj, field.attname, text)
    elif isinstance(field, models.IntegerField):
        setattr(obj, field.attname, value + 1_000_000 + hash(tag) % 1_000_000)


def copy_rows(rows, copies, hook=None):
    """Insert ``copies`` copies of the collected ``rows`` (``{model: [rows]}``): the foreign
    keys between them point to the copies (copy ``k`` to copy ``k``), the others stay.
    ``hook(obj, k, original)`` adjusts each new row before it is saved. Returns
    ``{(model, old pk, k): new pk}``."""
    new_pk = {}
    collected = set(rows)
    deferred = []  # (model, obj, field, target model, old id, k)
    for model in _order(rows):
        fresh = []
        for k in range(copies):
            for original in rows[model]:
                obj = model.__new__(model)
                obj.__dict__ = {key: value for key, value in original.__dict__.items()
                                if not key.startswith("_")}
                obj._state = models.base.ModelState()
                obj.pk = None
                changed = set()
                for fk in _fks(model):
                    target = fk.related_model._meta.concrete_model
                    old = getattr(original, fk.attname)
                    if old is None or target not in collected:
                        continue
                    if (target, old, k) in new_pk:
                        setattr(obj, fk.attname, new_pk[(target, old, k)])
                        changed.add(fk.name)
                    elif fk.null:
                        setattr(obj, fk.attname, None)
                        deferred.append((model, obj, fk, target, old, k))
                        changed.add(fk.name)
                if hook is not None:
                    changed |= hook(obj, k, original) or set()
                for names in _unique_sets(model):
                    if not set(names) & changed:
                        plain = [model._meta.get_field(n) for n in names]
                        plain = [f for f in plain if not f.is_relation]
                        if plain:
                            _vary(obj, plain[0], f"s{next(_tags)}")
                fresh.append((original.pk, k, obj))
        model._base_manager.bulk_create([obj for *_, obj in fresh], batch_size=500)
        for old, k, obj in fresh:
            new_pk[(model, old, k)] = obj.pk
    by_model = defaultdict(list)
    for model, obj, fk, target, old, k in deferred:
        if (target, old, k) in new_pk:
            setattr(obj, fk.attname, new_pk[(target, old, k)])
            by_model[(model, fk.attname)].append(obj)
    for (model, attname), objs in by_model.items():
        model._base_manager.bulk_update(objs, [attname], batch_size=500)
    return new_pk


_tags = itertools.count(1)


def person(n):
    return SURNAMES[n % len(SURNAMES)] + GIVEN[(n // len(SURNAMES)) % len(GIVEN)]


def copy_firm(pattern: Firm, index: int) -> Firm:
    """A new firm ``index``: the pattern firm and everything it owns, renamed."""
    candidates = project_models()
    rows = collect({Firm: [pattern.pk]}, candidates)
    city = CITIES[index % len(CITIES)]
    User = apps.get_model(settings.AUTH_USER_MODEL)
    Client = apps.get_model("clients", "Client")
    names = itertools.count(index * 37)

    def hook(obj, k, original):
        if isinstance(obj, Firm):
            obj.name = f"{city}{INDUSTRIES[index % len(INDUSTRIES)]}安全咨询{index:03d}有限公司"
            obj.short_name = f"{city}咨询{index:03d}"
            obj.uscc = ""
            return {"name"}
        if isinstance(obj, User):
            local, _, domain = original.email.partition("@")
            obj.email = f"{local}@s{index:03d}.{domain}"
            obj.full_name = person(next(names))
            return {"email"}
        if isinstance(obj, Client):
            obj.name = f"{city}{original.name}"
        return set()

    new_pk = copy_rows(rows, 1, hook)
    return Firm.objects.get(pk=new_pk[(Firm, pattern.pk, 0)])


def add_engagements(firm: Firm, count: int, index: int) -> int:
    """Copy the firm's engagements (with all their records) until it has ``count``."""
    Engagement = apps.get_model("engagements", "Engagement")
    Client = apps.get_model("clients", "Client")
    have = Engagement._base_manager.filter(firm=firm).count()
    if have >= count:
        return 0
    # Mostly engagements under way (the demo's many closed ones are its survey history):
    # every open stage, then a few closed and declined ones.
    every = list(Engagement._base_manager.filter(firm=firm).order_by("pk"))
    ended = [e for e in every if e.stage in ("closed", "declined", "terminated")]
    templates = [e for e in every if e not in ended] + ended[:4]
    clients = list(Client._base_manager.filter(firm=firm).order_by("pk"))
    candidates = [m for m in project_models() if m is not Firm]
    seq = itertools.count(have + 1)
    client_ids = {c.pk for c in clients}

    def hook(obj, k, original):
        if isinstance(obj, Engagement):
            s = next(seq)
            obj.number = f"S{index:03d}-{s:05d}"
            city = CITIES[(s + index) % len(CITIES)]
            obj.title = (f"{city}{INDUSTRIES[s % len(INDUSTRIES)]}企业"
                         f"{SERVICES[(s // 3) % len(SERVICES)]}")
            # the engagement's contacts and contract parties are the template's client's:
            # keep the client for records that name a contact
            if original.client_id not in client_ids:
                obj.client_id = clients[s % len(clients)].pk
            return {"number"}
        return set()

    # One walk of the foreign keys for all the templates, copied ``rounds`` times (copy k
    # of every template in one bulk insert per model), then one walk for the first
    # ``rest`` templates: two walks per firm, not one per template.
    rounds, rest = divmod(count - have, len(templates))
    made = 0
    for group, copies in ((templates, rounds), (templates[:rest], 1)):
        if copies and group:
            copy_rows(collect({Engagement: [t.pk for t in group]}, candidates), copies, hook)
            made += copies * len(group)
    return made
