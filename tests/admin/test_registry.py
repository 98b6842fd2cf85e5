"""Every model registered in the admin (iterated from ``admin.site._registry``, so a newly
registered model is covered without a new test): a manager of firm A never reaches firm B's
rows, is never offered one in a select or an autocomplete, and every changelist keeps its
query count with 5 and 50 rows. Consultants and client contacts cannot enter the admin."""

import pytest
from django.contrib import admin
from django.db import connection
from django.db.models import QuerySet
from django.forms.models import ModelChoiceField, ModelMultipleChoiceField
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from consultancy.tenancy.models import User
from consultancy.tenancy.scoping import firm_scope
from tests.admin.world import count_of, firm_models, one_per_firm, rows_of
from tests.conftest import login
from tests.scoping import scopes_disabled

MODELS = firm_models()
IDS = [m._meta.label for m in MODELS]


def url(model, action, *args):
    opts = model._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_{action}", args=args)


def first_row(model, firm):
    with scopes_disabled():
        return model._base_manager.filter(firm=firm).order_by("pk").first()


def firm_of(obj):
    return getattr(obj, "firm_id", None)


def test_the_registry_is_the_whole_product():
    """Every concrete, non-historical model of the product's apps is in the admin."""
    from django.apps import apps

    apps_of_product = {"tenancy", "clients", "documents", "engagements", "contracts",
                       "delivery", "feedback"}
    missing = [m._meta.label for m in apps.get_models()
               if m._meta.app_label in apps_of_product
               and not m.__name__.startswith("Historical")
               and not m._meta.auto_created
               and m not in admin.site._registry]
    assert missing == []


def test_the_world_has_a_row_of_every_registered_model(wa, wb):
    with scopes_disabled():
        missing = [m._meta.label for m in MODELS
                   for w in (wa, wb) if not m._base_manager.filter(firm=w.firm).exists()]
    assert missing == []


@pytest.mark.parametrize("model", MODELS, ids=IDS)
def test_firm_b_rows_are_404_and_not_listed(client, wa, wb, model):
    login(client, wa.manager)
    theirs, ours = first_row(model, wb.firm), first_row(model, wa.firm)
    with scopes_disabled():
        their_label = str(theirs)[:20]
    for action in ("change", "delete", "history"):
        assert client.get(url(model, action, theirs.pk)).status_code == 404, action
        assert client.post(url(model, action, theirs.pk), {"post": "yes"}).status_code == 404
    with scopes_disabled():
        assert model._base_manager.filter(pk=theirs.pk).exists()  # nothing was deleted
    assert client.get(url(model, "change", ours.pk)).status_code == 200
    assert client.get(url(model, "history", ours.pk)).status_code == 200
    resp = client.get(url(model, "changelist"))
    assert resp.status_code == 200
    listed = list(resp.context["cl"].result_list)
    assert ours.pk in {o.pk for o in listed}
    assert {o.firm_id for o in listed} == {wa.firm.pk}
    # A search for firm B's row finds nothing either (search goes through the same queryset).
    resp = client.get(url(model, "changelist"), {"q": their_label})
    assert theirs.pk not in {o.pk for o in resp.context["cl"].result_list}


def _choice_querysets(resp):
    """Every model choice field of the page's form and of its inline forms."""
    forms = []
    if resp.context.get("adminform") is not None:
        forms.append(resp.context["adminform"].form)
    for inline in resp.context.get("inline_admin_formsets") or []:
        forms.extend(inline.formset.forms)
        forms.append(inline.formset.empty_form)
    for form in forms:
        for name, field in form.fields.items():
            if isinstance(field, (ModelChoiceField, ModelMultipleChoiceField)):
                yield f"{type(form).__name__}.{name}", field.queryset


@pytest.mark.parametrize("model", MODELS, ids=IDS)
def test_no_firm_b_object_is_offered_in_a_select(client, wa, wb, model):
    login(client, wa.manager)
    pages = [url(model, "change", first_row(model, wa.firm).pk)]
    with firm_scope(wa.firm):
        if admin.site._registry[model].has_add_permission(_request(wa.manager)):
            pages.append(url(model, "add"))
    for page in pages:
        resp = client.get(page)
        assert resp.status_code == 200
        # Forms the page builds lazily (the inlines' empty form) are built in the manager's
        # scope, as during the request.
        with firm_scope(wa.firm):
            fields = list(_choice_querysets(resp))
        for name, queryset in fields:
            # The field's own query (its class may refuse to run outside the request's
            # scope): run as it is, unscoped, so that a missing firm filter would show.
            with scopes_disabled():
                rows = list(QuerySet(model=queryset.model, query=queryset.query.chain()))
            assert all(firm_of(o) != wb.firm.pk for o in rows), f"{page} {name} offers firm B's rows"


def _has_firm(model):
    return any(f.name == "firm" for f in model._meta.concrete_fields)


def _request(user):
    from django.test import RequestFactory

    request = RequestFactory().get("/admin/")
    request.user = user
    return request


AUTOCOMPLETE = [
    (model, field)
    for model in admin.site._registry
    for field in [*model._meta.concrete_fields, *model._meta.many_to_many]
    if field.is_relation and field.name != "firm"
    and field.related_model in admin.site._registry
    and admin.site._registry[field.related_model].search_fields
]


@pytest.mark.parametrize(("model", "field"), AUTOCOMPLETE,
                         ids=[f"{m._meta.label}.{f.name}" for m, f in AUTOCOMPLETE])
def test_no_firm_b_object_in_any_autocomplete(client, wa, wb, model, field):
    login(client, wa.manager)
    resp = client.get(reverse("admin:autocomplete"), {
        "app_label": model._meta.app_label, "model_name": model._meta.model_name,
        "field_name": field.name, "term": ""})
    if resp.status_code == 403:
        return  # the admin refuses this field's autocomplete outright: nothing offered
    assert resp.status_code == 200, resp.content[:300]
    ids = [int(r["id"]) for r in resp.json()["results"]]
    with scopes_disabled():
        firms = set(field.related_model._base_manager.filter(pk__in=ids).values_list(
            "firm_id", flat=True))
    assert wb.firm.pk not in firms
    if field.related_model is User or _has_firm(field.related_model):
        assert ids, "the autocomplete offers firm A's own rows"


@pytest.fixture
def operator(django_user_model):
    return django_user_model.objects.create_superuser(
        email="op@platform.test", password="x", full_name="平台运营")


@pytest.mark.parametrize("model", MODELS, ids=IDS)
def test_changelist_query_count_is_the_same_with_5_and_50_rows(client, wa, wb, model,
                                                              operator):
    """A model with one row per firm (settings) is counted on the platform operator's
    changelist, where every firm's row is listed."""
    login(client, operator if one_per_firm(model) else wa.manager)
    small = max(5, count_of(model, wa.firm))
    counts = []
    for rows in (small, small + 45):
        assert rows_of(model, wa.firm, rows) == rows
        with CaptureQueriesContext(connection) as ctx:
            resp = client.get(url(model, "changelist"))
        assert resp.status_code == 200
        assert len(resp.context["cl"].result_list) == rows
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1], f"{counts}: " + "\n".join(
        q["sql"][:200] for q in ctx.captured_queries)


@pytest.mark.parametrize("model", [*MODELS, User], ids=[*IDS, "index"])
@pytest.mark.parametrize("who", ["consultant", "contact"])
def test_consultants_and_client_contacts_cannot_enter_the_admin(client, wa, model, who):
    """A consultant is sent to the admin's login; a client contact is fenced into the
    portal (404 anywhere else)."""
    user = wa.consultant if who == "consultant" else wa.contact.user
    login(client, user)
    pages = [reverse("admin:index")] if model is User else [
        url(model, "changelist"), url(model, "change", first_row(model, wa.firm).pk)]
    for page in pages:
        resp = client.get(page)
        if who == "consultant":
            assert resp.status_code == 302 and "/admin/login/" in resp["Location"], page
        else:
            assert resp.status_code == 404, page


FROZEN = [m for m in MODELS if hasattr(m, "is_frozen")]


@pytest.mark.parametrize("model", FROZEN, ids=[m._meta.label for m in FROZEN])
def test_a_frozen_record_cannot_be_changed_or_deleted_in_the_admin(client, wa, model):
    """Records that met a passed stage's gate (DESIGN.md, "frozen"): view-only in the admin;
    a POST to their change or delete page is refused and the row stays as it was."""
    from django.forms.models import model_to_dict

    with scopes_disabled():
        frozen = [o for o in model._base_manager.filter(firm=wa.firm).order_by("pk")
                  if o.is_frozen]
    assert frozen, "the test world has no frozen record of this kind"
    record = frozen[0]
    with scopes_disabled():
        before = model_to_dict(model._base_manager.get(pk=record.pk))
    login(client, wa.manager)
    resp = client.get(url(model, "change", record.pk))
    assert resp.status_code == 200
    assert not resp.context["has_change_permission"]
    data = {k: v for k, v in before.items() if v is not None and not isinstance(v, list)}
    data["_save"] = "Save"
    assert client.post(url(model, "change", record.pk), data).status_code == 403
    assert client.post(url(model, "delete", record.pk), {"post": "yes"}).status_code == 403
    with scopes_disabled():
        assert model_to_dict(model._base_manager.get(pk=record.pk)) == before
    # Its change history stays visible.
    assert client.get(url(model, "history", record.pk)).status_code == 200
