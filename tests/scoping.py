"""The tests' set-up scope.

Test set-up builds several firms' data at once, outside any request: it runs in the one
explicit cross-firm mode (``consultancy.tenancy.rls.cross_firm``), which opens the ORM's
firm scope and, on PostgreSQL, the row-level security policies. Test modules import
``scopes_disabled`` from here (never django-scopes' own, which opens only the ORM and
would leave the database with no firm)."""

from consultancy.tenancy.rls import cross_firm


def scopes_disabled():
    return cross_firm("test set-up")


def fresh(obj):
    """``obj`` read again from the database: the test's own look at what a request or a
    task left behind (in the set-up scope)."""
    with scopes_disabled():
        obj.refresh_from_db()
    return obj
