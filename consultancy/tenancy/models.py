"""The tenant (Firm), its people (User) and their certificates (Qualification).

DESIGN.md, "Tenancy" and "People".
"""

import datetime

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from . import rls
from .files import (
    SCAN_TYPES,
    FirmUploadTo,
    TypedFileField,
    UploadValidator,
    content_type_field,
)
from .scoping import FirmOwned


class Firm(models.Model):
    """A consulting firm: the service provider (服务方) of clause 3, and the tenant."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    short_name = models.CharField(_("short name"), max_length=50, blank=True)
    uscc = models.CharField(_("unified social credit code"), max_length=18, blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    phone = models.CharField(_("phone"), max_length=50, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("firm")
        verbose_name_plural = _("firms")
        ordering = ["name"]

    def __str__(self):
        return self.name


class UserManager(BaseUserManager):
    """Users are looked up by e-mail before any firm is known (log-in, password reset),
    so this manager is deliberately not firm-scoped; every view and admin page that
    lists users filters them by firm itself (``tenancy.selectors.firm_staff``).

    On PostgreSQL the users' table has row-level security like every firm-owned table
    (``tenancy.rls``): a lookup by e-mail goes through the narrow function
    :data:`~consultancy.tenancy.rls.USER_BY_EMAIL` (the id and firm of that one user),
    then the row is read in :func:`~consultancy.tenancy.rls.user_scope`."""

    use_in_migrations = True

    def _create_user(self, email, password, **extra):
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra):
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email, password=None, **extra):
        extra.update(is_superuser=True, is_staff=True, firm=None, role=User.Role.OPERATOR)
        with rls.cross_firm(f"create the platform operator {email}"):
            return self._create_user(email, password, **extra)

    def get_by_natural_key(self, username):
        found = rls.USER_BY_EMAIL.first(username or "", using=self.db)
        if found is None:
            raise self.model.DoesNotExist("No user with this e-mail address.")
        with rls.user_scope(found[1]):
            return self.get(pk=found[1])

    def email_in_use(self, email) -> bool:
        """Whether any user, of any firm, has this e-mail address (without case)."""
        return rls.USER_BY_EMAIL.first((email or "").strip(), using=self.db) is not None


class User(AbstractBaseUser, PermissionsMixin):
    class Role(models.TextChoices):
        MANAGER = "manager", _("Manager")
        CONSULTANT = "consultant", _("Consultant")
        CLIENT_CONTACT = "client_contact", _("Client contact")
        OPERATOR = "operator", _("Platform operator")

    email = models.EmailField(_("e-mail address"), unique=True)
    full_name = models.CharField(_("full name"), max_length=100)
    phone = models.CharField(_("phone"), max_length=50, blank=True)
    firm = models.ForeignKey(
        Firm,
        verbose_name=_("firm"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
        help_text=_("Empty only for platform operators."),
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.CONSULTANT)
    language = models.CharField(
        _("language"),
        max_length=10,
        blank=True,
        choices=[("zh-hans", "简体中文"), ("en", "English")],
        help_text=_("Empty: follow the browser."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    is_staff = models.BooleanField(_("platform staff"), default=False, editable=False)
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)

    objects = UserManager()
    history = HistoricalRecords(excluded_fields=["password", "last_login"])

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["full_name"]
        indexes = [models.Index(fields=["firm", "role"], name="user_firm_role_idx")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(firm__isnull=False) | models.Q(role="operator"),
                name="user_firm_required_unless_operator",
            )
        ]

    def __str__(self):
        return self.full_name or self.email

    def get_full_name(self):
        return self.full_name

    def _get_session_auth_hash(self, secret=None):
        """Django's session hash (the password's) with the role and the firm mixed in: a
        change of password, role or firm ends the user's other sessions (ASVS V3.3.3,
        V3.2.1)."""
        key_salt = "consultancy.tenancy.models.User.get_session_auth_hash"
        return salted_hmac(key_salt, f"{self.password}|{self.role}|{self.firm_id}",
                           secret=secret, algorithm="sha256").hexdigest()

    def get_short_name(self):
        return self.full_name

    @property
    def is_firm_staff(self):
        return self.firm_id is not None and self.role in (self.Role.MANAGER, self.Role.CONSULTANT)

    @property
    def is_manager(self):
        return self.firm_id is not None and self.role == self.Role.MANAGER

    @property
    def is_client_contact(self):
        return self.role == self.Role.CLIENT_CONTACT

    # Managers run their firm in the admin; their rights there are those of their role,
    # and every admin page scopes them to their firm (tenancy.admin.FirmScopedAdmin).
    MANAGER_APPS = frozenset(
        {"tenancy", "clients", "documents", "engagements", "contracts", "delivery", "feedback"}
    )
    MANAGER_DENIED = frozenset(
        {"tenancy.add_firm", "tenancy.change_firm", "tenancy.delete_firm", "tenancy.view_firm"}
    )

    def has_perm(self, perm, obj=None):
        if self.is_active and self.is_manager:
            app_label = perm.split(".", 1)[0]
            return app_label in self.MANAGER_APPS and perm not in self.MANAGER_DENIED
        return super().has_perm(perm, obj)

    def has_module_perms(self, app_label):
        if self.is_active and self.is_manager:
            return app_label in self.MANAGER_APPS
        return super().has_module_perms(app_label)


class Qualification(FirmOwned):
    """A staff member's safety qualification certificate (clauses 8.1.1 and 8.2.2)."""

    class Kind(models.TextChoices):
        RSE = "rse", _("Registered safety engineer (注册安全工程师)")
        OTHER = "other", _("Other safety qualification")

    class Level(models.TextChoices):
        JUNIOR = "junior", _("Junior")
        INTERMEDIATE = "intermediate", _("Intermediate")
        SENIOR = "senior", _("Senior")
        NONE = "", _("Not graded")

    class Specialty(models.TextChoices):
        # The seven specialties of the registered safety engineer (注册安全工程师专业类别).
        COAL_MINE = "coal_mine", _("Coal mine safety")
        METAL_MINE = "metal_mine", _("Metal and non-metal mine safety")
        CHEMICAL = "chemical", _("Chemical safety")
        METALLURGY = "metallurgy", _("Metal smelting safety")
        CONSTRUCTION = "construction", _("Construction safety")
        ROAD_TRANSPORT = "road_transport", _("Road transport safety")
        OTHER = "other", _("Other safety (excluding fire safety)")

    holder = models.ForeignKey(
        User,
        verbose_name=_("holder"),
        on_delete=models.PROTECT,
        related_name="qualifications",
        limit_choices_to={"role__in": ["manager", "consultant"]},
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    name = models.CharField(
        _("certificate name"),
        max_length=100,
        blank=True,
        help_text=_("For other qualifications, e.g. 安全评价师."),
    )
    level = models.CharField(_("level"), max_length=20, choices=Level.choices, blank=True)
    specialty = models.CharField(
        _("specialty"), max_length=20, choices=Specialty.choices, blank=True
    )
    number = models.CharField(_("certificate number"), max_length=60)
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"))
    scan = TypedFileField(
        _("scan"),
        upload_to=FirmUploadTo("qualifications"),
        validators=[UploadValidator(SCAN_TYPES)],
        blank=True,
        max_length=300,
        type_field="scan_content_type",
        help_text=_("PDF, JPEG or PNG, at most 10 MB."),
    )
    scan_content_type = content_type_field()

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("qualification")
        verbose_name_plural = _("qualifications")
        ordering = ["holder__full_name", "-valid_until"]
        constraints = [
            models.UniqueConstraint(
                fields=["firm", "kind", "number"], name="qualification_unique_number_per_firm"
            ),
            models.CheckConstraint(
                condition=models.Q(valid_until__gte=models.F("valid_from")),
                name="qualification_valid_range",
            ),
        ]
        indexes = [
            models.Index(fields=["firm", "holder"], name="qual_firm_holder_idx"),
            models.Index(fields=["firm", "valid_until"], name="qual_firm_until_idx"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.number} ({self.holder})"

    def is_valid_on(self, date: datetime.date) -> bool:
        """Whether the certificate is in force on ``date`` (both ends inclusive)."""
        return self.valid_from <= date <= self.valid_until

    @property
    def is_rse(self):
        return self.kind == self.Kind.RSE


class SubmissionToken(FirmOwned):
    """A one-time form token that has been used: the first POST that carried it claims it,
    in the same transaction as the act, and keeps where that POST sent the user; a second
    POST with the same token is answered from here instead of acting again
    (``tenancy.once``)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+",
                             verbose_name=_("user"))
    token = models.CharField(_("token"), max_length=64)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    location = models.CharField(_("redirect location"), max_length=2000, blank=True)

    class Meta:
        verbose_name = _("submission token")
        verbose_name_plural = _("submission tokens")
        constraints = [
            models.UniqueConstraint(fields=["firm", "user", "token"],
                                    name="submission_token_once_per_user"),
        ]
        indexes = [models.Index(fields=["firm", "created_at"], name="subtoken_firm_created_idx")]

    def __str__(self):
        return self.token
