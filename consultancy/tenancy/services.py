"""Staff and their qualifications: every change a manager makes to the firm's people.

Managers add staff, set roles, deactivate leavers and record qualifications with their
scans. Nobody who signed, visited, approved or otherwise appears in a record is
deleted: such a person is deactivated instead, so the records keep naming them (DESIGN.md,
"People"; clauses 8.1.1 and 8.2.2 rely on qualifications being kept with their holder).
"""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _
from django_scopes import scopes_disabled

from .models import Qualification, QualificationKind, User
from .scoping import require_same_firm
from .signals import staff_changed

STAFF_ROLES = (User.Role.MANAGER, User.Role.CONSULTANT)


def _check_manager(firm_id, by):
    require_same_firm(firm_id, by)
    if not by.is_manager:
        raise ValidationError(_("Only a manager of the firm changes its staff."))


def _check_staff_member(firm_id, user):
    require_same_firm(firm_id, user)
    if user.role not in STAFF_ROLES:
        raise ValidationError(_("%(name)s is not a member of the firm's staff.") % {"name": user})


def _check_role(role):
    if role not in STAFF_ROLES:
        raise ValidationError({"role": _("Staff are managers or consultants.")})


@transaction.atomic
def staff_create(*, firm, by, email, full_name, role, phone="", language="", password=None
                 ) -> User:
    """A new manager or consultant of ``firm``. Without a password the account cannot log
    in until its holder sets one through "forgot password"."""
    _check_manager(firm.pk, by)
    _check_role(role)
    email = User.objects.normalize_email(email).strip()
    if User.objects.email_in_use(email):
        raise ValidationError({"email": _("A user with this e-mail address already exists.")})
    user = _new_user(by=by, firm=firm, email=email, full_name=full_name, role=role,
                     phone=phone, language=language or "", password=password)
    _announce(firm, by, "staff.created", user)
    return user


def _announce(firm, by, verb, user, **params):
    """Tell the activity log about a change to the staff (same transaction)."""
    staff_changed.send(sender=User, firm=firm, by=by, verb=verb, obj=user,
                       params={"name": str(user), **params})


def _new_user(*, by, password, **fields) -> User:
    """Save a new staff user; without a password the account cannot log in until its
    holder sets one through "forgot password"."""
    user = User(**fields)
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.full_clean(exclude=["password"])
    user._history_user = by
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError as exc:  # the same address saved concurrently
        raise ValidationError({"email": _("A user with this e-mail address already exists.")}
                              ) from exc
    return user


@transaction.atomic
def staff_update(*, user, by, **fields) -> User:
    """Name, phone, language, role and the login's e-mail address. A manager cannot take
    away their own role (the firm would risk having no manager)."""
    _check_manager(user.firm_id, by)
    _check_staff_member(user.firm_id, user)
    allowed = {"full_name", "phone", "language", "role", "email"}
    if unknown := set(fields) - allowed:
        raise ValueError(f"staff_update() does not change {sorted(unknown)}")
    if "email" in fields:
        fields["email"] = User.objects.normalize_email(fields["email"]).strip()
        if fields["email"].lower() == user.email.lower():
            fields.pop("email")
        elif User.objects.email_in_use(fields["email"]):
            raise ValidationError({"email": _("A user with this e-mail address already "
                                              "exists.")})
    if "role" in fields:
        _check_role(fields["role"])
        if user.pk == by.pk and fields["role"] != User.Role.MANAGER:
            raise ValidationError({"role": _("You cannot take away your own manager role.")})
        if user.role == User.Role.MANAGER and fields["role"] != User.Role.MANAGER:
            _keep_a_manager(user)
    role_changed = "role" in fields and fields["role"] != user.role
    for name, value in fields.items():
        setattr(user, name, value)
    user.full_clean(exclude=["password"])
    user._history_user = by
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError as exc:  # the same address saved concurrently
        raise ValidationError({"email": _("A user with this e-mail address already exists.")}
                              ) from exc
    if role_changed:
        _announce(user.firm_id, by, "staff.role_changed", user, role=user.role)
    else:
        _announce(user.firm_id, by, "staff.updated", user)
    return user


def _keep_a_manager(user):
    others = User.objects.filter(firm_id=user.firm_id, role=User.Role.MANAGER,
                                 is_active=True).exclude(pk=user.pk)
    if not others.exists():
        raise ValidationError(_("The firm needs at least one active manager."))


@transaction.atomic
def staff_deactivate(*, user, by) -> User:
    """A leaver: cannot log in any more; every record still names them."""
    _check_manager(user.firm_id, by)
    _check_staff_member(user.firm_id, user)
    if user.pk == by.pk:
        raise ValidationError(_("You cannot deactivate yourself."))
    if user.role == User.Role.MANAGER:
        _keep_a_manager(user)
    user.is_active = False
    user._history_user = by
    user.save(update_fields=["is_active"])
    _announce(user.firm_id, by, "staff.deactivated", user)
    return user


@transaction.atomic
def staff_reactivate(*, user, by) -> User:
    _check_manager(user.firm_id, by)
    _check_staff_member(user.firm_id, user)
    user.is_active = True
    user._history_user = by
    user.save(update_fields=["is_active"])
    _announce(user.firm_id, by, "staff.reactivated", user)
    return user


def appears_in_records(user) -> list[str]:
    """The kinds of record that name ``user``: every table pointing at the user (hidden
    relations and many-to-many tables included), apart from the change history itself and
    the user's own groups and permissions. Empty: nothing names them.

    The ORM's scope is opened to reach every kind of record; the database still shows only
    the current firm's rows (the user's own firm: records never point across firms)."""
    # One query however many kinds of record there are (issue 19: the staff page asked one
    # per table): an ``EXISTS`` per pointing table, as columns of the user's own row.
    checks = {}
    with scopes_disabled():
        for relation in user._meta.get_fields(include_hidden=True):
            if relation.concrete or not relation.auto_created or relation.many_to_many:
                continue  # many-to-many tables are reached through their own foreign keys
            model = relation.related_model
            owner = model._meta.auto_created or model  # an m2m table: the model it serves
            if owner is User or owner.__name__.startswith("Historical"):
                continue
            checks[f"names_{len(checks)}"] = (
                str(owner._meta.verbose_name_plural),
                Exists(model._base_manager.filter(**{relation.field.name: OuterRef("pk")})))
        if not checks:
            return []
        row = (User._base_manager.filter(pk=user.pk)
               .values(**{name: check for name, (_label, check) in checks.items()}).first())
    return sorted({label for name, (label, _check) in checks.items() if row and row[name]})


@transaction.atomic
def staff_delete(*, user, by) -> None:
    """Only someone added by mistake, whom no record names, is deleted; anyone who signed,
    visited, approved or wrote something is deactivated instead."""
    _check_manager(user.firm_id, by)
    _check_staff_member(user.firm_id, user)
    if user.pk == by.pk:
        raise ValidationError(_("You cannot delete yourself."))
    if records := appears_in_records(user):
        raise ValidationError(
            _("%(name)s appears in records (%(records)s) and cannot be deleted: deactivate "
              "them instead.") % {"name": user, "records": ", ".join(records)})
    if user.role == User.Role.MANAGER:
        _keep_a_manager(user)
    _announce(user.firm_id, by, "staff.deleted", None, name=str(user))
    user._history_user = by
    user.delete()


QUALIFICATION_FIELDS = ("qualification_kind", "name", "level", "specialty", "number",
                        "valid_from", "valid_until", "scan")


def qualification_kinds_for(firm) -> list[QualificationKind]:
    """The firm's list of kinds of qualification (8.1.1; seeded when the firm was created:
    :mod:`.firm_lists`)."""
    firm_id = getattr(firm, "pk", firm)
    return list(QualificationKind.objects.filter(firm_id=firm_id).order_by("order", "pk"))


@transaction.atomic
def qualification_kind_decide(*, firm, by, kind, safety_related: bool) -> QualificationKind:
    """8.1.1: a manager decides whether a kind of certificate is safety-related; a
    certificate of it counts for the site research only when it is."""
    _check_manager(firm.pk, by)
    require_same_firm(firm.pk, kind)
    if kind.is_rse and not safety_related:
        raise ValidationError(_("The registered safety engineer certificate is a safety "
                                "qualification (8.1.1, 8.2.2)."))
    kind.safety_related = bool(safety_related)
    kind.decided_by, kind.decided_at = by, timezone.now()
    kind.save()
    staff_changed.send(sender=QualificationKind, firm=firm, by=by,
                       verb="qualification_kind.decided", obj=kind,
                       params={"kind": kind.name,
                               "decision": "safety-related" if safety_related
                               else "not safety-related",
                               "safety_related": bool(safety_related)})
    return kind


@transaction.atomic
def qualification_kind_save(*, firm, by, kind=None, **fields) -> QualificationKind:
    """Managers keep the firm's list (8.1.1): add a kind, rename it, order it, stop
    offering it; marking it safety-related or not is their decision, recorded."""
    _check_manager(firm.pk, by)
    if kind is None:
        kind = QualificationKind(firm=firm)
    else:
        require_same_firm(firm.pk, kind)
    safety = fields.pop("safety_related", None)
    for name, value in fields.items():
        setattr(kind, name, value.strip() if isinstance(value, str) else value)
    decided = safety is not None and (kind.pk is None or bool(safety) != kind.safety_related)
    if decided:
        if kind.is_rse and not safety:
            raise ValidationError({"safety_related": _(
                "The registered safety engineer certificate is a safety qualification "
                "(8.1.1, 8.2.2).")})
        kind.safety_related = bool(safety)
        kind.decided_by, kind.decided_at = by, timezone.now()
    kind.full_clean()
    kind.save()
    staff_changed.send(sender=QualificationKind, firm=firm, by=by,
                       verb="qualification_kind.saved", obj=kind, params={"kind": kind.name})
    return kind


@transaction.atomic
def qualification_save(*, firm, by, holder, qualification=None, **fields) -> Qualification:
    """Record a certificate (8.1.1, 8.2.2) of one of the firm's staff, or correct one."""
    _check_manager(firm.pk, by)
    _check_staff_member(firm.pk, holder)
    if qualification is None:
        qualification = Qualification(firm=firm)
    else:
        require_same_firm(firm.pk, qualification)
    if unknown := set(fields) - set(QUALIFICATION_FIELDS):
        raise ValueError(f"qualification_save() does not set {sorted(unknown)}")
    qualification.holder = holder
    kind = fields.pop("qualification_kind", None)
    if kind is None:
        # an "other" certificate named freely: its kind joins the list, not safety-related
        # until a manager decides (8.1.1)
        if not (fields.get("name") or "").strip():
            raise ValidationError({"qualification_kind": _(
                "Choose the kind of certificate, or name it (e.g. 安全评价师).")})
        kind = QualificationKind.for_name(firm.pk, fields["name"])
    else:
        require_same_firm(firm.pk, kind)
    qualification.qualification_kind = kind
    qualification.kind = Qualification.Kind.RSE if kind.is_rse else Qualification.Kind.OTHER
    for name, value in fields.items():
        if name == "scan" and not value:
            continue  # no new file: keep the stored scan
        setattr(qualification, name, value)
    clash = Qualification.objects.filter(firm=firm, kind=qualification.kind,
                                         number=qualification.number)
    if qualification.pk:
        clash = clash.exclude(pk=qualification.pk)
    if clash.exists():
        raise ValidationError({"number": _("Your firm already has a certificate of this kind "
                                           "with this number.")})
    qualification.full_clean()
    qualification._history_user = by
    try:
        with transaction.atomic():
            qualification.save()
    except IntegrityError as exc:  # the same number saved concurrently
        raise ValidationError({"number": _("Your firm already has a certificate of this kind "
                                           "with this number.")}) from exc
    _announce(firm, by, "qualification.saved", qualification, name=str(holder),
              number=qualification.number)
    return qualification


@transaction.atomic
def qualification_delete(*, qualification, by) -> None:
    """A certificate recorded by mistake; history keeps the row as it was."""
    _check_manager(qualification.firm_id, by)
    _announce(qualification.firm_id, by, "qualification.deleted", None,
              name=str(qualification.holder), number=qualification.number)
    qualification._history_user = by
    qualification.delete()


@transaction.atomic
def firm_create(*, by, name, manager_email, manager_full_name, manager_password=None,
                **fields):
    """A platform operator opens a firm with its first manager (DESIGN.md, "Who uses it");
    the manager then adds the rest of the staff."""
    from .models import Firm

    if not (by.is_superuser and by.firm_id is None):
        raise ValidationError(_("Only a platform operator opens a firm."))
    manager_email = User.objects.normalize_email(manager_email).strip()
    if User.objects.email_in_use(manager_email):
        raise ValidationError({"manager_email": _("A user with this e-mail address already "
                                                  "exists.")})
    firm = Firm(name=name, **fields)
    firm.full_clean()
    firm.save()
    manager = _new_user(by=by, firm=firm, email=manager_email, full_name=manager_full_name,
                        role=User.Role.MANAGER, password=manager_password)
    return firm, manager
