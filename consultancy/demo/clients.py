"""The demo firms' clients and contacts (data/clients.yaml); a contact marked ``portal``
gets a portal login."""

import zlib

from consultancy.clients.models import Client, ClientContact
from consultancy.clients.validators import uscc_check_character
from consultancy.tenancy.models import User

from .common import data

CLIENTS = data("clients")


def load(ctx):
    for key, clients in CLIENTS.items():
        firm = ctx.data["firms"][key]["firm"]
        made = []
        for spec in clients:
            first17, name = spec["uscc17"], spec["name"]
            client, _ = Client.objects.get_or_create(
                firm=firm,
                uscc=first17 + uscc_check_character(first17),
                defaults={"name": name, "industry": spec["industry"], "size": spec["size"],
                          "address": spec["address"]},
            )
            made.append(client)
            for person in spec["contacts"]:
                cname = person["name"]
                email = f"{person['local']}@client.{key}.example"
                user = None
                if person["portal"]:
                    user, created = User.objects.get_or_create(
                        email=email,
                        defaults={
                            "full_name": cname,
                            "firm": firm,
                            "role": User.Role.CLIENT_CONTACT,
                        },
                    )
                    if created:
                        user.set_password(ctx.password)
                        user.save()
                    ctx.login(firm.short_name, "client_contact", f"{cname}（{name}）", email)
                ClientContact.objects.get_or_create(
                    firm=firm,
                    client=client,
                    name=cname,
                    defaults={
                        "position": person["position"],
                        "email": email,
                        "user": user,
                        "phone": "138" + str(zlib.crc32(email.encode()) % 10**8).zfill(8),
                    },
                )
        ctx.data["firms"][key]["clients"] = made
