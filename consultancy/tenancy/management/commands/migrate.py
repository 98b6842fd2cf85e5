"""Django's ``migrate``, run as the owner role: across firms (data migrations must see
every firm's rows; the one audited cross-firm mode, ``tenancy.rls.cross_firm``), then the
runtime role (``DATABASE_APP_ROLE``) is granted its rights on every table and sequence."""

from django.conf import settings
from django.core.management.commands.migrate import Command as MigrateCommand
from django.db import connections

from consultancy.tenancy import rls


class Command(MigrateCommand):
    def handle(self, *args, **options):
        with rls.cross_firm("migrate: the schema and data migrations"):
            super().handle(*args, **options)
        role = getattr(settings, "DATABASE_APP_ROLE", "")
        connection = connections[options["database"]]
        if role and connection.vendor == "postgresql":
            rls.grant_runtime_role(connection, role)
            if options["verbosity"] >= 1:
                self.stdout.write(f"Granted the runtime role {role} its rights.")
