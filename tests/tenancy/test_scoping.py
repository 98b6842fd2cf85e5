"""Fail-closed firm scoping (DESIGN.md, "Tenancy")."""

import pytest
from django_scopes import ScopeError

from consultancy.clients.models import Client, ClientContact
from consultancy.clients.services import client_contact_create
from consultancy.tenancy.models import Qualification
from consultancy.tenancy.scoping import CrossFirmReference, firm_scope
from tests import factories as f
from tests.scoping import scopes_disabled

FIRM_OWNED = [Client, ClientContact, Qualification]


@pytest.mark.parametrize("model", FIRM_OWNED, ids=lambda m: m.__name__)
def test_unscoped_query_on_a_firm_owned_model_raises(a, b, model):
    with pytest.raises(ScopeError):
        list(model.objects.all())
    with pytest.raises(ScopeError):
        model.objects.filter(pk=1).exists()
    with pytest.raises(ScopeError):
        model.objects.count()
    with pytest.raises(ScopeError):
        model.objects.exists()  # django-scopes' own disabled queryset lets this through
    with pytest.raises(ScopeError):
        list(model.objects.all().iterator())
    lazy = model.objects.all()  # building it is allowed (forms do so at import time)…
    with pytest.raises(ScopeError):
        bool(lazy)  # …evaluating it is not


@pytest.mark.parametrize("model", FIRM_OWNED, ids=lambda m: m.__name__)
def test_scoped_query_sees_only_its_firm(a, b, model):
    with firm_scope(a.firm):
        rows = list(model.objects.all())
    assert rows, "firm a has rows of every kind in the fixture"
    assert {r.firm_id for r in rows} == {a.firm.pk}


def test_every_firm_owned_model_is_scoped():
    """A new model with a ``firm`` field that forgets the scoped manager fails here."""
    from django.apps import apps

    unscoped = []
    for model in apps.get_models():
        if model.__name__.startswith("Historical"):
            continue  # history rows are read only through the scoped object's admin
        if (
            any(f.name == "firm" for f in model._meta.concrete_fields)
            and model._meta.label != "tenancy.User"
        ):
            with pytest.raises(ScopeError, match="scope"):
                model.objects.count()
            unscoped.append(model)
    assert unscoped  # the check ran over something


def test_scopes_disabled_sees_every_firm(a, b):
    with scopes_disabled():
        assert {c.firm_id for c in Client.objects.all()} == {a.firm.pk, b.firm.pk}


def test_firm_scope_refuses_none():
    with pytest.raises(ValueError):
        with firm_scope(None):
            pass


def test_contact_of_firm_a_on_client_of_firm_b_is_refused(a, b):
    with scopes_disabled():
        with pytest.raises(CrossFirmReference):
            ClientContact.objects.create(firm=a.firm, client=b.client, name="越界")
        with pytest.raises(CrossFirmReference):
            client_contact_create(firm=a.firm, client=b.client, by=a.consultant, name="越界")
        assert not ClientContact.objects.filter(name="越界").exists()


def test_qualification_of_another_firms_user_is_refused(a, b):
    with scopes_disabled(), pytest.raises(CrossFirmReference):
        f.QualificationFactory(holder=b.consultant, firm=a.firm)
