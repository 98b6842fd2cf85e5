#!/usr/bin/env python
"""``make bench``: the pages under load (README, "Performance"; docs/performance.md).

Serves the seeded benchmark database (scripts/bench_db.sh; ``manage.py seed_scale``) with
gunicorn on a private port, with two yardsticks in the same server (``BENCH_VIEWS``: a bare
Django view and a one-query template view), and drives each page with a bounded load
generator (threads, keep-alive connections) at 1 and at 8 concurrent users, the pages and
concurrencies interleaved round by round so that drift hits all alike. Prints, per page and
concurrency: p50 / p95 / p99 latency, requests per second and the ratio to the bare view's.

    BENCH_DATABASE_URL=postgres://bench_app:…@127.0.0.1:5432/consultancy_bench \\
        python scripts/bench.py --rounds 3 --requests 40

Nothing here is a test: the figures depend on the machine.
"""

import argparse
import http.client
import os
import random
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PY = str(ROOT / ".venv" / "bin" / "python")


def percentile(values, q):
    values = sorted(values)
    if not values:
        return float("nan")
    index = min(len(values) - 1, max(0, round(q / 100 * len(values) + 0.5) - 1))
    return values[index]


def pages_and_cookies(env):
    """Log the roles in (sessions made in the database, as a login would) and pick the
    pages: run in a child process with Django set up against the bench database."""
    code = r'''
import json, django
django.setup()
from django.test import Client
from django.urls import reverse
from consultancy.tenancy.models import User
from consultancy.tenancy.rls import cross_firm
from engagements.models import Engagement
from consultancy.tenancy.scoping import firm_scope
with cross_firm("bench: pick the pages"):
    manager = User.objects.get(email="manager@s001.antai.example")
    contact = (User.objects.filter(firm=manager.firm, role="client_contact")
               .order_by("pk").first())
    operator = User.objects.filter(is_superuser=True).order_by("pk").first()
    # "10,000 engagements against 100" (issue 19): the same pages for the demo's first
    # firm, which seed_scale copies but does not grow (a few dozen engagements)
    small = User.objects.get(email="manager@antai.example")
    small_contact = User.objects.get(email="zhao.lixin@client.antai.example")
def cookie(user):
    c = Client()
    c.force_login(user)
    return c.cookies["sessionid"].value
with firm_scope(manager.firm_id):
    engagement = (Engagement.objects.filter(stage="delivery").order_by("pk").first()
                  or Engagement.objects.order_by("pk").first())
    from portal import selectors as portal_selectors
    mine = portal_selectors.engagements_for(contact.client_contact).order_by("pk").first()
out = {
  "cookies": {"manager": cookie(manager), "contact": cookie(contact),
              "small manager": cookie(small), "small contact": cookie(small_contact)},
  "pages": [
    ["bare view", None, "/bench/bare"],
    ["one-query view", None, "/bench/one-query"],
    ["engagement list", "manager", reverse("engagements:list")],
    ["list, in delivery", "manager", reverse("engagements:list") + "?stage=delivery"],
    ["engagement page", "manager", engagement.get_absolute_url()],
    ["dashboard", "manager", "/dashboard/"],
    ["statistics", "manager", "/statistics/"],
    ["admin changelist", "manager", "/admin/engagements/engagement/"],
    ["portal home", "contact", "/portal/"],
    ["portal engagement", "contact", f"/portal/engagements/{mine.pk}/"],
    ["list, small firm", "small manager", reverse("engagements:list")],
    ["portal, small firm", "small contact", "/portal/"],
  ],
}
print("BENCH-JSON" + json.dumps(out))
'''
    result = subprocess.run([PY, "-c", code], env=env, cwd=ROOT, capture_output=True,
                            text=True, check=False)
    if result.returncode != 0:
        sys.exit(result.stderr)
    import json

    line = [x for x in result.stdout.splitlines() if x.startswith("BENCH-JSON")][0]
    return json.loads(line[len("BENCH-JSON"):])


def drive(port, path, cookie, users, total):
    """``total`` GETs of ``path`` by ``users`` threads, each on its own keep-alive
    connection; returns (latencies, elapsed, errors, pages served from the page cache)."""
    latencies, errors, lock = [], [], threading.Lock()
    hits = [0]
    left = [total]
    headers = {"Cookie": f"sessionid={cookie}"} if cookie else {}

    def user():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        while True:
            with lock:
                if left[0] <= 0:
                    break
                left[0] -= 1
            t = time.perf_counter()
            try:
                conn.request("GET", path, headers=headers)
                response = conn.getresponse()
                response.read()
                status = response.status
                hit = response.getheader("X-Page-Cache") == "hit"
            except (OSError, http.client.HTTPException) as exc:
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                status = repr(exc)
                hit = False
            took = time.perf_counter() - t
            with lock:
                latencies.append(took)
                hits[0] += hit
                if status != 200:
                    errors.append(status)
        conn.close()

    threads = [threading.Thread(target=user) for _ in range(users)]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies, time.perf_counter() - start, errors, hits[0]


def wait_for(port, seconds=60):
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/bench/bare")
            if conn.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.3)
    sys.exit("gunicorn did not start")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--requests", type=int, default=40,
                        help="requests per page, concurrency and round")
    parser.add_argument("--users", default="1,8")
    args = parser.parse_args()
    url = os.environ.get("BENCH_DATABASE_URL")
    if not url:
        sys.exit("BENCH_DATABASE_URL is not set (scripts/bench_db.sh prints it)")
    env = {**os.environ, "DATABASE_URL": url, "BENCH_VIEWS": "1", "DEBUG": "0",
           "SECRET_KEY": os.environ.get("SECRET_KEY", "bench-only-not-a-secret"),
           "ALLOWED_HOSTS": "127.0.0.1,localhost", "SECURE_COOKIES": "0",
           "SECURE_SSL_REDIRECT": "0", "DJANGO_SETTINGS_MODULE": "consultancy.settings.base"}
    env.pop("REDIS_URL", None) if "BENCH_REDIS_URL" not in os.environ else env.update(
        REDIS_URL=os.environ["BENCH_REDIS_URL"])
    subprocess.run([PY, "manage.py", "collectstatic", "--noinput", "-v", "0"], env=env, cwd=ROOT,
                   check=True)
    setup = pages_and_cookies(env)
    server = subprocess.Popen(
        [str(ROOT / ".venv" / "bin" / "gunicorn"), "consultancy.wsgi", "-w", str(args.workers),
         "-b", f"127.0.0.1:{args.port}", "--timeout", "300",
         "--log-level", "warning"],
        env=env, cwd=ROOT)
    try:
        wait_for(args.port)
        users = [int(u) for u in args.users.split(",")]
        results = {}
        pages = setup["pages"]
        for _page, role, path in pages:  # warm every worker once
            drive(args.port, path, setup["cookies"].get(role), args.workers, args.workers * 2)
        for _round in range(args.rounds):
            order = [(p, u) for p in pages for u in users]
            random.shuffle(order)
            for (page, role, path), u in order:
                lat, elapsed, errors, hits = drive(args.port, path, setup["cookies"].get(role), u,
                                             args.requests if u == 1 else args.requests * 2)
                entry = results.setdefault((page, u), {"lat": [], "time": 0.0, "errors": 0,
                                                            "hits": 0})
                entry["lat"] += lat
                entry["time"] += elapsed
                entry["errors"] += len(errors)
                entry["hits"] += hits
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
    print(f"\npage cache: {os.environ.get('PAGE_CACHE', 'default (on with Redis)')}; "
          f"cache: {'Redis' if 'REDIS_URL' in env else 'local memory'}")
    print(f"\n{'page':<20} {'users':>5} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} "
          f"{'req/s':>8} {'× bare':>7} {'errors':>6} {'cached':>6}")
    for page, _role, _path in pages:
        for u in users:
            entry = results[(page, u)]
            rps = len(entry["lat"]) / entry["time"]
            bare = results[("bare view", u)]
            bare_rps = len(bare["lat"]) / bare["time"]
            ms = [x * 1000 for x in entry["lat"]]
            print(f"{page:<20} {u:>5} {statistics.median(ms):>8.1f} "
                  f"{percentile(ms, 95):>8.1f} {percentile(ms, 99):>8.1f} {rps:>8.1f} "
                  f"{rps / bare_rps:>7.2f} {entry['errors']:>6} "
                  f"{entry['hits'] / len(entry['lat']):>6.0%}")


if __name__ == "__main__":
    main()
