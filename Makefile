# Registri IKM — the two commands of the quick start: `make run` and `make test`.
VENV ?= .venv
PY := $(VENV)/bin/python
PORT ?= 8000
PYTHON ?= python3

.PHONY: run test lint messages clean-db

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed pyproject.toml
	$(VENV)/bin/pip install --quiet -e '.[dev]'
	touch $@

## make run: install, migrate, load the Bali demo, print the logins, serve on 127.0.0.1:$(PORT) with the background
## worker beside the server (long reports and imports); one Ctrl-C stops both (scripts/run_together.py)
run: export DEBUG ?= 1
run: $(VENV)/.installed
	$(PY) manage.py migrate --noinput -v0
	$(PY) manage.py seed_demo
	@echo ""
	@echo "Registri IKM: http://127.0.0.1:$(PORT)/   admin: http://127.0.0.1:$(PORT)/admin/   (with the background worker; Ctrl-C stops both)"
	$(PY) scripts/run_together.py "$(PY) manage.py runserver 127.0.0.1:$(PORT)" "$(PY) manage.py db_worker --no-reload"

# The suite runs in this many processes (pytest-xdist, each with its own test database, created afresh every run):
# two, one per core of the 2-core machine (about 5 minutes on SQLite and 8 on PostgreSQL). A process that runs out of
# tests takes some from the other (--dist worksteal: the slow transactional tests otherwise leave one idle at the
# end). PYTEST_WORKERS=0 runs it in one process (pdb, or a test that misbehaves only beside another).
PYTEST_WORKERS ?= 2

## make test: install test needs (Chromium and poppler from Debian when root), run the whole suite
test: $(VENV)/.installed-dev
	@bash scripts/ensure-system-packages.sh
	$(PY) manage.py makemigrations --check --dry-run -v0
	$(VENV)/bin/lint-imports --no-cache
	$(PY) -m pytest -n $(PYTEST_WORKERS) --dist worksteal $(PYTEST_ARGS)

lint: $(VENV)/.installed-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

## make messages: refresh locale/en/LC_MESSAGES/django.po after changing UI strings, then compile it
messages: $(VENV)/.installed-dev
	DEBUG=1 $(PY) manage.py makemessages -l en --no-obsolete --add-location=file --ignore=.venv --ignore=tests --ignore=benchmarks
	DEBUG=1 $(PY) manage.py compilemessages -l en --ignore=.venv
