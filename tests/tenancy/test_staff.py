"""Staff and qualifications: managers add staff, set roles, deactivate leavers,
never delete someone who appears in a record; certificates with scans (clauses 8.1.1,
8.2.2); expiring (≤ 60 days) and expired certificates listed."""

import datetime

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from consultancy.tenancy import services
from consultancy.tenancy.models import Qualification, QualificationKind, User
from consultancy.tenancy.scoping import firm_scope
from tests import factories as f
from tests.conftest import login
from tests.engagements.helpers import meet_needs_analysis
from tests.scoping import scopes_disabled
from tests.uploads import pdf_bytes
from tests.versions import with_versions


def messages_of(resp):
    return [str(m) for m in get_messages(resp.wsgi_request)]


def reload(obj):
    with scopes_disabled():
        obj.refresh_from_db()
    return obj


def exists(user) -> bool:
    with scopes_disabled():
        return User.objects.filter(pk=user.pk).exists()


# -- access -----------------------------------------------------------------------------


PAGES = ["staff:list", "staff:create", "staff:qualifications"]


@pytest.mark.parametrize("name", PAGES)
def test_only_managers_open_the_staff_pages(client, a, name):
    login(client, a.manager)
    assert client.get(reverse(name)).status_code == 200
    login(client, a.consultant)
    assert client.get(reverse(name)).status_code == 404
    login(client, a.contact.user)
    assert client.get(reverse(name)).status_code == 404


@pytest.mark.parametrize("name", ["staff:detail", "staff:update", "staff:qualification_create"])
def test_another_firms_staff_member_is_404(client, a, b, name):
    login(client, a.manager)
    assert client.get(reverse(name, args=[a.consultant.pk])).status_code == 200
    assert client.get(reverse(name, args=[b.consultant.pk])).status_code == 404


@pytest.mark.parametrize("name", ["staff:deactivate", "staff:reactivate", "staff:delete"])
def test_another_firms_staff_member_cannot_be_changed(client, a, b, name):
    login(client, a.manager)
    assert client.post(reverse(name, args=[b.consultant.pk])).status_code == 404
    assert reload(b.consultant).is_active
    assert exists(b.consultant)


def test_a_client_contact_is_not_staff(client, a):
    login(client, a.manager)
    assert client.get(reverse("staff:detail", args=[a.contact.user.pk])).status_code == 404


def test_another_firms_qualification_is_404(client, a, b):
    login(client, a.manager)
    url = reverse("staff:qualification_update", args=[b.consultant.pk, b.qualification.pk])
    assert client.get(url).status_code == 404
    url = reverse("staff:qualification_update", args=[a.consultant.pk, b.qualification.pk])
    assert client.get(url).status_code == 404


# -- the list ----------------------------------------------------------------------------


def test_the_list_shows_own_staff_only_and_filters(client, a, b):
    login(client, a.manager)
    resp = client.get(reverse("staff:list"))
    listed = set(resp.context["staff"])
    assert {a.manager, a.consultant} <= listed
    assert b.consultant not in listed and a.contact.user not in listed
    resp = client.get(reverse("staff:list"), {"role": "consultant"})
    assert set(resp.context["staff"]) == {a.consultant}
    resp = client.get(reverse("staff:list"), {"q": a.consultant.email})
    assert set(resp.context["staff"]) == {a.consultant}


def test_the_list_query_count_does_not_grow_with_staff(client, a):
    login(client, a.manager)

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse("staff:list")).status_code == 200
        return len(ctx.captured_queries)

    with scopes_disabled():
        for _i in range(3):
            f.QualificationFactory(holder=f.ConsultantFactory(firm=a.firm))
    few = count()
    with scopes_disabled():
        for _i in range(20):
            f.QualificationFactory(holder=f.ConsultantFactory(firm=a.firm))
    assert count() == few


# -- adding, roles ---------------------------------------------------------------------


def test_a_manager_adds_a_consultant_to_their_firm(client, a):
    login(client, a.manager)
    resp = client.post(reverse("staff:create"), {
        "full_name": "新顾问", "email": "new@a.test", "phone": "", "role": "consultant",
        "password": ""})
    assert resp.status_code == 302
    with firm_scope(a.firm):
        user = User.objects.get(email="new@a.test")
        assert user.firm == a.firm and user.role == "consultant"
        assert not user.has_usable_password()
        assert user.history.first().history_user == a.manager


def test_adding_explains_what_is_wrong(client, a):
    login(client, a.manager)
    resp = client.post(reverse("staff:create"), {
        "full_name": "", "email": a.consultant.email, "role": "client_contact",
        "password": "123"})
    assert resp.status_code == 200
    assert set(resp.context["form"].errors) == {"full_name", "email", "role", "password"}


def test_a_manager_sets_a_role(client, a):
    login(client, a.manager)
    url = reverse("staff:update", args=[a.consultant.pk])
    resp = client.post(url, with_versions(client, url, {
        "full_name": a.consultant.full_name, "phone": "", "language": "", "role": "manager"}))
    assert resp.status_code == 302
    assert reload(a.consultant).role == "manager"


def test_a_manager_cannot_demote_themselves(client, a):
    login(client, a.manager)
    url = reverse("staff:update", args=[a.manager.pk])
    resp = client.post(url, with_versions(client, url, {
        "full_name": a.manager.full_name, "phone": "", "language": "", "role": "consultant"}))
    assert resp.status_code == 200 and resp.context["form"].errors["role"]
    assert reload(a.manager).role == "manager"


def test_only_managers_call_the_services(a):
    with pytest.raises(ValidationError):
        services.staff_deactivate(user=a.manager, by=a.consultant)
    with pytest.raises(ValidationError):
        services.staff_create(firm=a.firm, by=a.consultant, email="x@a.test", full_name="x",
                              role="consultant")


def test_services_refuse_another_firms_people(a, b):
    from consultancy.tenancy.scoping import CrossFirmReference

    with pytest.raises(CrossFirmReference):
        services.staff_deactivate(user=b.consultant, by=a.manager)
    with pytest.raises(CrossFirmReference):
        services.qualification_save(firm=a.firm, by=a.manager, holder=b.consultant,
                                    kind="rse", number="X", valid_from=timezone.localdate(),
                                    valid_until=timezone.localdate())


# -- leavers ----------------------------------------------------------------------------


def test_a_leaver_is_deactivated_and_can_no_longer_log_in(client, a):
    login(client, a.manager)
    resp = client.post(reverse("staff:deactivate", args=[a.consultant.pk]))
    assert resp.status_code == 302
    assert not reload(a.consultant).is_active
    assert not client.login(email=a.consultant.email, password="demo-2026")
    client.force_login(a.manager)
    client.post(reverse("staff:reactivate", args=[a.consultant.pk]))
    assert reload(a.consultant).is_active


def test_a_manager_cannot_deactivate_themselves(client, a):
    login(client, a.manager)
    resp = client.post(reverse("staff:deactivate", args=[a.manager.pk]), follow=True)
    assert reload(a.manager).is_active
    assert messages_of(resp)
    with scopes_disabled():
        other = f.ManagerFactory(firm=a.firm)
    with firm_scope(a.firm):  # as another manager's request would
        services.staff_deactivate(user=a.manager, by=other)  # another manager may
    assert not reload(a.manager).is_active


def test_someone_who_appears_in_a_record_is_never_deleted(client, a):
    """The lead consultant who assessed the needs (clause 5) is named in records."""
    with scopes_disabled():
        e = f.EngagementFactory(client=a.client, lead_consultant=a.consultant)
        meet_needs_analysis(e)
    with firm_scope(a.firm):
        assert services.appears_in_records(a.consultant)
    login(client, a.manager)
    resp = client.post(reverse("staff:delete", args=[a.consultant.pk]), follow=True)
    assert exists(a.consultant)
    assert any("deactivate" in m.lower() or "停用" in m for m in messages_of(resp))
    # The page offers deactivation, not deletion.
    body = client.get(reverse("staff:detail", args=[a.consultant.pk])).content.decode()
    assert reverse("staff:delete", args=[a.consultant.pk]) not in body


def test_a_certificate_holder_is_not_deleted_either(a):
    # a.consultant holds a qualification (a PROTECT foreign key).
    with pytest.raises(ValidationError), firm_scope(a.firm):
        services.staff_delete(user=a.consultant, by=a.manager)
    assert exists(a.consultant)


def test_someone_added_by_mistake_and_named_nowhere_is_deleted(client, a):
    with scopes_disabled():
        mistake = f.ConsultantFactory(firm=a.firm)
    with firm_scope(a.firm):
        assert services.appears_in_records(mistake) == []
    login(client, a.manager)
    client.post(reverse("staff:delete", args=[mistake.pk]))
    assert not exists(mistake)


def test_the_admin_never_deletes_a_user(client, a):
    login(client, a.manager)
    url = reverse("admin:tenancy_user_delete", args=[a.consultant.pk])
    assert client.post(url, {"post": "yes"}).status_code == 403
    assert exists(a.consultant)


# -- qualifications --------------------------------------------------------------------


def _rse_kind(w):
    with scopes_disabled():
        return QualificationKind.objects.get(firm=w.firm, is_rse=True)


def test_a_qualification_is_recorded_with_its_scan(client, a):
    login(client, a.manager)
    today = timezone.localdate()
    resp = client.post(reverse("staff:qualification_create", args=[a.manager.pk]), {
        "qualification_kind": _rse_kind(a).pk, "name": "", "level": "intermediate", "specialty": "chemical",
        "number": "RSE-2026-001", "valid_from": today.isoformat(),
        "valid_until": (today + datetime.timedelta(days=365 * 5)).isoformat(),
        "scan": SimpleUploadedFile("rse.pdf", pdf_bytes(b"scan"), content_type="application/pdf"),
    })
    assert resp.status_code == 302, resp.context["form"].errors
    with firm_scope(a.firm):
        q = Qualification.objects.get(number="RSE-2026-001")
        assert q.firm == a.firm and q.holder == a.manager and q.scan
        assert q.kind == "rse" and q.qualification_kind.is_rse
    assert client.get(reverse("qualification_scan", args=[q.pk])).status_code == 200


def test_a_qualification_form_explains_itself(client, a):
    login(client, a.manager)
    today = timezone.localdate()
    resp = client.post(reverse("staff:qualification_create", args=[a.consultant.pk]), {
        "qualification_kind": "", "name": "", "number": a.qualification.number,
        "valid_from": today.isoformat(),
        "valid_until": (today - datetime.timedelta(days=1)).isoformat()})
    assert resp.status_code == 200
    assert {"name", "valid_until"} <= set(resp.context["form"].errors)


def test_a_duplicate_certificate_number_is_refused(client, a):
    login(client, a.manager)
    today = timezone.localdate()
    resp = client.post(reverse("staff:qualification_create", args=[a.manager.pk]), {
        "qualification_kind": a.qualification.qualification_kind_id,
        "number": a.qualification.number,
        "valid_from": today.isoformat(), "valid_until": today.isoformat()})
    assert resp.status_code == 200 and "number" in resp.context["form"].errors


def _qualification(w, days, **kwargs):
    today = timezone.localdate()
    with scopes_disabled():
        return f.QualificationFactory(
            holder=w.consultant, valid_from=today - datetime.timedelta(days=400),
            valid_until=today + datetime.timedelta(days=days), **kwargs)


def test_expiring_and_expired_certificates_are_listed(client, a, b):
    in_30, in_60, in_61 = _qualification(a, 30), _qualification(a, 60), _qualification(a, 61)
    expired = _qualification(a, -1)
    theirs = _qualification(b, 10)
    with scopes_disabled():
        a.qualification.valid_until = timezone.localdate() + datetime.timedelta(days=400)
        a.qualification.save()
    login(client, a.manager)
    resp = client.get(reverse("staff:qualifications"))
    assert list(resp.context["qualifications"]) == [in_30, in_60]
    resp = client.get(reverse("staff:qualifications"), {"state": "expired"})
    assert list(resp.context["qualifications"]) == [expired]
    resp = client.get(reverse("staff:qualifications"), {"state": "all"})
    listed = set(resp.context["qualifications"])
    assert {in_30, in_60, in_61, expired} <= listed and theirs not in listed


def test_a_leavers_certificates_are_not_listed_as_expiring(client, a):
    soon = _qualification(a, 10)
    with scopes_disabled():
        User.objects.filter(pk=a.consultant.pk).update(is_active=False)
    login(client, a.manager)
    resp = client.get(reverse("staff:qualifications"))
    assert soon not in list(resp.context["qualifications"])


def test_the_expiring_list_query_count_does_not_grow(client, a):
    login(client, a.manager)

    def count():
        with CaptureQueriesContext(connection) as ctx:
            client.get(reverse("staff:qualifications"))
        return len(ctx.captured_queries)

    for i in range(3):
        _qualification(a, 10 + i)
    few = count()
    for i in range(20):
        with scopes_disabled():
            holder = f.ConsultantFactory(firm=a.firm)
        with scopes_disabled():
            f.QualificationFactory(holder=holder, valid_from=timezone.localdate(),
                                   valid_until=timezone.localdate() + datetime.timedelta(days=i))
    assert count() == few


def test_the_admin_deactivates_leavers_through_the_service(client, a, b):
    login(client, a.manager)
    resp = client.post(reverse("admin:tenancy_user_changelist"), {
        "action": "deactivate_leavers",
        "_selected_action": [a.consultant.pk, a.manager.pk, b.consultant.pk]}, follow=True)
    assert not reload(a.consultant).is_active
    assert reload(a.manager).is_active  # not yourself
    assert reload(b.consultant).is_active  # another firm's user is not even selectable
    assert any(a.manager.full_name in m for m in messages_of(resp))


def test_a_manager_cannot_demote_or_deactivate_themselves_in_the_admin(client, a):
    login(client, a.manager)
    url = reverse("admin:tenancy_user_change", args=[a.manager.pk])
    resp = client.post(url, {"email": a.manager.email, "full_name": a.manager.full_name,
                             "phone": "", "language": "", "role": "consultant",
                             "password": a.manager.password})
    assert resp.status_code == 200
    assert set(resp.context["adminform"].form.errors) == {"role", "is_active"}
    assert reload(a.manager).role == "manager" and reload(a.manager).is_active
    resp = client.post(url, {"email": a.manager.email, "full_name": "改名经理", "phone": "",
                             "language": "", "role": "manager", "is_active": "on",
                             "password": a.manager.password})
    assert resp.status_code == 302 and reload(a.manager).full_name == "改名经理"
