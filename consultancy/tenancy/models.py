"""The tenant (Firm), its people (User) and their certificates (Qualification).

DESIGN.md, "Tenancy" and "People".
"""

import datetime

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.utils import timezone, translation
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


def in_reader_language(chinese: str, english: str) -> str:
    """A firm-kept name in the reader's language: the English one for an English reader
    when the firm keeps it, the Chinese one otherwise (the firm's lists: kinds of
    qualification, service types, complaint causes, survey questions)."""
    language = translation.get_language() or settings.LANGUAGE_CODE
    return english if language.startswith("en") and english else chinese


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


# The kinds of qualification a firm starts its list with (8.1.1): (name, English name,
# the registered safety engineer's, safety-related).
DEFAULT_QUALIFICATION_KINDS = [
    ("注册安全工程师", "Registered safety engineer", True, True),
    ("安全评价师", "Safety assessor", False, True),
    ("注册消防工程师", "Registered fire engineer", False, True),
    ("安全生产管理人员考核合格证", "Safety production management certificate", False, True),
    ("职业卫生专业技术人员证书", "Occupational health professional certificate", False, True),
    ("特种设备安全管理人员证书", "Special equipment safety management certificate", False,
     True),
    ("注册核安全工程师", "Registered nuclear safety engineer", False, True),
    ("注册建造师", "Registered constructor", False, False),
]


class QualificationKind(FirmOwned):
    """A kind of certificate on the firm's list (8.1.1 "具有安全相关资质的人员"): seeded with
    the usual ones, each marked safety-related or not. A kind first named with an "other"
    certificate is not safety-related until a manager decides it is (``decided_by``)."""

    name = models.CharField(_("kind of certificate"), max_length=60)
    name_en = models.CharField(_("kind of certificate (English)"), max_length=80, blank=True)
    is_rse = models.BooleanField(_("registered safety engineer"), default=False,
                                 editable=False)
    safety_related = models.BooleanField(
        _("safety-related qualification"), default=False,
        help_text=_("Only a certificate of a safety-related kind counts for clause 8.1.1."))
    order = models.PositiveSmallIntegerField(_("order"), default=100)
    is_active = models.BooleanField(_("offered"), default=True)
    seeded = models.BooleanField(_("on the starting list"), default=False, editable=False)
    decided_by = models.ForeignKey(User, verbose_name=_("decided by"), on_delete=models.PROTECT,
                                   null=True, blank=True, related_name="+", editable=False)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True, editable=False)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("kind of qualification")
        verbose_name_plural = _("kinds of qualification")
        ordering = ["order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["firm", "name"],
                                    name="qualification_kind_name_per_firm"),
            models.UniqueConstraint(fields=["firm"], condition=models.Q(is_rse=True),
                                    name="one_rse_kind_per_firm"),
        ]
        indexes = [models.Index(fields=["firm", "order"], name="qkind_firm_order_idx")]

    def __str__(self):
        return self.label

    @property
    def label(self) -> str:
        return in_reader_language(self.name, self.name_en)

    @property
    def awaiting_decision(self) -> bool:
        """A kind named with an "other" certificate that no manager has decided on."""
        return not self.safety_related and self.decided_by_id is None and not self.seeded

    @classmethod
    def seed(cls, firm_id):
        """The firm's starting list (nothing is added to a list the firm already has)."""
        if cls.objects.with_scopes_disabled().filter(firm_id=firm_id).exists():
            return
        for order, (name, name_en, is_rse, safety) in enumerate(DEFAULT_QUALIFICATION_KINDS):
            cls.objects.with_scopes_disabled().create(
                firm_id=firm_id, name=name, name_en=name_en, is_rse=is_rse,
                safety_related=safety, order=order, seeded=True)

    @classmethod
    def for_name(cls, firm_id, name: str, *, rse=False):
        """The firm's kind called ``name`` (the RSE kind when ``rse``), made (not
        safety-related, awaiting a manager) if the list has none."""
        manager = cls.objects.with_scopes_disabled()
        if rse:
            return manager.filter(firm_id=firm_id, is_rse=True).first()
        name = (name or "").strip()[:60] or "其他证书"
        found = manager.filter(firm_id=firm_id, name=name).first()
        if found is None:  # "安全评价师（二级）" is a 安全评价师 certificate
            found = next((k for k in manager.filter(firm_id=firm_id, seeded=True)
                          if k.name in name), None)
        return found or manager.create(firm_id=firm_id, name=name, safety_related=False,
                                       order=100)


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
    qualification_kind = models.ForeignKey(
        QualificationKind, verbose_name=_("kind of certificate"), on_delete=models.PROTECT,
        null=True, blank=True, related_name="qualifications",
        help_text=_("From the firm's list; a registered safety engineer certificate meets "
                    "8.2.2, and a certificate of a safety-related kind valid on the day meets "
                    "8.1.1."))
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
    def kind_label(self) -> str:
        """The kind of certificate as the firm's list names it (else its name)."""
        if self.qualification_kind_id:
            return self.qualification_kind.label
        return self.name or str(self.get_kind_display())

    @property
    def is_safety_related(self) -> bool:
        return self.qualification_kind_id is not None and self.qualification_kind.safety_related

    def save(self, *args, **kwargs):
        """Every certificate has a kind of the firm's list (8.1.1), and ``kind`` (RSE or
        not, what 8.2.2 reads) follows it."""
        if self.qualification_kind_id is None and self.firm_id is not None:
            self.qualification_kind = QualificationKind.for_name(
                self.firm_id, self.name, rse=self.kind == self.Kind.RSE)
        if self.qualification_kind_id is not None:
            self.kind = self.Kind.RSE if self.qualification_kind.is_rse else self.Kind.OTHER
        super().save(*args, **kwargs)

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
