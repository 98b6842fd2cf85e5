"""Row-level security behind pgbouncer: six threads, firm after firm, through a pool of two
server connections (deploy/pgbouncer/pgbouncer.ini, transaction mode). Every statement must
see exactly its firm's rows (none without a firm). Run from the project root:

    pgbouncer -d deploy/pgbouncer/pgbouncer.ini   # edit the [databases] line first
    PYTHONPATH=. SECRET_KEY=x DATABASE_URL=postgres://app:…@127.0.0.1:6439/db \\
        DATABASE_TRANSACTION_POOLING=true python deploy/pgbouncer/check_pooling.py

With DATABASE_TRANSACTION_POOLING=true: "errors 0". Without it (session-level settings
behind a transaction pooler) one client's firm reaches another's statements: errors.
Needs the data of at least two firms (``manage.py demo``).
"""

import os
import random
import threading

import django


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "consultancy.settings.base")
    django.setup()
    from django.db import connection, connections, transaction

    from consultancy.tenancy import rls
    from consultancy.tenancy.scoping import firm_scope

    def seen(pids):
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            pids.add(cursor.fetchone()[0])
            cursor.execute("SELECT DISTINCT firm_id FROM clients_client ORDER BY 1")
            return [row[0] for row in cursor.fetchall()]

    with rls.cross_firm("check_pooling: the firms"):
        firms = seen(set())
    connections.close_all()
    errors, pids = [], set()

    def work(seed):
        rnd = random.Random(seed)
        try:
            for _ in range(150):
                firm = rnd.choice([*firms, None])
                if firm is None:
                    if got := seen(pids):
                        errors.append(("no firm", got))
                    continue
                with firm_scope(firm):
                    if rnd.random() < 0.5:
                        got = seen(pids)
                    else:
                        with transaction.atomic():
                            got = seen(pids)
                            if seen(pids) != got:
                                errors.append(("in one transaction", got))
                if got != [firm]:
                    errors.append((firm, got))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    print(f"firms {firms}; server connections {sorted(pids)}; errors {len(errors)}",
          errors[:5])


if __name__ == "__main__":
    main()
