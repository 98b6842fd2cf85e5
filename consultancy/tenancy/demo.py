"""Demo firms and their staff (see ``manage.py demo``)."""

import datetime

from django.utils import timezone

from .models import Firm, Qualification, User

FIRMS = [
    {
        "key": "antai",
        "name": "安泰安全技术咨询有限公司",
        "short_name": "安泰咨询",
        "address": "江苏省苏州市工业园区星湖街 328 号",
        "phone": "0512-6288 1000",
        "staff": [
            ("manager", "周建国", "manager"),
            ("consultant", "李明", "li.ming"),
            ("consultant", "王芳", "wang.fang"),
        ],
    },
    {
        "key": "huaan",
        "name": "华安企业安全咨询有限公司",
        "short_name": "华安咨询",
        "address": "浙江省宁波市鄞州区天童南路 588 号",
        "phone": "0574-8776 2000",
        "staff": [
            ("manager", "陈志强", "manager"),
            ("consultant", "张伟", "zhang.wei"),
            ("consultant", "刘洋", "liu.yang"),
        ],
    },
]


def _user(*, email, password, **fields):
    user, created = User.objects.get_or_create(email=email, defaults=fields)
    if created:
        user.set_password(password)
        user.save()
    return user


def load(ctx):
    today = timezone.localdate()
    ctx.data["firms"] = {}
    _user(
        email="admin@platform.example",
        password=ctx.password,
        full_name="平台管理员",
        role=User.Role.OPERATOR,
        is_superuser=True,
        is_staff=True,
    )
    for spec in FIRMS:
        firm, _ = Firm.objects.get_or_create(
            name=spec["name"],
            defaults={
                "short_name": spec["short_name"],
                "address": spec["address"],
                "phone": spec["phone"],
            },
        )
        people = {}
        for role, name, local in spec["staff"]:
            email = f"{local}@{spec['key']}.example"
            people[local] = _user(
                email=email, password=ctx.password, full_name=name, firm=firm, role=role
            )
            ctx.login(firm.short_name, role, name, email)
        consultants = [u for u in people.values() if u.role == User.Role.CONSULTANT]
        valid_rse, expired_rse = consultants
        # One consultant with a registered safety engineer certificate in force, one whose
        # certificate has expired (8.1.1, 8.2.2 tell them apart).
        Qualification.objects.get_or_create(
            firm=firm,
            kind=Qualification.Kind.RSE,
            number=f"{spec['key'].upper()}-RSE-0001",
            defaults={
                "holder": valid_rse,
                "level": Qualification.Level.INTERMEDIATE,
                "specialty": Qualification.Specialty.CHEMICAL,
                "valid_from": today - datetime.timedelta(days=700),
                "valid_until": today + datetime.timedelta(days=4 * 365),
            },
        )
        Qualification.objects.get_or_create(
            firm=firm,
            kind=Qualification.Kind.RSE,
            number=f"{spec['key'].upper()}-RSE-0002",
            defaults={
                "holder": expired_rse,
                "level": Qualification.Level.INTERMEDIATE,
                "specialty": Qualification.Specialty.CONSTRUCTION,
                "valid_from": today - datetime.timedelta(days=5 * 365),
                "valid_until": today - datetime.timedelta(days=30),
            },
        )
        Qualification.objects.get_or_create(
            firm=firm,
            kind=Qualification.Kind.OTHER,
            number=f"{spec['key'].upper()}-SP-0003",
            defaults={
                "holder": expired_rse,
                "name": "安全评价师（二级）",
                "valid_from": today - datetime.timedelta(days=400),
                "valid_until": today + datetime.timedelta(days=45),
            },
        )
        ctx.data["firms"][spec["key"]] = {"firm": firm, "people": people}
