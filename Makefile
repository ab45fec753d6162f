# Relier: `make run` serves the API on the embedded default; `make test` runs the whole suite.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
PORT ?= 8000

# The embedded default for a developer's machine: debug on, SQLite, eager Celery, no server.
RUN_ENV := DJANGO_DEBUG=$${DJANGO_DEBUG:-1}
# Tests run with debug off, as in production; the key is a throwaway.
TEST_ENV := DJANGO_DEBUG=0 DJANGO_SECRET_KEY=$${DJANGO_SECRET_KEY:-test-only-secret-key-not-for-production-use}

.PHONY: install run test lint format worker beat migrate demo messages contract bench-search bench-matching bench-coverage clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	@touch $(STAMP)

install: $(STAMP)

migrate: install
	$(RUN_ENV) $(BIN)/python manage.py migrate --noinput

demo: migrate
	$(RUN_ENV) $(BIN)/python manage.py load_demo

# The demo curator's password is generated on the first run, kept in .demo/ and printed here.
run: demo
	$(RUN_ENV) $(BIN)/python manage.py collectstatic --noinput --verbosity 0
	$(RUN_ENV) $(BIN)/python manage.py load_demo_curator --url http://127.0.0.1:$(PORT)/curation/
	@echo "Relier API on http://127.0.0.1:$(PORT)/api/v1/  (docs: http://127.0.0.1:$(PORT)/api/docs/)"
	$(RUN_ENV) $(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

test: install
	$(TEST_ENV) $(BIN)/python -m pytest $(PYTEST_ARGS)

# ruff, then the layers and cycles of pyproject.toml's [tool.importlinter] contracts.
lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache

# The API contract (.ci/contract): gunicorn on PostgreSQL (CONTRACT_DB, dropped and created),
# schemathesis over every operation of /api/schema/ as anonymous, resident, editor, curator and referrer, then the
# TypeScript client (clients/typescript) type-checked and run through the resident journey.
contract: install
	bash .ci/contract

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Full stack: a Celery worker and the scheduler, against REDIS_URL and DATABASE_URL.
worker: install
	$(BIN)/celery -A backend worker --loglevel=INFO --concurrency=$${CELERY_CONCURRENCY:-2}

beat: install
	$(BIN)/celery -A backend beat --loglevel=INFO --schedule=$${CELERY_BEAT_FILE:-/tmp/relier-celerybeat-schedule}

messages: install
	$(RUN_ENV) $(BIN)/python manage.py makemessages -l fr -l en --ignore=.venv --ignore=tests --ignore=bench
	$(RUN_ENV) $(BIN)/python manage.py compilemessages --ignore=.venv

# The search benchmark (bench/search.py, docs/benchmarks.md): PostgreSQL on 127.0.0.1:5432
# (started if down), wrk (installed if missing), one dataset per N. BENCH_N=100000: one size.
BENCH_N ?= 100000 1000000
bench-search: install
	@pg_isready -q -h 127.0.0.1 -p 5432 || pg_ctlcluster --skip-systemctl-redirect $$(ls /etc/postgresql) main start
	@command -v wrk >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk)
	$(BIN)/python -m bench.search $(foreach n,$(BENCH_N),--n $(n)) $(BENCH_ARGS)

# The coverage benchmark (bench/coverage.py, docs/benchmarks.md): a territory's coverage with
# 10,000 published activities on PostgreSQL (its own database, loaded on the first run).
bench-coverage: install
	@pg_isready -q -h 127.0.0.1 -p 5432 || pg_ctlcluster --skip-systemctl-redirect $$(ls /etc/postgresql) main start
	$(BIN)/python -m bench.coverage --activities 10000 $(BENCH_ARGS)

# The matching benchmarks (bench/matching_*.py, docs/benchmarks.md): quality on a synthetic city
# with planted truths, then engine speed (loop vs batch, throughput over France). No database;
# one BLAS thread, so the figures are per core. MATCHING_PERF_ARGS="--residents 10000
# --activities 200000" runs a smaller throughput size.
bench-matching: install
	OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1 $(BIN)/python -m bench.matching_eval $(MATCHING_EVAL_ARGS)
	OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1 $(BIN)/python -m bench.matching_perf $(MATCHING_PERF_ARGS)

clean:
	rm -rf $(VENV) artifacts db.sqlite3 db.sqlite3-wal db.sqlite3-shm staticfiles .pytest_cache .ruff_cache
