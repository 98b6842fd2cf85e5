"""factory_boy factories. Every firm-owned factory takes its firm from its parent."""

import datetime

import factory
from django.utils import timezone

from consultancy.clients.models import Client, ClientContact
from consultancy.clients.validators import uscc_check_character
from consultancy.tenancy.models import Firm, Qualification, User
from tests.scoping import scopes_disabled

PASSWORD = "pw-for-tests"


class SetUpFactory(factory.django.DjangoModelFactory):
    """Factories build test set-up, often for several firms at once: in the explicit
    cross-firm mode (``tests.scoping``), so that the database's row-level security lets the
    rows in whatever scope the test is in."""

    class Meta:
        abstract = True

    @classmethod
    def _generate(cls, strategy, params):
        with scopes_disabled():
            return super()._generate(strategy, params)


class FirmFactory(SetUpFactory):
    class Meta:
        model = Firm

    name = factory.Sequence(lambda n: f"测试咨询公司{n}")
    short_name = factory.Sequence(lambda n: f"测试{n}")


class UserFactory(SetUpFactory):
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


class ClientFactory(SetUpFactory):
    class Meta:
        model = Client

    firm = factory.SubFactory(FirmFactory)
    name = factory.Sequence(lambda n: f"客户企业{n}有限公司")
    uscc = factory.Sequence(make_uscc)
    industry = Client.Industry.CHEMICAL
    size = Client.Size.MEDIUM


class ClientContactFactory(SetUpFactory):
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


class QualificationFactory(SetUpFactory):
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


# -- engagements (clauses 4–6) ---------------------------------------------------------

from engagements.models import (  # noqa: E402
    CommunicationRecord,
    Engagement,
    ExchangeRecord,
    NeedsAssessment,
    ProjectFramework,
    ServiceType,
    SiteVisit,
)


class EngagementFactory(SetUpFactory):
    """An engagement in needs_analysis. Use ``tests.engagements.helpers`` to move it on."""

    class Meta:
        model = Engagement

    client = factory.SubFactory(ClientFactory)
    firm = factory.SelfAttribute("client.firm")
    lead_consultant = factory.SubFactory(ConsultantFactory, firm=factory.SelfAttribute("..firm"))
    number = factory.Sequence(lambda n: f"2026-{n + 1:03d}")
    title = factory.Sequence(lambda n: f"安全生产标准化咨询项目{n}")
    # the firm's service type of this code (its seeded list); a ServiceType passes as is
    service_type = "standardization"
    origin = Engagement.Origin.REQUEST
    # Opened long ago (as an engagement with imported history): the tests date their
    # records freely in the past; the standard's order from the opening on is tested
    # with engagements opened on a given day (tests/engagements/test_chronology.py).
    opened_on = factory.LazyFunction(
        lambda: timezone.localdate() - datetime.timedelta(days=3 * 365))

    @classmethod
    def _adjust_kwargs(cls, **kwargs):
        if isinstance(kwargs.get("service_type"), str):
            kwargs["service_type"] = ServiceType.objects.with_scopes_disabled().get(
                firm=kwargs["firm"], code=kwargs["service_type"])
        return kwargs


class NeedsAssessmentFactory(SetUpFactory):
    """A complete assessment with the decision to proceed (meets 5.assessment)."""

    class Meta:
        model = NeedsAssessment

    engagement = factory.SubFactory(EngagementFactory)
    firm = factory.SelfAttribute("engagement.firm")
    created_by = factory.SelfAttribute("engagement.lead_consultant")
    scope_finding = "属于本机构安全标准化咨询服务范围"
    scope_verdict = "fine"
    capability_finding = "化工专业注册安全工程师 2 名"
    capability_verdict = "fine"
    client_resources_finding = "客户设有安全管理部，可配合"
    client_resources_verdict = "fine"
    risks_finding = "客户工期紧，存在资料不全风险"
    risks_verdict = "concern"
    schedule_finding = "三个月内可完成"
    schedule_verdict = "fine"
    budget_finding = "与同类项目相当"
    budget_verdict = "fine"
    budget_min = 80000
    budget_max = 120000
    measures = "提前发放资料清单，每周沟通进度"
    assessor = factory.SelfAttribute("engagement.lead_consultant")
    assessed_on = factory.LazyFunction(timezone.localdate)
    decision = "proceed"


class SiteVisitFactory(SetUpFactory):
    class Meta:
        model = SiteVisit
        skip_postgeneration_save = True

    engagement = factory.SubFactory(EngagementFactory)
    firm = factory.SelfAttribute("engagement.firm")
    created_by = factory.SelfAttribute("engagement.lead_consultant")
    visited_on = factory.LazyFunction(timezone.localdate)
    findings = "现场仓储区消防通道堵塞，安全台账缺失"
    need_exists = "yes"

    @factory.post_generation
    def visitors(obj, create, extracted, **kwargs):
        if create:
            obj.visitors.set(extracted or [obj.engagement.lead_consultant])


class CommunicationRecordFactory(SetUpFactory):
    class Meta:
        model = CommunicationRecord

    engagement = factory.SubFactory(EngagementFactory)
    firm = factory.SelfAttribute("engagement.firm")
    created_by = factory.SelfAttribute("engagement.lead_consultant")
    held_on = factory.LazyFunction(timezone.localdate)
    participants = "客户安全总监、咨询顾问"
    basic_situation = "危化品生产企业，员工 300 人"
    explicit_needs = "通过安全生产标准化二级评审"
    latent_needs = "双重预防机制建设"


class ExchangeRecordFactory(SetUpFactory):
    class Meta:
        model = ExchangeRecord

    engagement = factory.SubFactory(EngagementFactory)
    firm = factory.SelfAttribute("engagement.firm")
    created_by = factory.SelfAttribute("engagement.lead_consultant")
    held_on = factory.LazyFunction(timezone.localdate)
    participants = "双方项目负责人"
    objectives = "年内通过二级标准化评审"
    main_content = "制度文件编制、现场隐患排查"
    implementation_approach = "驻场与远程结合"
    rights_and_obligations = "客户提供资料，咨询方按期交付"


class ProjectFrameworkFactory(SetUpFactory):
    """An unconfirmed framework; pass ``confirmed_by``/``confirmed_on`` to confirm it."""

    class Meta:
        model = ProjectFramework

    engagement = factory.SubFactory(EngagementFactory)
    firm = factory.SelfAttribute("engagement.firm")
    created_by = factory.SelfAttribute("engagement.lead_consultant")
    objectives = "通过安全生产标准化二级评审"
    scope = "全厂区"
    approach = "诊断—整改—评审辅导"
    timetable = "2026 年 12 月至 2027 年 3 月"
    budget = 100000


# -- feedback: satisfaction survey answers (9.5), made directly for the statistics ------


def survey_answers(engagement, *, contact=None, sent_at=None, submitted_at=None, scores=None,
                   comment="", answered=True):
    """A survey of ``engagement`` sent at ``sent_at`` to ``contact`` (a new one if None)
    and, if ``answered``, answered at ``submitted_at`` with ``scores`` ({code: score} of
    the firm's default questions) and ``comment``. Rows made directly, not through the
    link. Returns the invitation."""
    from feedback.models import (
        Survey,
        SurveyAnswer,
        SurveyInvitation,
        SurveyResponse,
    )
    from feedback.services import question_set_for

    firm = engagement.firm
    sent_at = sent_at or timezone.now()
    submitted_at = submitted_at or sent_at + datetime.timedelta(days=1)
    contact = contact or ClientContactFactory(client=engagement.client)
    question_set = question_set_for(firm)
    questions = {q.code: q for q in question_set.questions.all()}
    survey = Survey.objects.create(firm=firm, engagement=engagement, question_set=question_set,
                                   sent_at=sent_at, sent_by=engagement.lead_consultant)
    invitation = SurveyInvitation.objects.create(
        firm=firm, survey=survey, contact=contact, email=contact.email or "x@example.com",
        expires_at=sent_at + datetime.timedelta(days=30),
        used_at=submitted_at if answered else None)
    if answered:
        response = SurveyResponse.objects.create(
            firm=firm, invitation=invitation, survey=survey, engagement=engagement,
            contact=contact, submitted_at=submitted_at)
        for code, score in (scores or {}).items():
            SurveyAnswer.objects.create(firm=firm, response=response, question=questions[code],
                                        score=score)
        if comment:
            SurveyAnswer.objects.create(firm=firm, response=response,
                                        question=questions["comments"], text=comment)
    return invitation
