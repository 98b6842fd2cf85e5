#!/usr/bin/env python
"""The queries of one page (docs/performance.md): GET ``--path`` as ``--user`` through
Django's test client against DATABASE_URL and print each query, its time, and with
``--explain`` PostgreSQL's plan (``EXPLAIN ANALYZE``, as the runtime role: row-level
security on) of the queries whose text contains ``--explain``.

    DATABASE_URL=postgres://bench_app:…/consultancy_bench SECRET_KEY=x \\
        python scripts/page_queries.py --path /engagements/ --explain engagements_engagement
"""

import argparse
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "consultancy.settings.base")
os.environ.setdefault("ALLOWED_HOSTS", "127.0.0.1,localhost")
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")
os.environ.setdefault("SECURE_COOKIES", "0")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--user", default="manager@s001.antai.example")
    parser.add_argument("--path", default="/engagements/")
    parser.add_argument("--explain", default="", help="explain the queries containing this")
    parser.add_argument("--width", type=int, default=300)
    args = parser.parse_args()
    from profile_page import signed_in_page  # the next script in this folder

    user, _client, queries = signed_in_page(args.user, args.path)
    from django.db import connection

    from consultancy.tenancy.scoping import firm_scope

    for i, q in enumerate(queries, 1):
        print(f"{i:>2}. {q['time']} s  {q['sql'][:args.width]}")
    if not args.explain:
        return
    with firm_scope(user.firm), connection.cursor() as cursor:
        for q in queries:
            if args.explain in q["sql"] and q["sql"].lstrip("( ").upper().startswith("SELECT"):
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + q["sql"])
                print("\n" + q["sql"][:args.width])
                print("\n".join(row[0] for row in cursor.fetchall()))


if __name__ == "__main__":
    main()
