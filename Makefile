# PIM Connect — the two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
PORT ?= 8080
DEMO_PORT ?= 8081
HOST ?= 127.0.0.1
# The addresses the PIM and the Demo App give each other follow HOST/PORT/DEMO_PORT unless set
# (in the environment or on the command line): `make run PORT=9000` must not send apps to :8080.
PIM_URL ?= http://$(HOST):$(PORT)
PIM_DEMO_APP_URL ?= http://$(HOST):$(DEMO_PORT)
DEMO_APP_PIM_URL ?= $(PIM_URL)
export FLASK_APP := app
export PIM_URL PIM_DEMO_APP_URL DEMO_APP_PIM_URL

.PHONY: run test install install-dev browser db-upgrade seed bench clean

$(VENV)/.installed: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements-dev.txt requirements.txt $(VENV)/.installed
	$(PIP) install --quiet -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

# Browser tests drive Debian's Chromium (no browser download).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "Install Debian's chromium package (sudo apt-get install chromium) to run the browser tests."; exit 1; fi; }

db-upgrade: install
	PIM_ENV=$${PIM_ENV:-development} $(VENV)/bin/flask db-upgrade

seed: db-upgrade
	PIM_ENV=$${PIM_ENV:-development} $(VENV)/bin/flask seed-demo

## make run: the PIM with demo data on http://127.0.0.1:8080 (embedded SQLite database),
## its job worker, and the Demo App on http://127.0.0.1:8081; Ctrl-C stops all three.
run: seed
	PIM_ENV=$${PIM_ENV:-development} $(VENV)/bin/flask apps demo-credentials --output demo_app/instance/credentials.json
	@export PIM_ENV=$${PIM_ENV:-development}; \
	$(VENV)/bin/flask --app demo_app run --host $(HOST) --port $(DEMO_PORT) & demo=$$!; \
	$(VENV)/bin/flask jobs worker & worker=$$!; \
	trap 'kill $$demo $$worker 2>/dev/null; wait $$demo $$worker 2>/dev/null' EXIT INT TERM; \
	echo "PIM on $(PIM_URL); Demo App on $(PIM_DEMO_APP_URL) (connect it from the PIM: Connect → App Store → Demo App)"; \
	$(VENV)/bin/flask run --host $(HOST) --port $(PORT)

## make test: the whole suite (SQLite, or PostgreSQL with PIM_TEST_DATABASE_URL), on TEST_WORKERS processes
## (pytest-xdist; one module per worker at a time, so a module's live server and fixtures are built once)
TEST_WORKERS ?= 2
test: install-dev browser
	$(PY) -m pytest -n $(TEST_WORKERS) --dist loadfile $(PYTEST_ARGS)

bench: install-dev
	$(PY) bench/products.py

clean:
	rm -rf $(VENV) .pytest_cache
