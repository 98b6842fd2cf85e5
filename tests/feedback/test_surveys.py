"""9.5: the question set, sending a survey, one-time links without login, answers."""

import datetime
import hashlib
import re

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from consultancy.tenancy.scoping import CrossFirmReference, firm_scope
from feedback import services
from feedback.errors import FollowUpRefused, SurveyLinkExpired, SurveyLinkInvalid, SurveyLinkUsed
from feedback.models import (
    Survey,
    SurveyAnswer,
    SurveyInvitation,
    SurveyQuestion,
    SurveyResponse,
)
from feedback.selectors import survey_link
from tests import factories as f
from tests.feedback.helpers import handed_over, on_commit, send_survey
from tests.scoping import scopes_disabled

pytestmark = pytest.mark.django_db

ANSWERS = {"competence": 5, "timeliness": 4, "communication": 5, "deliverables": 4,
           "on_site": 5, "overall": 5, "recommend": 9, "comments": "现场指导很细致"}


@pytest.fixture(autouse=True)
def _unscoped():
    with scopes_disabled():
        yield


def links(outbox=None):
    """``{address: token}`` from the mailed survey links (the last one per address)."""
    found = {}
    for message in outbox if outbox is not None else mail.outbox:
        match = re.search(r"/survey/([A-Za-z0-9_\-]+)/", message.body)
        if match:
            found[message.to[0]] = match.group(1)
    return found


@pytest.fixture
def sent(a):
    engagement = handed_over(a)
    mail.outbox.clear()
    survey = send_survey(engagement, a)
    return engagement, survey, links()[a.contact.email]


def test_the_default_question_set_is_seeded_with_the_firm(a, b):
    question_set = services.question_set_for(a.firm)
    questions = list(question_set.questions.all())
    assert [q.code for q in questions] == ["competence", "timeliness", "communication",
                                           "deliverables", "on_site", "overall", "recommend",
                                           "comments"]
    assert [q.kind for q in questions] == ["scale_1_5"] * 6 + ["nps_0_10", "text"]
    assert all(q.label_zh and q.label_en for q in questions)
    assert services.question_set_for(a.firm) == question_set  # not twice
    assert services.question_set_for(b.firm) != question_set
    assert SurveyQuestion.objects.filter(firm=b.firm).count() == 8


def test_a_firm_without_a_question_set_is_refused_not_given_one_by_a_read(a):
    from feedback.errors import NoQuestionSet
    from feedback.models import SurveyQuestionSet

    SurveyQuestion.objects.filter(firm=a.firm).delete()
    SurveyQuestionSet.objects.filter(firm=a.firm).delete()
    with pytest.raises(NoQuestionSet):
        services.question_set_for(a.firm)
    assert not SurveyQuestionSet.objects.filter(firm=a.firm).exists()
    # the seeder (the firm's creation, consultancy.tenancy.firm_lists) gives it, once
    services.questions_seed(a.firm.pk)
    services.questions_seed(a.firm.pk)
    assert SurveyQuestionSet.objects.filter(firm=a.firm).count() == 1
    assert services.question_set_for(a.firm).questions.count() == 8


def test_the_data_migration_gives_a_set_to_the_firms_without_one(a, b):
    import importlib

    from django.apps import apps

    from feedback.models import SurveyQuestionSet

    migration = importlib.import_module("feedback.migrations.0011_question_sets_for_every_firm")
    SurveyQuestion.objects.filter(firm=b.firm).delete()
    SurveyQuestionSet.objects.filter(firm=b.firm).delete()
    kept = services.question_set_for(a.firm)
    services.survey_question_save(firm=a.firm, by=a.manager, code="extra", kind="text",
                                  label_zh="补充问题", order=9)
    migration.seed_question_sets(apps, None)
    assert services.question_set_for(a.firm) == kept
    assert SurveyQuestion.objects.filter(firm=a.firm).count() == 9  # a's set as it was
    assert [q.code for q in services.question_set_for(b.firm).questions.all()] == [
        "competence", "timeliness", "communication", "deliverables", "on_site", "overall",
        "recommend", "comments"]


def test_labels_follow_the_language(a):
    from django.utils import translation

    q = services.question_set_for(a.firm).questions.get(code="overall")
    with translation.override("en"):
        assert q.label == "Overall satisfaction"
    with translation.override("zh-hans"):
        assert q.label == "总体满意度"


def test_managers_edit_the_questions(a, b):
    services.question_set_for(a.firm)
    new = services.survey_question_save(firm=a.firm, by=a.manager, code="safety_culture",
                                        kind="scale_1_5", label_zh="安全文化提升", order=9)
    assert new.question_set.firm == a.firm
    with pytest.raises(ValidationError):
        services.survey_question_save(firm=a.firm, by=a.consultant, code="x", kind="text",
                                      label_zh="x")
    with pytest.raises(CrossFirmReference):
        services.survey_question_save(firm=b.firm, by=b.manager, question=new, label_zh="改")


def test_a_survey_goes_to_the_clients_active_contacts_with_email(a):
    engagement = handed_over(a)
    no_email = f.ClientContactFactory(client=a.client, email="")
    inactive = f.ClientContactFactory(client=a.client, is_active=False)
    second = f.ClientContactFactory(client=a.client)
    mail.outbox.clear()
    survey = send_survey(engagement, a)
    invitations = list(survey.invitations.all())
    assert {i.contact for i in invitations} == {a.contact, second}
    assert no_email not in {i.contact for i in invitations} and inactive not in {
        i.contact for i in invitations}
    assert sorted(m.to[0] for m in mail.outbox) == sorted([a.contact.email, second.email])
    tokens = links()
    for invitation in invitations:
        token = tokens[invitation.email]
        assert invitation.mailed_at is not None or SurveyInvitation.objects.get(
            pk=invitation.pk).mailed_at is not None
        # only the hash is stored
        stored = SurveyInvitation.objects.get(pk=invitation.pk)
        assert stored.token_hash == hashlib.sha256(token.encode()).hexdigest()
        assert token not in str(SurveyInvitation.objects.filter(pk=invitation.pk).values().get())
        assert stored.expires_at - stored.survey.sent_at == datetime.timedelta(days=30)
    assert survey.questions.count() == 8


def test_a_second_send_skips_contacts_whose_link_is_open(a):
    engagement = handed_over(a)
    send_survey(engagement, a)
    with pytest.raises(ValidationError):
        send_survey(engagement, a)
    later = f.ClientContactFactory(client=a.client)
    survey = send_survey(engagement, a)
    assert [i.contact for i in survey.invitations.all()] == [later]


def test_a_survey_is_sent_after_delivery_only_to_this_clients_contacts(a, b):
    from engagements.stages import Stage
    from tests.engagements.helpers import advance_to

    delivering = advance_to(f.EngagementFactory(client=a.client, lead_consultant=a.consultant),
                            Stage.DELIVERY)
    with pytest.raises(FollowUpRefused):
        services.survey_send(engagement=delivering, by=a.consultant)
    engagement = handed_over(a)
    with pytest.raises(CrossFirmReference):
        services.survey_send(engagement=engagement, by=a.consultant, contacts=[b.contact])
    with pytest.raises(CrossFirmReference):
        services.survey_send(engagement=engagement, by=b.consultant)
    with pytest.raises(ValidationError):
        services.survey_send(engagement=engagement, by=a.consultant,
                             contacts=[f.ClientContactFactory(client=f.ClientFactory(firm=a.firm))])
    assert not Survey.objects.exists()


def test_a_link_answers_once_then_is_refused_as_used(a, sent):
    engagement, survey, token = sent
    assert [q.code for q in survey_link(token).questions][0] == "competence"
    response = services.survey_answer(token=token, answers=ANSWERS)
    assert response.engagement == engagement and response.contact == a.contact
    assert {x.question.code: (x.score if x.score is not None else x.text)
            for x in response.answers.all()} == ANSWERS
    with pytest.raises(SurveyLinkUsed):
        services.survey_answer(token=token, answers={**ANSWERS, "overall": 1})
    with pytest.raises(SurveyLinkUsed):
        survey_link(token)
    assert SurveyResponse.objects.count() == 1 and SurveyAnswer.objects.count() == 8
    assert SurveyAnswer.objects.get(question__code="overall").score == 5


def test_one_response_per_link_is_enforced_by_the_database(a, sent):
    from django.db import IntegrityError, transaction

    _engagement, survey, token = sent
    response = services.survey_answer(token=token, answers=ANSWERS)
    with pytest.raises(IntegrityError), transaction.atomic():
        SurveyResponse.objects.create(firm=a.firm, invitation=response.invitation, survey=survey,
                                      engagement=survey.engagement, contact=a.contact)


def test_an_expired_link_is_refused_and_stores_nothing(a, sent):
    _engagement, _survey, token = sent
    SurveyInvitation.objects.update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    with pytest.raises(SurveyLinkExpired):
        survey_link(token)
    with pytest.raises(SurveyLinkExpired):
        services.survey_answer(token=token, answers=ANSWERS)
    assert not SurveyResponse.objects.exists() and not SurveyAnswer.objects.exists()
    assert SurveyInvitation.objects.get().used_at is None


@pytest.mark.parametrize("forged", [
    "", "short", "x" * 43, "A" * 1000, None,
])
def test_forged_links_are_refused_and_store_nothing(a, sent, forged):
    _engagement, _survey, token = sent
    with pytest.raises(SurveyLinkInvalid):
        services.survey_answer(token=forged, answers=ANSWERS)
    with pytest.raises(SurveyLinkInvalid):  # the stored hash itself is not a token
        services.survey_answer(token=SurveyInvitation.objects.get().token_hash, answers=ANSWERS)
    with pytest.raises(SurveyLinkInvalid):  # nor is a token one character off
        services.survey_answer(token=token[:-1] + ("A" if token[-1] != "A" else "B"),
                               answers=ANSWERS)
    assert not SurveyResponse.objects.exists()


def test_invalid_answers_store_nothing_and_leave_the_link_usable(a, sent):
    _engagement, _survey, token = sent
    for bad in ({**ANSWERS, "overall": 6}, {**ANSWERS, "recommend": 11},
                {**ANSWERS, "competence": "很好"}, {k: v for k, v in ANSWERS.items()
                                                     if k != "overall"},
                {**ANSWERS, "nonexistent": 3}):
        with pytest.raises(ValidationError):
            services.survey_answer(token=token, answers=bad)
    assert not SurveyResponse.objects.exists()
    without_comment = {k: v for k, v in ANSWERS.items() if k != "comments"}
    response = services.survey_answer(token=token, answers=without_comment)  # optional
    assert response.answers.count() == 7


def test_a_link_of_firm_a_cannot_reach_firm_b(a, b, sent):
    engagement, survey, token = sent
    engagement_b = handed_over(b)
    survey_b = send_survey(engagement_b, b)
    b_question = survey_b.questions.get(code="overall")
    # answers naming firm b's questions are refused
    with pytest.raises(ValidationError):
        services.survey_answer(token=token, answers={**ANSWERS, b_question.pk: 1})
    with pytest.raises(ValidationError):
        services.survey_answer(token=token, answers={**{k: v for k, v in ANSWERS.items()
                                                         if k != "overall"}, b_question: 5})
    # the link opens firm a's survey only, whoever's scope the request is in
    with firm_scope(b.firm):
        opened = survey_link(token)
        assert opened.firm_id == a.firm.pk and opened.engagement_title == engagement.title
        assert {q.firm_id for q in opened.questions} == {a.firm.pk}
        response = services.survey_answer(token=token, answers=ANSWERS)
        # back in firm b's scope: firm a's response is not visible
        assert not SurveyResponse.objects.exists()
    assert response.firm_id == a.firm.pk
    assert {x.firm_id for x in SurveyAnswer.objects.filter(response=response)} == {a.firm.pk}
    assert not SurveyResponse.objects.filter(firm=b.firm).exists()
    assert SurveyInvitation.objects.filter(survey=survey_b, used_at__isnull=True).count() == 1


def test_a_reminder_reissues_the_link_once(a, sent):
    from feedback.tasks import mail_survey_invitation

    _engagement, _survey, token = sent
    invitation = SurveyInvitation.objects.get()
    mail.outbox.clear()
    assert mail_survey_invitation(a.firm.pk, invitation.pk, "", True) is True
    assert mail_survey_invitation(a.firm.pk, invitation.pk, "", True) is False
    assert mail_survey_invitation(a.firm.pk, invitation.pk) is False  # mailed already
    assert len(mail.outbox) == 1
    new_token = links()[a.contact.email]
    assert new_token != token
    with pytest.raises(SurveyLinkInvalid):
        services.survey_answer(token=token, answers=ANSWERS)
    services.survey_answer(token=new_token, answers=ANSWERS)


def test_the_mail_task_returns_no_secret(a):
    engagement = handed_over(a)
    with on_commit():
        survey = services.survey_send(engagement=engagement, by=a.consultant)
    invitation = survey.invitations.get()
    from feedback.tasks import mail_survey_invitation

    result = mail_survey_invitation.delay(a.firm.pk, invitation.pk)
    assert result.get() is False  # already mailed; and a bool, never the token


def test_a_contact_with_a_portal_login_is_also_told_where_to_answer_in_the_portal(a, sent):
    """9.5 and the portal: the survey mail of a contact with a portal login links the portal's
    survey page too; the one-time public link stays first and works."""
    from django.urls import reverse

    invitation = SurveyInvitation.objects.get()
    body = mail.outbox[-1].body
    assert reverse("portal:survey", args=[invitation.pk]) in body
    assert body.index("/survey/") < body.index("/portal/")


def test_a_contact_without_a_portal_login_gets_only_the_link(a):
    from consultancy.clients.models import ClientContact

    engagement = handed_over(a)
    ClientContact.objects.filter(pk=a.contact.pk).update(user=None)
    mail.outbox.clear()
    send_survey(engagement, a)
    assert "/survey/" in mail.outbox[-1].body and "/portal/" not in mail.outbox[-1].body
