#!/usr/bin/env python
"""Profile one page (docs/performance.md): ``--requests`` GETs of ``--path`` as a user,
through Django's test client against DATABASE_URL, under cProfile; prints the query count
and the top functions by cumulative and by own time.

    DATABASE_URL=postgres://bench_app:…/consultancy_bench SECRET_KEY=x \\
        python scripts/profile_page.py --user manager@s001.antai.example --path /engagements/
"""

import argparse
import cProfile
import io
import os
import pstats
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "consultancy.settings.base")
os.environ.setdefault("ALLOWED_HOSTS", "127.0.0.1,localhost")
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")
os.environ.setdefault("SECURE_COOKIES", "0")


def signed_in_page(email, path):
    """Set Django up, sign ``email`` in through the test client, GET ``path`` once to warm
    it, then once more counting its queries (printed); the client and the captured
    queries. Shared with ``scripts/page_queries.py``."""
    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from consultancy.tenancy.models import User
    from consultancy.tenancy.rls import cross_firm

    with cross_firm("profiling a page: the user"):
        user = User.objects.get(email=email)
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)
    client.get(path)  # warm
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(path)
    print(f"{path}: {response.status_code}, {len(response.content)} bytes, "
          f"{len(ctx.captured_queries)} queries")
    return user, client, ctx.captured_queries


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--user", default="manager@s001.antai.example")
    parser.add_argument("--path", default="/engagements/")
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args()
    _user, client, _queries = signed_in_page(args.user, args.path)
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(args.requests):
        client.get(args.path)
    profiler.disable()
    for order in ("cumulative", "tottime"):
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats(order).print_stats(args.top)
        print(out.getvalue())


if __name__ == "__main__":
    main()
