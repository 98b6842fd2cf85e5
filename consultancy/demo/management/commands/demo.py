"""``manage.py demo``: the demonstration data, safe to run again.

The parts are built in the order of the standard's clauses, each by its builder in
:mod:`consultancy.demo`, all in one transaction; the command prints a line per part and
then the logins.
"""

import logging
from contextlib import contextmanager

from django.core.management.base import BaseCommand
from django.db import transaction
from django.test.utils import override_settings

from consultancy.demo import (
    clients,
    contracts,
    delivery,
    engagements,
    feedback,
    firms,
    hazards,
    history,
)
from consultancy.demo.common import DemoContext
from consultancy.tenancy.rls import cross_firm

PARTS = [
    ("firms and staff", firms.load),
    ("clients", clients.load),
    ("engagements (clauses 5-6)", engagements.load),
    ("contracts (clause 7)", contracts.load),
    ("delivery (clause 8)", delivery.load),
    ("hidden dangers (隐患排查治理)", hazards.load),
    ("evaluation and follow-up (clause 9)", feedback.load),
    ("survey history (9.5)", history.load),
]

# What would print a line per task: Celery logs every eager task it runs at INFO, and
# kombu warns that the in-memory broker has no host name. Their errors still show.
QUIET_LOGGERS = {"celery.app.trace": logging.WARNING, "kombu.connection": logging.ERROR}


@contextmanager
def quiet_loggers(levels):
    loggers = {name: logging.getLogger(name) for name in levels}
    before = {name: logger.level for name, logger in loggers.items()}
    for name, logger in loggers.items():
        logger.setLevel(levels[name])
    try:
        yield
    finally:
        for name, logger in loggers.items():
            logger.setLevel(before[name])


class Command(BaseCommand):
    help = "Build the demo firms, staff, clients and engagements (idempotent) and print the logins."

    def handle(self, *args, **options):
        ctx = DemoContext()
        # The demo's own stage changes would e-mail the demo staff: keep the console quiet.
        quiet_mail = override_settings(
            EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"
        )
        with quiet_mail, quiet_loggers(QUIET_LOGGERS), transaction.atomic(), \
                cross_firm("demo: build the demo firms and their data"):
            for label, load in PARTS:
                load(ctx)
                self.stdout.write(f"  demo: {label} ... ok")
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS(f"Demo logins (password for all: {ctx.password})"))
        width = max(len(email) for *_, email in ctx.logins)
        for firm, role, name, email in ctx.logins:
            self.stdout.write(f"  {email.ljust(width)}  {role:<15} {name}  [{firm}]")
        self.stdout.write("  admin@platform.example  platform operator (superuser)  [all firms]")
