# The two commands: `make run` and `make test`. Each sets up only what is missing.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
ASSETS := node_modules/.installed
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
# Debian packages: WeasyPrint's Pango and HarfBuzz subsetter (without it a PDF renders ~15x
# slower), the CJK font for Chinese PDFs, gettext for translations, Node for the front-end
# assets, Chromium for the browser tests, poppler for looking at PDFs.
DEB_PACKAGES := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-noto-cjk gettext \
	chromium poppler-utils docker-compose
MO_FILES := $(patsubst %.po,%.mo,$(wildcard locale/*/LC_MESSAGES/django.po))

.PHONY: setup system run test lint demo lock clean-venv faults bench

setup: system $(STAMP) $(ASSETS) $(MO_FILES)

system:
	@missing=""; for p in $(DEB_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	command -v npm >/dev/null || missing="$$missing nodejs npm"; \
	$(PYTHON) -c "import ensurepip, venv" 2>/dev/null || missing="$$missing python3-venv"; \
	if [ -n "$$missing" ]; then \
	  if command -v apt-get >/dev/null && { [ "$$(id -u)" = 0 ] || sudo -n true 2>/dev/null; }; then \
	    echo "Installing system packages:$$missing"; \
	    $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	  else \
	    echo "Missing system packages:$$missing"; \
	    echo "Install them with: sudo apt-get install$$missing"; exit 1; \
	  fi; \
	fi

$(STAMP): requirements-dev.lock
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements-dev.lock
	@touch $@

$(ASSETS): package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

locale/%/LC_MESSAGES/django.mo: locale/%/LC_MESSAGES/django.po
	msgfmt --check -o $@ $<

# `make run PORT=8001` serves on another port; links in mails follow it (SITE_URL, unless set).
PORT ?= 8000
export PORT

run: setup
	@DEBUG=1 $(PY) manage.py migrate --noinput -v 0
	@DEBUG=1 $(PY) manage.py demo
	@echo "Serving on http://127.0.0.1:$(PORT)/  (Ctrl-C to stop)"
	@DEBUG=1 $(PY) manage.py runserver 127.0.0.1:$(PORT)

demo: setup
	DEBUG=1 $(PY) manage.py demo

lint: setup
	$(VENV)/bin/ruff check .

# The suite runs on every core (pytest-xdist; each worker has its own test database).
PYTEST_ARGS ?= -n auto --dist loadfile

test: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports --no-cache
	DEBUG=1 $(PY) manage.py makemigrations --check --dry-run >/dev/null || { echo "Models changed without a migration: run manage.py makemigrations"; exit 1; }
	$(VENV)/bin/pytest $(PYTEST_ARGS)

# Fault injection (README, "Background work"): its own Redis, worker, beat and gunicorn on
# private ports and a throwaway database; kills the worker and stops Redis mid-run; prints
# jobs requested / done / lost / duplicated. FAULTS_DATABASE_URL=postgres://… to run it on
# PostgreSQL (that database is dropped and created again).
faults: setup
	$(PY) scripts/faults.py

# Re-resolve the locked dependencies after editing pyproject.toml (needs `pip install uv`):
# requirements.lock is what production runs (the Dockerfile), requirements-dev.lock adds the test tools.
lock:
	uv pip compile pyproject.toml --generate-hashes --python-version 3.11 -o requirements.lock
	uv pip compile pyproject.toml --extra dev --generate-hashes --python-version 3.11 -o requirements-dev.lock

clean-venv:
	rm -rf $(VENV) node_modules

# The benchmark (README, "Performance"; docs/performance.md): its own PostgreSQL database
# (consultancy_bench, created with the owner and runtime roles, row-level security on),
# seeded by `manage.py seed_scale`, served by gunicorn with two workers, driven at 1 and 8
# concurrent users. `make bench BENCH_FIRMS=50 BENCH_ENGAGEMENTS=200` for the full size;
# BENCH_ARGS="--rounds 5 --requests 60" for longer runs.
BENCH_FIRMS ?= 5
BENCH_ENGAGEMENTS ?= 40
BENCH_ARGS ?=
bench: setup
	@url=$$(scripts/bench_db.sh | tail -1) && \
	  DATABASE_URL=$$url SECRET_KEY=bench-only-not-a-secret $(PY) manage.py seed_scale \
	    --firms $(BENCH_FIRMS) --engagements $(BENCH_ENGAGEMENTS) && \
	  BENCH_DATABASE_URL=$$url $(PY) scripts/bench.py $(BENCH_ARGS)
