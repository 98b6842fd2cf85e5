"""The events of the platform below this app: staff changes (tenancy) and login lockouts
(django-axes)."""

from axes.signals import user_locked_out
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from consultancy.tenancy import rls
from consultancy.tenancy.models import User
from consultancy.tenancy.scoping import firm_scope
from consultancy.tenancy.signals import staff_changed

from . import verbs
from .models import SystemActor
from .services import record_event

verbs.register_all({
    "staff.created": _("%(actor)s added %(name)s to the staff"),
    "staff.updated": _("%(actor)s changed the details of %(name)s"),
    "staff.role_changed": _("%(actor)s changed the role of %(name)s to %(role)s"),
    "staff.deactivated": _("%(actor)s deactivated %(name)s"),
    "staff.reactivated": _("%(actor)s reactivated %(name)s"),
    "staff.deleted": _("%(actor)s deleted %(name)s"),
    "qualification.saved": _("%(actor)s recorded the certificate %(number)s of %(name)s"),
    "qualification.deleted": _("%(actor)s deleted the certificate %(number)s of %(name)s"),
    "qualification_kind.decided": _("%(actor)s marked the kind of certificate “%(kind)s” as "
                                    "%(decision)s"),
    "qualification_kind.saved": _("%(actor)s saved the kind of certificate “%(kind)s”"),
    "login.locked_out": _("The login of %(name)s was locked after repeated failures"),
}, format=lambda p: _shown(p))


def _shown(params) -> dict:
    """The parameters that are words, in the reader's language."""
    shown = {}
    if params.get("role"):
        shown["role"] = str(User.Role(params["role"]).label)
    if "safety_related" in params:
        shown["decision"] = str(_("a safety qualification") if params["safety_related"]
                                else _("not a safety qualification"))
    return shown


def on_staff_changed(sender, *, firm, by, verb, obj, params=None, **kwargs):
    record_event(firm=firm, by=by, verb=verb, obj=obj,
                 clause="8.1.1" if verb.startswith("qualification") else "",
                 params=params)


def on_user_locked_out(sender, *, request=None, username=None, **kwargs):
    """A locked-out login (ASVS V2.2.1) into the activity log of the user's firm; an
    address no user has is skipped."""
    email = (username or "").strip().lower()
    if not email:
        return
    found = rls.USER_BY_EMAIL.first(email)
    if not found or found[0] is None:
        return
    firm_id, user_id = found
    with firm_scope(firm_id), transaction.atomic():
        user = User.objects.get(pk=user_id)
        record_event(firm=firm_id, by=SystemActor.LOGIN_PROTECTION,
                     verb="login.locked_out", obj=user, params={"name": str(user)})


def connect():
    staff_changed.connect(on_staff_changed, dispatch_uid="activity.staff_changed")
    user_locked_out.connect(on_user_locked_out, dispatch_uid="activity.user_locked_out")
