#!/bin/bash
# Run once by the postgres image when it initialises an empty data directory
# (/docker-entrypoint-initdb.d): creates the owner and the runtime role, with the passwords
# docker-compose passes from the environment (none is written in any file).
set -euo pipefail
: "${APP_DB_OWNER:?}" "${APP_DB_OWNER_PASSWORD:?}" "${APP_DB_USER:?}" "${APP_DB_PASSWORD:?}"
psql --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
  -v owner="$APP_DB_OWNER" -v owner_password="$APP_DB_OWNER_PASSWORD" \
  -v app="$APP_DB_USER" -v app_password="$APP_DB_PASSWORD" \
  -f /docker-entrypoint-initdb.d/roles.psql
