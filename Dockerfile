# syntax=docker/dockerfile:1
#
# Production-like image: gunicorn serves consultancy.wsgi; the same image runs the Celery
# worker and beat (docker-compose.yml). Static files are collected at build time and served
# by WhiteNoise; private files live under MEDIA_ROOT (a volume), never in the image.

ARG PYTHON_IMAGE=python:3.11-slim-bookworm

# --- Stage 1: front-end packages from the npm registry (package-lock.json). ---------------
# Node is needed only here: the final stage copies node_modules (plain static files) and
# never gets node or npm.
FROM ${PYTHON_IMAGE} AS assets
RUN apt-get update \
    && apt-get install -y --no-install-recommends nodejs npm \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund

# --- Stage 2: the application. -------------------------------------------------------------
FROM ${PYTHON_IMAGE} AS app

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_ROOT_USER_ACTION=ignore \
    DJANGO_SETTINGS_MODULE=consultancy.settings.base \
    MEDIA_ROOT=/data/private

# WeasyPrint's libraries, CJK fonts for the PDFs, gettext's msgfmt for compilemessages.
# fontconfig (fc-cache) builds the system font cache at install time: the app user has no
# writable home, so without it every process would rescan the large CJK fonts.
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-noto-cjk fontconfig gettext \
    && fc-cache -f \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app

# Dependencies first, so code changes do not re-run pip. The lock is hash-pinned, so pip
# runs in --require-hashes mode.
COPY requirements.lock ./
RUN pip install -r requirements.lock

COPY --from=assets /src/node_modules ./node_modules
COPY . .

# Build-time only: a throwaway SECRET_KEY for these two commands (it is not an ENV, so it
# is not in the image's environment). compilemessages needs the locale directory to exist.
RUN mkdir -p locale \
    && SECRET_KEY=build-only-not-a-secret python manage.py collectstatic --noinput \
    && SECRET_KEY=build-only-not-a-secret python manage.py compilemessages

# Non-root user. The code stays root-owned (read-only to the app); only the private-files
# directory is the app's, so a fresh named volume mounted there is writable.
RUN groupadd --system --gid 1000 app \
    && useradd --system --uid 1000 --gid app --home-dir /app --no-create-home app \
    && mkdir -p /data/private \
    && chown app:app /data/private
USER app

EXPOSE 8000

CMD ["gunicorn", "consultancy.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3"]
