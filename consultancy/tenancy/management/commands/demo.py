"""``manage.py demo``: the demonstration data, safe to run again.

Each app contributes its part in a ``demo.py`` module with a ``load(ctx)`` function;
they run in INSTALLED_APPS order, which is the order of the standard's clauses, so
the engagements app finds the firms and clients made before it. ``ctx`` is a
:class:`DemoContext` that collects the logins to print.
"""

from dataclasses import dataclass, field
from importlib import import_module

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import transaction
from django.test.utils import override_settings
from django_scopes import scopes_disabled

DEMO_PASSWORD = "demo-2026"


@dataclass
class DemoContext:
    password: str = DEMO_PASSWORD
    logins: list = field(default_factory=list)  # (firm, role, name, email)
    data: dict = field(default_factory=dict)  # shared between the apps' loaders
    stdout: object = None

    def login(self, firm, role, name, email):
        if (firm, role, name, email) not in self.logins:
            self.logins.append((firm, role, name, email))


def demo_loaders():
    for config in apps.get_app_configs():
        try:
            module = import_module(f"{config.name}.demo")
        except ModuleNotFoundError as exc:
            if exc.name != f"{config.name}.demo":
                raise
            continue
        yield config.label, module.load


class Command(BaseCommand):
    help = "Build the demo firms, staff, clients and engagements (idempotent) and print the logins."

    def handle(self, *args, **options):
        ctx = DemoContext(stdout=self.stdout)
        # The demo's own stage changes would e-mail the demo staff: keep the console quiet.
        quiet_mail = override_settings(
            EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"
        )
        with quiet_mail, scopes_disabled(), transaction.atomic():
            for label, load in demo_loaders():
                load(ctx)
                self.stdout.write(f"  demo: {label} loaded")
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS(f"Demo logins (password for all: {ctx.password})"))
        width = max(len(email) for *_, email in ctx.logins)
        for firm, role, name, email in ctx.logins:
            self.stdout.write(f"  {email.ljust(width)}  {role:<15} {name}  [{firm}]")
        self.stdout.write("  admin@platform.example  platform operator (superuser)  [all firms]")
