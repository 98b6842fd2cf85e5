from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.utils.translation import gettext_lazy as _


class TenancyConfig(AppConfig):
    default = True
    name = "consultancy.tenancy"
    label = "tenancy"
    verbose_name = _("Firms and staff")

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        from . import backends, checks, ids, pagecache
        from .security import session_started

        ids.register()  # the <id:…> path converter, before any urls.py is loaded
        backends.connect()  # last_login written as the user (row-level security)
        checks.register()
        pagecache.connect()  # a firm's cached pages are renewed with its records

        user_logged_in.connect(session_started, dispatch_uid="tenancy.security.session_started")

        # A new firm starts with every list it keeps, seeded in one place; each app
        # registers its own (this one: the kinds of qualification, 8.1.1).
        from . import firm_lists
        from .models import QualificationKind

        firm_lists.register("tenancy.qualification_kinds", QualificationKind.seed)
        firm_lists.connect()


class ConsultancyAdminConfig(admin_apps.AdminConfig):
    """The admin, with the site of tenancy.admin_site (imported once the apps are ready)."""

    default = False
    default_site = "consultancy.tenancy.admin_site.ConsultancyAdminSite"
