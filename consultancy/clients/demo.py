"""Demo clients and contacts (see ``manage.py demo``)."""

import zlib

from consultancy.tenancy.models import User

from .models import Client, ClientContact
from .validators import uscc_check_character

CLIENTS = {
    "antai": [
        (
            "苏州恒信化工有限公司",
            "91320500MA1MX1A2B",
            Client.Industry.CHEMICAL,
            Client.Size.MEDIUM,
            "江苏省苏州市相城区化工园区纬三路 12 号",
            [("赵立新", "安全总监", "zhao.lixin", True), ("孙丽", "EHS 专员", "sun.li", False)],
        ),
        (
            "江苏中建筑安建设工程有限公司",
            "91320100MA1PQ3C4D",
            Client.Industry.CONSTRUCTION,
            Client.Size.LARGE,
            "江苏省南京市建邺区江东中路 108 号",
            [("钱勇", "安全部经理", "qian.yong", True)],
        ),
        (
            "苏州通达仓储物流有限公司",
            "91320500MA1RT5E6F",
            Client.Industry.WAREHOUSING,
            Client.Size.SMALL,
            "江苏省苏州市吴中区物流大道 66 号",
            [("吴静", "行政主管", "wu.jing", False)],
        ),
    ],
    "huaan": [
        (
            "宁波海联石化有限公司",
            "91330200MA2AB7G8H",
            Client.Industry.CHEMICAL,
            Client.Size.LARGE,
            "浙江省宁波市镇海区石化园区海天路 9 号",
            [("郑海", "安全环保部部长", "zheng.hai", True)],
        ),
        (
            "宁波甬安建工集团有限公司",
            "91330200MA2CD9J0K",
            Client.Industry.CONSTRUCTION,
            Client.Size.MEDIUM,
            "浙江省宁波市江北区大庆南路 77 号",
            [
                ("冯晓东", "项目安全员", "feng.xiaodong", True),
                ("何敏", "办公室主任", "he.min", False),
            ],
        ),
        (
            "宁波港城冷链仓储有限公司",
            "91330200MA2EF1L2M",
            Client.Industry.WAREHOUSING,
            Client.Size.SMALL,
            "浙江省宁波市北仑区港城大道 199 号",
            [("许磊", "仓库经理", "xu.lei", False)],
        ),
    ],
}


def load(ctx):
    for key, clients in CLIENTS.items():
        firm = ctx.data["firms"][key]["firm"]
        made = []
        for name, first17, industry, size, address, contacts in clients:
            uscc = first17 + uscc_check_character(first17)
            client, _ = Client.objects.get_or_create(
                firm=firm,
                uscc=uscc,
                defaults={"name": name, "industry": industry, "size": size, "address": address},
            )
            made.append(client)
            for cname, position, local, portal in contacts:
                email = f"{local}@client.{key}.example"
                user = None
                if portal:
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
                        "position": position,
                        "email": email,
                        "user": user,
                        "phone": "138" + str(zlib.crc32(email.encode()) % 10**8).zfill(8),
                    },
                )
        ctx.data["firms"][key]["clients"] = made
