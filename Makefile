# TaskPulse: `make run` runs the whole product, `make test` runs every test.
# Everything installs itself on first use (.venv at the repo root, frontend/node_modules).

SHELL := /bin/bash
# The first Python >= 3.11 that actually runs (version managers may install dead shims).
PYTHON ?= $(shell for p in python3 python3.13 python3.12 python3.11; do \
	$$p -c 'import sys; assert sys.version_info >= (3, 11)' 2>/dev/null && { command -v $$p; break; }; done)
# VENV may be set to another folder (CI's fresh-run check installs the runtime lock alone).
VENV ?= .venv
PY := $(abspath $(VENV))/bin/python
NPM ?= npm
FRONTEND_SOURCES := $(shell find frontend/src frontend/public -type f 2>/dev/null) \
	frontend/index.html frontend/vite.config.ts frontend/tsconfig.json

.PHONY: run test test-backend test-django6 test-frontend test-e2e e2e lint format lock build dev bench chaos cluster-test demo-edi demo-django-tasks print-python-django6 \
	fresh-run admin-password clean help

help:
	@echo "make run    - install what is missing, build the front end, run every process"
	@echo "make test   - run every test suite (backend, frontend, browser end-to-end)"
	@echo "make test-django6 - the backend suite on Django 6.x in a throwaway venv (Python >= 3.12)"
	@echo "make lint   - ruff, mypy, eslint, tsc"
	@echo "make lock   - compile the Python lock files from backend/pyproject.toml (uv)"
	@echo "make dev    - Vite dev server with hot reload, proxied to a running 'make run'"
	@echo "make bench  - benchmarks (QUICK=1 for a short run)"
	@echo "make chaos  - fault injection against a real stack (CHAOS=quick for a short run)"
	@echo "make cluster-test - 2 web processes, 3 workers, PostgreSQL, Redis/RabbitMQ (CLUSTER=quick)"
	@echo "make demo-edi - import a generated batch of EDI invoices as admin (needs make run)"
	@echo "make demo-django-tasks - enqueue a django.tasks demo task as admin (TASKPULSE_DJANGO_TASKS=true make run)"

# --- installs (each redone only when its lock file changes) ---------------------------
# Each requirements file is a full closure with hashes, exported by uv from backend/uv.lock.
$(VENV)/.python-ok:
	@test -n "$(PYTHON)" || { echo "TaskPulse needs Python >= 3.11 on PATH (or PYTHON=/path/to/python3)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	@touch $@

$(VENV)/.runtime-installed: $(VENV)/.python-ok backend/requirements.txt
	$(PY) -m pip install --quiet --require-hashes -r backend/requirements.txt
	@touch $@

$(VENV)/.dev-installed: $(VENV)/.runtime-installed backend/requirements-dev.txt
	$(PY) -m pip install --quiet --require-hashes -r backend/requirements-dev.txt
	@touch $@

$(VENV)/.bench-installed: $(VENV)/.dev-installed bench/requirements.txt
	$(PY) -m pip install --quiet --require-hashes -r bench/requirements.txt
	@touch $@

frontend/node_modules/.installed: frontend/package-lock.json
	cd frontend && $(NPM) ci --no-audit --no-fund --loglevel=error
	@touch $@

frontend/dist/index.html: frontend/node_modules/.installed $(FRONTEND_SOURCES)
	cd frontend && $(NPM) run build

build: frontend/dist/index.html

# --- the two commands -----------------------------------------------------------------
run: $(VENV)/.runtime-installed build
	cd backend && $(PY) -m stack run

test: test-backend test-frontend test-e2e

# The backend suite in 4 processes (pytest-xdist), each test module in one process (its real
# workers start once); each process keeps to a Redis database of its own
# (backend/testing/parallel.py). Its tests mostly wait on real processes: 4 on two cores
# used 1.2 of them. PYTEST_WORKERS=0: one process; at most 8.
PYTEST_WORKERS ?= 4
PYTEST_PARALLEL = $(if $(filter 0,$(PYTEST_WORKERS)),,-n $(PYTEST_WORKERS) --dist loadfile)

test-backend: $(VENV)/.dev-installed
	cd backend && $(PY) -m stack exec -- $(PY) -m pytest $(PYTEST_PARALLEL) $(PYTEST_ARGS)

test-frontend: frontend/node_modules/.installed
	cd frontend && $(NPM) test

# The backend suite on Django 6.x (its built-in django.tasks instead of the django-tasks
# backport), in a throwaway venv under var/ from backend/requirements-django6.txt (make lock
# writes it). Django 6 needs Python >= 3.12: the first found, or PYTHON_DJANGO6=/path.
# PYTEST_ARGS narrows it, e.g. PYTEST_ARGS=task_manager/tests/test_django_tasks.py.
PYTHON_DJANGO6 ?= $(shell for p in python3 python3.14 python3.13 python3.12 \
	$(wildcard $(HOME)/.pyenv/versions/3.1[234]*/bin/python3); do \
	$$p -c 'import sys; assert sys.version_info >= (3, 12)' 2>/dev/null && { command -v $$p; break; }; done)
DJANGO6_VENV := var/venv-django6
print-python-django6:
	@echo $(PYTHON_DJANGO6)

test-django6: $(VENV)/.dev-installed
	@test -n "$(PYTHON_DJANGO6)" || { echo "test-django6 needs Python >= 3.12 (PYTHON_DJANGO6=/path/to/python3.12)"; exit 1; }
	rm -rf $(DJANGO6_VENV)
	$(PY) -m uv venv --quiet --no-python-downloads --python $(PYTHON_DJANGO6) $(DJANGO6_VENV)
	$(PY) -m uv pip install --quiet --python $(DJANGO6_VENV)/bin/python --require-hashes \
		-r backend/requirements-django6.txt
	cd backend && ../$(DJANGO6_VENV)/bin/python -m stack exec -- \
		../$(DJANGO6_VENV)/bin/python -m pytest $(PYTEST_PARALLEL) $(PYTEST_ARGS)

test-e2e:
	@if [ -d frontend/e2e ]; then $(MAKE) --no-print-directory e2e; fi

# Playwright drives Debian's /usr/bin/chromium (apt package `chromium`; never a downloaded
# browser) against the real stack (`python -m stack run` on free ports, throwaway files) and
# the built front end. E2E_ARGS passes options, e.g. E2E_ARGS="e2e/deploy.spec.ts --headed".
e2e: $(VENV)/.dev-installed frontend/node_modules/.installed frontend/dist/index.html
	cd frontend && npx playwright test $(E2E_ARGS)

# `make run` as a new user runs it, checked: the runtime lock alone in a throwaway venv,
# steady health with a worker, the React app, no traceback, nothing left after Ctrl-C.
fresh-run:
	python3 .ci/fresh-run.py

# --- quality --------------------------------------------------------------------------
lint: $(VENV)/.dev-installed frontend/node_modules/.installed
	cd backend && $(PY) -m ruff check . && $(PY) -m ruff format --check . && $(PY) -m mypy .
	$(PY) -m ruff check bench chaos clustertest .ci/fresh-run.py
	$(PY) -m ruff format --check bench chaos clustertest .ci/fresh-run.py
	cd frontend && $(NPM) run lint && $(NPM) run typecheck

# backend/pyproject.toml -> backend/uv.lock -> the three requirements files (stack/locks.py).
lock: $(VENV)/.dev-installed
	cd backend && $(PY) -m stack lock

format: $(VENV)/.dev-installed
	cd backend && $(PY) -m ruff check --fix . && $(PY) -m ruff format .

# --- benchmarks (not tests: `make test` never runs them) ---------------------------------
# QUICK=1: a reduced run (< 5 min); PROFILE=1: py-spy stacks under var/bench/profiles;
# LAYERS=1: compare channel layers for TaskPulse instead. Results: bench/results/latest.*
bench: $(VENV)/.bench-installed
	$(PY) -m bench.run $(if $(QUICK),--quick) $(if $(PROFILE),--profile) $(if $(LAYERS),--layers)

# --- fault injection (not a test either) ---------------------------------------------------
# Its own stack (embedded Redis, SQLite under var/chaos/; CHAOS_DATABASE_URL for a PostgreSQL
# database it may empty), 20 users watching over WebSockets, one table of what each fault
# did (README, "When something fails"). CHAOS=quick: 2 rounds per fault; SCENARIOS=a,b: only those.
chaos: $(VENV)/.dev-installed
	$(PY) -m chaos $(if $(filter quick,$(CHAOS)),--quick) $(if $(SCENARIOS),--only $(SCENARIOS))

# The product as a cluster (README, "Measured cluster"): two web processes, three workers
# under two host names on the default and EDI queues, beat, a PostgreSQL database of its own
# on 127.0.0.1:5432, an embedded Redis, and as broker Redis then RabbitMQ (127.0.0.1:5672, a
# vhost of its own; skipped when absent). Real WebSocket clients count every event by seq.
# CLUSTER=quick: reduced sizes; BROKER=redis|rabbitmq: one broker; CHECKS=a,b: only those;
# NETNS=1: each host in a network namespace of its own, with link partitions (root only).
cluster-test: $(VENV)/.bench-installed
	cd backend && $(PY) -m pytest -c pyproject.toml --rootdir . -q ../clustertest/tests
	$(PY) -m clustertest $(if $(filter quick,$(CLUSTER)),--quick) $(if $(BROKER),--broker $(BROKER)) \
		$(if $(NETNS),--netns) $(if $(CHECKS),--only $(CHECKS))

# A new generated password for the `admin` user (shown by make run until admin logs in).
admin-password: $(VENV)/.runtime-installed
	@cd backend && $(PY) manage.py ensure_admin --reset

# --- demo data ------------------------------------------------------------------------------
# Needs a running `make run` (same DATABASE_URL/REDIS_URL): generates FILES invoice files
# (default 50) of which INVALID are bad (default 5) and imports them as USER_NAME (admin).
# Prints the job id; watch it at /edi or /api/edi/imports/<job id>/. SEED=n repeats a batch.
demo-edi: $(VENV)/.runtime-installed
	@cd backend && $(PY) manage.py edi_demo $(if $(FILES),--files $(FILES)) \
		$(if $(INVALID),--invalid $(INVALID)) $(if $(USER_NAME),--user $(USER_NAME)) \
		$(if $(SEED),--seed $(SEED))

# One task of Django's tasks framework with progress, for USER_NAME (admin). With
# TASKPULSE_DJANGO_TASKS=true (as make run got) it waits for make run's db_worker; without,
# it runs here at once. Watch it in the task list (Kind: django.tasks).
demo-django-tasks: $(VENV)/.runtime-installed
	@cd backend && $(PY) manage.py django_tasks_demo $(if $(USER_NAME),--user $(USER_NAME)) \
		$(if $(STEPS),--steps $(STEPS))

dev: frontend/node_modules/.installed
	cd frontend && $(NPM) run dev

clean:
	rm -rf $(VENV) frontend/node_modules frontend/dist var
