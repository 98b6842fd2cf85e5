"""Authentication with row-level security: the user is found before their firm is known.

* Log-in: ``UserManager.get_by_natural_key`` asks the narrow ``USER_BY_EMAIL`` function
  for the id (``tenancy.rls``), then reads that row in ``user_scope``.
* The session's user: :class:`FirmUserBackend` reads the row by id in ``user_scope``.
* ``last_login`` is written as the user (:func:`update_last_login`), once the firm is known.
"""

from contextlib import contextmanager

from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import update_last_login as django_update_last_login

from . import pagecache
from .rls import user_scope
from .scoping import firm_scope


@contextmanager
def acting_as(user):
    """The scope of ``user``'s own firm (and their own row); a platform operator, who has
    no firm, gets their own row only."""
    if user.firm_id is not None:
        with firm_scope(user.firm_id, user=user.pk):
            yield
    else:
        with user_scope(user.pk):
            yield


class FirmUserBackend(ModelBackend):
    """Django's model backend; the session's user is read in ``user_scope`` (the request's
    firm scope is entered afterwards, from that user, by ``FirmScopeMiddleware``)."""

    def get_user(self, user_id):
        try:
            user_id = int(user_id)
        except (TypeError, ValueError):
            return None
        # kept in the cache while nothing of their firm changed (tenancy.pagecache): no
        # query for the user of a page served from the page cache
        user, seen = pagecache.kept_user(user_id)
        if user is not None:
            return user
        with user_scope(user_id):
            user = super().get_user(user_id)
        pagecache.keep_user(user, seen)
        return user


def update_last_login(sender, user, **kwargs):
    """Django's ``user_logged_in`` receiver, run as the user who logged in."""
    with acting_as(user):
        django_update_last_login(sender, user, **kwargs)


def connect():
    from django.contrib.auth.signals import user_logged_in

    user_logged_in.disconnect(dispatch_uid="update_last_login")
    user_logged_in.connect(update_last_login, dispatch_uid="tenancy.update_last_login")
