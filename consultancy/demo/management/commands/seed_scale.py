"""``manage.py seed_scale --firms 50 --engagements 200``: the benchmark's data set
(README, "Performance"; ``consultancy.demo.scale``). Safe to run again: a firm already
there is completed to the number of engagements asked, not made twice.

Runs ``demo`` first if the demo firms are missing (the first demo firm is the pattern).
Each seeded firm's staff log in as the demo's do, with ``@sNNN.`` before the domain:
``manager@s001.antai.example``, password the demo's.
"""

import time

from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import transaction

from consultancy.demo import scale
from consultancy.tenancy.models import Firm, User
from consultancy.tenancy.rls import cross_firm

PATTERN_MANAGER = "manager@antai.example"


class Command(BaseCommand):
    help = "Seed many firms with many engagements in every stage (the benchmark's data)."

    def add_arguments(self, parser):
        parser.add_argument("--firms", type=int, default=50)
        parser.add_argument("--engagements", type=int, default=200,
                            help="engagements per firm")

    def handle(self, *args, firms, engagements, **options):
        started = time.monotonic()
        with cross_firm("seed_scale: the benchmark's data set"):
            pattern_user = User.objects.filter(email=PATTERN_MANAGER).first()
        if pattern_user is None:
            call_command("demo", stdout=self.stdout)
            with cross_firm("seed_scale: the pattern firm"):
                pattern_user = User.objects.get(email=PATTERN_MANAGER)
        pattern = Firm.objects.get(pk=pattern_user.firm_id)
        for index in range(1, firms + 1):
            with transaction.atomic(), cross_firm(f"seed_scale: firm {index}"):
                domain = PATTERN_MANAGER.replace("@", f"@s{index:03d}.")
                manager = User.objects.filter(email=domain).first()
                firm = manager.firm if manager else scale.copy_firm(pattern, index)
                added = scale.add_engagements(firm, engagements, index)
            self.stdout.write(f"  firm {index:>3}/{firms} {firm.name}: +{added} engagements "
                              f"({time.monotonic() - started:.0f} s)")
        self.stdout.write(self.style.SUCCESS(
            f"seed_scale: {firms} firms × {engagements} engagements in "
            f"{time.monotonic() - started:.0f} s; log in as manager@s001.antai.example"))
