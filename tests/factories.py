"""factory_boy factories. Every firm-owned factory takes its firm from its parent."""

import datetime

import factory
from django.utils import timezone

from consultancy.clients.models import Client, ClientContact
from consultancy.clients.validators import uscc_check_character
from consultancy.tenancy.models import Firm, Qualification, User

PASSWORD = "pw-for-tests"


class FirmFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Firm

    name = factory.Sequence(lambda n: f"测试咨询公司{n}")
    short_name = factory.Sequence(lambda n: f"测试{n}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    full_name = factory.Sequence(lambda n: f"用户{n}")
    firm = factory.SubFactory(FirmFactory)
    role = User.Role.CONSULTANT
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class ManagerFactory(UserFactory):
    role = User.Role.MANAGER


class ConsultantFactory(UserFactory):
    role = User.Role.CONSULTANT


def make_uscc(n: int) -> str:
    first17 = f"913205007{n:08d}"[:17]
    return first17 + uscc_check_character(first17)


class ClientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Client

    firm = factory.SubFactory(FirmFactory)
    name = factory.Sequence(lambda n: f"客户企业{n}有限公司")
    uscc = factory.Sequence(make_uscc)
    industry = Client.Industry.CHEMICAL
    size = Client.Size.MEDIUM


class ClientContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ClientContact

    client = factory.SubFactory(ClientFactory)
    firm = factory.SelfAttribute("client.firm")
    name = factory.Sequence(lambda n: f"联系人{n}")
    email = factory.Sequence(lambda n: f"contact{n}@client.example.com")


class PortalContactFactory(ClientContactFactory):
    user = factory.SubFactory(
        UserFactory,
        firm=factory.SelfAttribute("..firm"),
        role=User.Role.CLIENT_CONTACT,
        email=factory.SelfAttribute("..email"),
    )


class QualificationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Qualification

    holder = factory.SubFactory(ConsultantFactory)
    firm = factory.SelfAttribute("holder.firm")
    kind = Qualification.Kind.RSE
    level = Qualification.Level.INTERMEDIATE
    specialty = Qualification.Specialty.CHEMICAL
    number = factory.Sequence(lambda n: f"RSE-{n:06d}")
    valid_from = factory.LazyFunction(lambda: timezone.localdate() - datetime.timedelta(days=365))
    valid_until = factory.LazyFunction(lambda: timezone.localdate() + datetime.timedelta(days=365))
