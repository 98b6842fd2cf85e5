"""What row-level security costs: the engagement list and an engagement page, with it on and
off, on the same data (README "PostgreSQL", docs/rls-performance.md).

Run on a scratch copy (it switches row-level security off and on again, committed, while
it measures), as the runtime role, with the owner's URL for the switch::

    DATABASE_URL=postgres://app:…/bench python manage.py demo      # once: the demo data
    DATABASE_URL=postgres://app:…/bench python manage.py rls_benchmark \\
        --owner-url postgres://owner:…/bench --engagements 300 --rounds 15

"On" is the product as it runs: the policies ``FORCE``d and the backend setting each
connection's firm. "Off" disables the policies on every firm table (``NO FORCE``,
``DISABLE``) and takes the backend's execute wrapper out, so neither the policies nor the
extra round trips are paid. Rounds alternate on and off so that drift hits both alike.
"""

import statistics
import time

import psycopg
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import reverse
from psycopg import sql

from consultancy.tenancy import rls
from consultancy.tenancy.models import User
from consultancy.tenancy.scoping import firm_scope
from engagements.models import Engagement

MANAGER = "manager@antai.example"


class Command(BaseCommand):
    help = "Time the engagement list and an engagement page with row-level security on and off."

    def add_arguments(self, parser):
        parser.add_argument("--owner-url", required=True,
                            help="the owner role's postgres:// URL (switches the policies)")
        parser.add_argument("--engagements", type=int, default=0,
                            help="add engagements to the manager's firm up to this many")
        parser.add_argument("--rounds", type=int, default=15)
        parser.add_argument("--per-round", type=int, default=5)

    def handle(self, *args, owner_url, engagements, rounds, per_round, **options):
        if connection.vendor != "postgresql":
            raise CommandError("row-level security is PostgreSQL's")
        report = rls.role_report(connection)
        if report["superuser"] or report["bypassrls"] or report["tables_owned"]:
            raise CommandError(f"connect as the runtime role, not {report['role']}")
        with rls.cross_firm("rls_benchmark: find the demo manager"):
            manager = User.objects.filter(email=MANAGER).first()
        if manager is None:
            raise CommandError("no demo data: run `manage.py demo` first")
        self._fill(manager, engagements)
        with firm_scope(manager.firm_id):
            total = Engagement.objects.count()
            engagement = Engagement.objects.order_by("-pk").first()
        pages = {"engagement list": reverse("engagements:list"),
                 "engagement page": reverse("engagements:detail", args=[engagement.pk])}
        tables = sorted({m._meta.db_table for m in rls.firm_owned_models()})
        timings = {(mode, name): [] for mode in ("on", "off") for name in pages}
        queries = {}
        storages = {**settings.STORAGES, "staticfiles": {
            "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
        with override_settings(ALLOWED_HOSTS=["testserver"], SECURE_SSL_REDIRECT=False,
                               STORAGES=storages):
            client = Client()
            client.force_login(manager)
            try:
                for name, page in pages.items():  # warm up; count the round trips
                    assert client.get(page).status_code == 200
                    sets = connection.rls_set_count
                    with CaptureQueriesContext(connection) as captured:
                        assert client.get(page).status_code == 200
                    queries[name] = (len(captured), connection.rls_set_count - sets)
                for _round in range(rounds):
                    for mode in ("on", "off"):
                        self._switch(owner_url, tables, on=mode == "on")
                        for name, page in pages.items():
                            for _ in range(per_round):
                                start = time.perf_counter()
                                response = client.get(page)
                                timings[(mode, name)].append(time.perf_counter() - start)
                                assert response.status_code == 200
            finally:
                self._switch(owner_url, tables, on=True)
        self.stdout.write(f"{total} engagements in the firm; {rounds} rounds x {per_round} "
                          f"requests per page and mode (median, ms)")
        for name in pages:
            on = statistics.median(timings[("on", name)]) * 1000
            off = statistics.median(timings[("off", name)]) * 1000
            count, sets = queries[name]
            self.stdout.write(f"  {name:<16} on {on:7.1f}  off {off:7.1f}  "
                              f"ratio on/off {on / off:.3f}  ({count} queries, "
                              f"+{sets} set_config round trips with it on)")

    def _fill(self, manager, wanted):
        with firm_scope(manager.firm_id):
            have = Engagement.objects.count()
            if have >= wanted:
                return
            model = Engagement.objects.order_by("pk").first()
            Engagement.objects.bulk_create([
                Engagement(firm_id=manager.firm_id, client_id=model.client_id,
                           number=f"B{n:05d}", title=f"{model.title} (基准 {n})",
                           service_type=model.service_type, origin=model.origin,
                           lead_consultant_id=model.lead_consultant_id, stage=model.stage)
                for n in range(have, wanted)])

    def _switch(self, owner_url, tables, *, on):
        """Policies on (ENABLE, FORCE) with the backend setting the firm, or both off."""
        with psycopg.connect(owner_url, autocommit=True) as owner:
            for table in tables:
                name = sql.Identifier(table)
                if on:
                    owner.execute(sql.SQL("ALTER TABLE {} ENABLE ROW LEVEL SECURITY").format(name))
                    owner.execute(sql.SQL("ALTER TABLE {} FORCE ROW LEVEL SECURITY").format(name))
                else:
                    owner.execute(sql.SQL("ALTER TABLE {} NO FORCE ROW LEVEL SECURITY").format(name))
                    owner.execute(sql.SQL("ALTER TABLE {} DISABLE ROW LEVEL SECURITY").format(name))
        wrapper = connection._rls_execute
        wrappers = connection.execute_wrappers
        if on and wrapper not in wrappers:
            wrappers.insert(0, wrapper)
        elif not on and wrapper in wrappers:
            wrappers.remove(wrapper)
