"""The demo firms and their staff (data/firms.yaml), and the platform operator."""

import datetime

from django.utils import timezone

from consultancy.tenancy.models import Firm, Qualification, User

from .common import data

FIRMS = data("firms")["firms"]


def _user(*, email, password, **fields):
    user, created = User.objects.get_or_create(email=email, defaults=fields)
    if created:
        user.set_password(password)
        user.save()
    return user


def load(ctx):
    content = data("firms")
    today = timezone.localdate()
    ctx.data["firms"] = {}
    _user(
        email=content["operator"]["email"],
        password=ctx.password,
        full_name=content["operator"]["full_name"],
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
        for member in spec["staff"]:
            role, name = member["role"], member["name"]
            email = f"{member['local']}@{spec['key']}.example"
            people[member["local"]] = _user(
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
                "name": content["other_qualification"],
                "valid_from": today - datetime.timedelta(days=400),
                "valid_until": today + datetime.timedelta(days=45),
            },
        )
        ctx.data["firms"][spec["key"]] = {"firm": firm, "people": people}
