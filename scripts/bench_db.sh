#!/usr/bin/env bash
# The benchmark's own PostgreSQL database (README, "Performance"): created if missing, with
# the two roles of production (owner and runtime, row-level security on), migrated as the
# owner. Needs a superuser connection: BENCH_ADMIN_URL (default postgres://postgres@127.0.0.1:5432/postgres).
set -euo pipefail
ADMIN_URL=${BENCH_ADMIN_URL:-postgres://postgres@127.0.0.1:5432/postgres}
DB=${BENCH_DB:-consultancy_bench}
HOSTPORT=${BENCH_HOSTPORT:-127.0.0.1:5432}
OWNER=bench_owner
APP=bench_app
PW=${BENCH_PASSWORD:-bench-only-not-a-secret}
PY=${PY:-.venv/bin/python}
export SECRET_KEY=${SECRET_KEY:-bench-only-not-a-secret} ALLOWED_HOSTS=${ALLOWED_HOSTS:-127.0.0.1,localhost}
if ! psql "$ADMIN_URL" -tAc "SELECT 1 FROM pg_database WHERE datname='$DB'" | grep -q 1; then
  psql "$ADMIN_URL" -qc "CREATE DATABASE $DB"
fi
psql "${ADMIN_URL%/*}/$DB" -q -v owner=$OWNER -v owner_password=$PW -v app=$APP \
  -v app_password=$PW -f deploy/postgres/roles.psql >/dev/null
DATABASE_URL=postgres://$OWNER:$PW@$HOSTPORT/$DB DATABASE_APP_ROLE=$APP \
  $PY manage.py migrate --noinput -v 0
echo "postgres://$APP:$PW@$HOSTPORT/$DB"
