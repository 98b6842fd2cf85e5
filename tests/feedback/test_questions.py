"""The managers' question-set page (9.5): add, change, reorder, stop asking; an answered
question keeps its wording and kind (its answers point at it); managers of the firm only."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from feedback import services
from feedback.models import Survey, SurveyQuestion
from tests import factories as f
from tests.conftest import login, zh
from tests.feedback.helpers import handed_over, send_survey
from tests.scoping import scopes_disabled
from tests.versions import seen_versions, with_versions

pytestmark = pytest.mark.django_db

URL = "feedback:question_set"


def _questions(firm):
    with scopes_disabled():
        return list(SurveyQuestion.objects.filter(firm=firm).order_by("order", "pk"))


def _add(client, **fields):
    data = {"form": "add", "q-label_zh": "", "q-label_en": "", "q-kind": "scale_1_5",
            "q-code": "", "q-required": "on", "q-is_active": "on"}
    data.update({f"q-{k}": v for k, v in fields.items()})
    return client.post(reverse(URL), data)


def test_the_default_set_and_adding_questions(client, a):
    response = login(client, a.manager).get(reverse(URL))
    assert response.status_code == 200
    codes = [q.code for q in _questions(a.firm)]
    assert codes[:2] == ["competence", "timeliness"] and "recommend" in codes
    html = response.content.decode()
    assert "咨询人员的专业能力" in html and 'id="question-list"' in html

    for kind, label in (("scale_1_5", "安全培训的效果"), ("nps_0_10", "再次委托我们的可能性"),
                        ("text", "对回访工作的建议")):
        response = _add(client, label_zh=label, kind=kind)
        assert response.status_code == 302, response.content.decode()[:2000]
    added = _questions(a.firm)[-3:]
    assert [(q.label_zh, q.kind) for q in added] == [
        ("安全培训的效果", "scale_1_5"), ("再次委托我们的可能性", "nps_0_10"),
        ("对回访工作的建议", "text")]
    assert len({q.code for q in _questions(a.firm)}) == len(_questions(a.firm))  # codes unique
    assert [q.order for q in _questions(a.firm)] == sorted(q.order for q in _questions(a.firm))

    # the form explains itself: a question needs its wording
    response = _add(client, label_zh="")
    assert response.status_code == 400
    assert response.context["form"].errors["label_zh"]


def _edit_page(question):
    return f"{reverse(URL)}?edit={question.pk}"


def test_change_reorder_and_stop_asking(client, a):
    login(client, a.manager)
    client.get(reverse(URL))
    questions = _questions(a.firm)
    timeliness = questions[1]
    response = client.post(reverse(URL), with_versions(client, _edit_page(timeliness), {
        "form": "edit", "question": timeliness.pk, "q-label_zh": "按约定时间完成工作",
        "q-label_en": "On time", "q-kind": "scale_1_5", "q-code": "timeliness",
        "q-required": "on", "q-is_active": "on"}))
    assert response.status_code == 302
    with scopes_disabled():
        timeliness.refresh_from_db()
    assert timeliness.label_zh == "按约定时间完成工作"  # not answered yet: may be reworded

    # move it up: it becomes the first
    client.post(reverse(URL), {"form": "move", "question": timeliness.pk, "direction": "up"})
    assert [q.code for q in _questions(a.firm)][:2] == ["timeliness", "competence"]
    client.post(reverse(URL), {"form": "move", "question": timeliness.pk, "direction": "down"})
    client.post(reverse(URL), {"form": "move", "question": timeliness.pk, "direction": "down"})
    assert [q.code for q in _questions(a.firm)][:3] == ["competence", "communication",
                                                        "timeliness"]
    assert [q.order for q in _questions(a.firm)] == list(range(len(_questions(a.firm))))

    # stop asking "on_site": a survey sent now asks the others, in the new order
    on_site = next(q for q in _questions(a.firm) if q.code == "on_site")
    client.post(reverse(URL), with_versions(client, _edit_page(on_site), {
        "form": "edit", "question": on_site.pk, "q-label_zh": on_site.label_zh,
        "q-label_en": on_site.label_en, "q-kind": on_site.kind, "q-code": on_site.code,
        "q-required": "on"}))  # is_active unticked
    with scopes_disabled():
        on_site.refresh_from_db()
        assert not on_site.is_active
        engagement = handed_over(a)
        survey = send_survey(engagement, a)
        asked = list(survey.questions.order_by("order", "pk").values_list("code", flat=True))
    assert "on_site" not in asked
    assert asked[:3] == ["competence", "communication", "timeliness"]
    html = client.get(reverse(URL)).content.decode()
    assert zh("no longer asked") in html


def test_an_answered_question_keeps_its_wording_and_kind(client, a):
    with scopes_disabled():
        engagement = f.EngagementFactory(client=a.client, lead_consultant=a.consultant)
        f.survey_answers(engagement, scores={"overall": 4, "recommend": 9})
        overall = SurveyQuestion.objects.get(firm=a.firm, code="overall")
        assert overall.answers.exists()
    login(client, a.manager)
    # the page's form does not even offer the change: the posted wording is ignored
    response = client.get(reverse(URL), {"edit": overall.pk})
    form = response.context["form"]
    assert form.fields["label_zh"].disabled and form.fields["kind"].disabled
    response = client.post(reverse(URL), {
        "form": "edit", "question": overall.pk, "q-label_zh": "完全不同的问题",
        "q-kind": "text", "q-code": "other", "q-required": "on",
        **seen_versions(response)})  # and no longer asked
    assert response.status_code == 302
    with scopes_disabled():
        overall.refresh_from_db()
    assert (overall.label_zh, overall.kind, overall.code) == ("总体满意度", "scale_1_5", "overall")
    assert not overall.is_active  # deactivating is what an answered question allows
    # and the service refuses it whatever the entry point
    for change in ({"label_zh": "完全不同的问题"}, {"kind": "text"}, {"code": "x"}):
        with scopes_disabled(), pytest.raises(ValidationError):
            services.survey_question_edit(firm=a.firm, by=a.manager, question=overall, **change)
    with scopes_disabled():
        services.survey_question_edit(firm=a.firm, by=a.manager, question=overall,
                                      is_active=True, required=False)
        overall.refresh_from_db()
    assert overall.is_active and not overall.required
    # the old answers still read as they were given
    with scopes_disabled():
        assert overall.answers.get().score == 4
        assert overall.label_zh == "总体满意度"


def test_managers_of_the_firm_only(client, a, b):
    with scopes_disabled():
        services.question_set_for(a.firm)
        question = SurveyQuestion.objects.filter(firm=a.firm).first()
        original = question.label_zh
    for user in (a.consultant, a.contact.user):
        login(client, user)
        assert client.get(reverse(URL)).status_code == 404
        assert _add(client, label_zh="偷偷加的问题").status_code == 404
    # firm b's manager: a's question is a 404, on edit, on move, on the edit link
    login(client, b.manager)
    assert client.get(reverse(URL), {"edit": question.pk}).status_code == 404
    assert client.post(reverse(URL), {"form": "edit", "question": question.pk,
                                      "q-label_zh": "改了", "q-kind": "scale_1_5"}
                       ).status_code == 404
    assert client.post(reverse(URL), {"form": "move", "question": question.pk,
                                      "direction": "down"}).status_code == 404
    html = client.get(reverse(URL)).content.decode()
    assert f'id="question-{question.pk}"' not in html
    with scopes_disabled():
        question.refresh_from_db()
        assert question.label_zh == original
        assert not SurveyQuestion.objects.filter(label_zh="偷偷加的问题").exists()
        assert not Survey.objects.exists()
    # the service refuses a consultant and another firm's manager
    with scopes_disabled():
        with pytest.raises(ValidationError):
            services.survey_question_edit(firm=a.firm, by=a.consultant, label_zh="x",
                                          kind="text")
        with pytest.raises(Exception):  # noqa: B017 - CrossFirmReference (a ValueError)
            services.survey_question_edit(firm=a.firm, by=b.manager, label_zh="x", kind="text")
