"""A client's confirmation is bound to the content on their screen (6.4, 8.3.1): the
portal form carries the content's fingerprint; a confirmation of content changed since
the page was opened is refused and records nothing; the same content confirms."""

import re

import pytest
from django.contrib.messages import constants
from django.test import Client
from django.urls import reverse

from consultancy.tenancy.versioning import ContentChanged
from delivery.models import ConsultingPlan
from engagements import services as engagement_services
from engagements.freezing import frozen_records_unlocked
from engagements.models import ProjectFramework
from tests.conftest import login, zh
from tests.portal.conftest import snapshot
from tests.scoping import scopes_disabled

pytestmark = pytest.mark.django_db


def _fingerprint(page, action):
    """The fingerprint the form posting to ``action`` carries on the client's page."""
    pattern = r'<form[^>]*action="' + re.escape(action) + r'".*?</form>'
    form = re.search(pattern, page, re.S)
    assert form, f"no form to {action}"
    return re.search(r'name="content_fingerprint" value="([0-9a-f]{64})"', form.group(0))[1]


def _levels(response):
    return [m.level for m in response.context["messages"]]


def test_a_framework_changed_while_the_client_had_it_open_is_not_confirmed(a, b, world):
    """The version the client opened is never edited: the manager's change is version 2,
    the client's click on version 1 records nothing, and what they confirm is the version
    on their screen. A change below the service (a queryset update) is caught by the
    fingerprint."""
    client = login(Client(), a.contact.user)
    url = reverse("portal:framework_confirm", args=[world.e_communication.pk,
                                                     world.framework.pk])
    page = client.get(reverse("portal:engagement", args=[world.e_communication.pk]))
    seen = _fingerprint(page.content.decode(), url)
    with scopes_disabled():
        budget = ProjectFramework.objects.get(pk=world.framework.pk).budget
        v2 = engagement_services.framework_save(engagement=world.e_communication,
                                                by=a.manager, budget=276000)
        assert v2.pk != world.framework.pk and v2.version == 2
        assert ProjectFramework.objects.get(pk=world.framework.pk).budget == budget
    before = snapshot()
    r = client.post(url, {"content_fingerprint": seen}, follow=True)
    assert constants.ERROR in _levels(r)
    assert snapshot() == before
    with scopes_disabled():
        assert not ProjectFramework.objects.get(pk=world.framework.pk).is_confirmed

    # The other firm's contact never reaches it.
    other = login(Client(), b.contact.user)
    assert other.post(url, {"content_fingerprint": seen}).status_code == 404

    # Changed below the services while the client has version 2 open: refused.
    url2 = reverse("portal:framework_confirm", args=[world.e_communication.pk, v2.pk])
    page = client.get(reverse("portal:engagement", args=[world.e_communication.pk]))
    seen2 = _fingerprint(page.content.decode(), url2)
    with scopes_disabled():
        ProjectFramework.objects.filter(pk=v2.pk).update(budget=300000)
    r = client.post(url2, {"content_fingerprint": seen2}, follow=True)
    assert constants.ERROR in _levels(r)
    assert zh(str(ContentChanged.default_message)) in r.content.decode()
    with scopes_disabled():
        assert not ProjectFramework.objects.get(pk=v2.pk).is_confirmed

    # Reviewed again, the content on the screen is what is confirmed.
    page = client.get(reverse("portal:engagement", args=[world.e_communication.pk]))
    seen2 = _fingerprint(page.content.decode(), url2)
    r = client.post(url2, {"content_fingerprint": seen2}, follow=True)
    assert constants.SUCCESS in _levels(r)
    with scopes_disabled():
        fw = ProjectFramework.objects.get(pk=v2.pk)
        assert fw.is_confirmed and fw.budget == 300000
        assert fw.confirmed_fingerprint == seen2 == fw.content_fingerprint


def test_a_framework_the_client_has_seen_is_not_edited_in_place(client, a, world):
    """Opening the portal page records (once, with an event) that the client saw the
    version; the staff page then saves a change as a new version, the model refuses an
    edit of the seen one, and the admin's change goes through framework_save."""
    from django.contrib import admin as django_admin

    from consultancy.activity.models import Event
    from engagements.models import FrozenRecord
    from engagements.services import record_save

    portal = login(Client(), a.contact.user)
    with scopes_disabled():
        assert ProjectFramework.objects.get(pk=world.framework.pk).shown_to_client_at is None
    for _i in range(2):
        portal.get(reverse("portal:engagement", args=[world.e_communication.pk]))
    with scopes_disabled():
        v1 = ProjectFramework.objects.get(pk=world.framework.pk)
        assert v1.shown_to_client_at is not None
        shown = Event.objects.filter(verb="framework.shown", object_id=v1.pk)
        assert shown.count() == 1 and shown.get().actor == a.contact.user
        # below the service: the model refuses a content change of the seen version
        v1.budget = 1
        with pytest.raises(FrozenRecord):
            record_save(record=v1, by=a.manager)
    # the staff page: the form says so, and saving makes version 2
    login(client, a.manager)
    url = reverse("engagements:framework", args=[world.e_communication.pk])
    page = client.get(url)
    assert 'id="framework-seen"' in page.content.decode()
    form = page.context["form"]
    data = {name: form[name].value() for name in form.fields
            if form[name].value() is not None}
    data["scope"] = "全厂区及两个仓库"
    assert client.post(url, data).status_code == 302
    with scopes_disabled():
        versions = list(ProjectFramework.objects.filter(engagement=world.e_communication)
                        .order_by("version"))
        assert [v.version for v in versions] == [1, 2]
        assert versions[0].scope != "全厂区及两个仓库" and versions[1].scope == "全厂区及两个仓库"
    # the admin: a change of the seen version goes through framework_save (version 3)
    with scopes_disabled():
        ProjectFramework.objects.filter(pk=versions[1].pk).update(
            shown_to_client_at=versions[0].shown_to_client_at)
    admin_url = reverse("admin:engagements_projectframework_change", args=[versions[1].pk])
    model_admin = django_admin.site._registry[ProjectFramework]
    assert model_admin is not None
    from tests.admin.test_write_path import form_data

    data = form_data(client.get(admin_url))
    data["approach"] = "驻场与远程结合(后台)"
    assert client.post(admin_url, data).status_code == 302
    with scopes_disabled():
        assert ProjectFramework.objects.get(pk=versions[1].pk).approach != "驻场与远程结合(后台)"
        newest = ProjectFramework.objects.filter(engagement=world.e_communication).order_by(
            "-version").first()
        assert newest.version == 3 and newest.approach == "驻场与远程结合(后台)"


def test_a_plan_whose_content_changed_is_not_confirmed(a, b, world):
    client = login(Client(), a.contact.user)
    url = reverse("portal:plan_confirm", args=[world.e_delivery.pk, world.plan.pk])
    page = client.get(reverse("portal:engagement", args=[world.e_delivery.pk]))
    seen = _fingerprint(page.content.decode(), url)
    with scopes_disabled(), frozen_records_unlocked("test: the plan changed behind the page"):
        ConsultingPlan.objects.filter(pk=world.plan.pk).update(schedule="另一个进度安排")
    before = snapshot()
    r = client.post(url, {"content_fingerprint": seen}, follow=True)
    assert constants.ERROR in _levels(r)
    assert zh(str(ContentChanged.default_message)) in r.content.decode()
    assert snapshot() == before
    with scopes_disabled():
        assert not ConsultingPlan.objects.get(pk=world.plan.pk).is_confirmed

    other = login(Client(), b.contact.user)
    assert other.post(url, {"content_fingerprint": seen}).status_code == 404


def test_the_plan_on_the_screen_confirms(a, world):
    client = login(Client(), a.contact.user)
    url = reverse("portal:plan_confirm", args=[world.e_delivery.pk, world.plan.pk])
    page = client.get(reverse("portal:engagement", args=[world.e_delivery.pk]))
    seen = _fingerprint(page.content.decode(), url)
    r = client.post(url, {"content_fingerprint": seen}, follow=True)
    assert constants.SUCCESS in _levels(r)
    with scopes_disabled():
        plan = ConsultingPlan.objects.get(pk=world.plan.pk)
        assert plan.is_confirmed and plan.confirmed_fingerprint == seen


def test_a_delivery_is_acknowledged_as_shown_and_not_once_changed(a, b, world):
    from delivery.models import DocumentDelivery, DocumentVersion

    client = login(Client(), a.contact.user)
    first, second = world.deliveries
    page = client.get(reverse("portal:engagement_documents",
                          args=[world.e_delivery.pk])).content.decode()
    urls = [reverse("portal:delivery_acknowledge", args=[world.e_delivery.pk, d.pk])
            for d in (first, second)]
    seen = [_fingerprint(page, url) for url in urls]
    with scopes_disabled():
        DocumentVersion.objects.filter(pk=first.version_id).update(sha256="f" * 64)
    before = snapshot()
    r = client.post(urls[0], {"content_fingerprint": seen[0]}, follow=True)
    assert constants.ERROR in _levels(r)
    assert snapshot() == before
    assert login(Client(), b.contact.user).post(
        urls[1], {"content_fingerprint": seen[1]}).status_code == 404
    r = client.post(urls[1], {"content_fingerprint": seen[1]}, follow=True)
    assert constants.SUCCESS in _levels(r)
    with scopes_disabled():
        assert not DocumentDelivery.objects.get(pk=first.pk).is_acknowledged
        assert DocumentDelivery.objects.get(pk=second.pk).acknowledged_fingerprint == seen[1]


def test_a_verdict_is_given_on_the_results_shown(a, b, world):
    from delivery.models import DocumentDelivery, DocumentVersion
    from feedback.models import ClientAcceptance

    client = login(Client(), a.contact.user)
    url = reverse("portal:acceptance", args=[world.e_evaluation.pk])
    page = client.get(reverse("portal:engagement", args=[world.e_evaluation.pk]))
    seen = _fingerprint(page.content.decode(), url)
    with scopes_disabled():
        delivered = DocumentDelivery.objects.filter(engagement=world.e_evaluation).first()
        DocumentVersion.objects.filter(pk=delivered.version_id).update(sha256="e" * 64)
    before = snapshot()
    r = client.post(url, {"verdict": "accepted", "content_fingerprint": seen}, follow=True)
    assert constants.ERROR in _levels(r)
    assert zh(str(ContentChanged.default_message)) in r.content.decode()
    assert snapshot() == before
    assert login(Client(), b.contact.user).post(
        url, {"verdict": "accepted", "content_fingerprint": seen}).status_code == 404

    page = client.get(reverse("portal:engagement", args=[world.e_evaluation.pk]))
    seen = _fingerprint(page.content.decode(), url)
    r = client.post(url, {"verdict": "accepted", "content_fingerprint": seen}, follow=True)
    assert constants.SUCCESS in _levels(r)
    with scopes_disabled():
        assert ClientAcceptance.objects.get(engagement=world.e_evaluation).content_sha256 == seen
