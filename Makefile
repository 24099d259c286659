# The two commands: `make run` and `make test`. Both work on a fresh machine with only
# Python 3.11 and make: they create .venv and install what they need.

PY ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
export FLASK_APP := cbl

.PHONY: run test install install-dev migrate seed serve clean-db messages bench-link-timing

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

## run: install, migrate, seed the demo school, serve on http://127.0.0.1:5000 with the job
## worker and the demo's sign-in provider beside it; Ctrl-C stops all three
run: install migrate seed
	@$(MAKE) --no-print-directory serve SSO_DEMO=1

migrate: install
	$(BIN)/flask db upgrade

seed: install
	$(BIN)/flask seed-demo

## serve: the web server and, beside it, the job worker (mail, daily digest, purges, roster imports); Ctrl-C stops both
## (processes started with & ignore Ctrl-C's SIGINT, so the exit trap stops them itself).
## With SSO_DEMO=1 (as `make run` does) also a local OpenID Connect provider on 127.0.0.1:5001
## standing in for Google ("Riverside Google (demo)" on the sign-in page). Never for production.
PORT ?= 5000
SSO_DEMO_PORT ?= 5001
serve: install
	@$(BIN)/flask worker & worker=$$!; provider=; \
	if [ -n "$(SSO_DEMO)" ]; then \
	  $(BIN)/python -m cbl.sso.devprovider --port $(SSO_DEMO_PORT) & provider=$$!; \
	  echo "Demo sign-in provider on http://127.0.0.1:$(SSO_DEMO_PORT)."; \
	fi; \
	trap 'kill -INT $$worker 2>/dev/null; [ -z "$$provider" ] || kill -TERM $$provider 2>/dev/null; wait' EXIT; \
	trap 'exit 130' INT TERM; \
	$(BIN)/flask run --host 127.0.0.1 --port $(PORT)

## test: install the dev dependencies (and Chromium, see browser-deps) and run the whole suite
test: install-dev browser-deps
	$(BIN)/python -m pytest $(PYTEST_ARGS)

## browser-deps: Debian's Chromium for the browser tests (tests/browser), installed with apt
## when it is missing and we are root; otherwise those tests are skipped (they say why).
## Playwright drives it: its own browser download does not work here. Another binary: CBL_CHROMIUM=…
CBL_CHROMIUM ?= /usr/bin/chromium
export CBL_CHROMIUM
.PHONY: browser-deps
browser-deps:
	@if [ -x "$(CBL_CHROMIUM)" ]; then \
	  echo "Browser tests: Chromium at $(CBL_CHROMIUM)."; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	  echo "Browser tests: no Chromium at $(CBL_CHROMIUM); installing Debian's chromium and chromium-driver."; \
	  export DEBIAN_FRONTEND=noninteractive; \
	  { apt-get update -qq && apt-get install -y -qq --no-install-recommends chromium chromium-driver >/dev/null; } \
	    || echo "Browser tests: apt-get could not install Chromium; the browser tests will be skipped."; \
	else \
	  echo "Browser tests: no Chromium at $(CBL_CHROMIUM) and not root, so they will be skipped" \
	       "(as root: apt-get install chromium chromium-driver)."; \
	fi

## screenshots: take the README's pictures again (tests/browser/screenshots/) from the demo school
.PHONY: screenshots
screenshots: install-dev browser-deps
	CBL_README_SCREENSHOTS=1 $(BIN)/python -m pytest -q tests/browser -k readme_screenshots

## clean-db: delete the local SQLite database (the demo is seeded again by `make run`)
clean-db:
	rm -f instance/cbl.sqlite instance/cbl.sqlite-wal instance/cbl.sqlite-shm

## messages: extract every interface string and update the catalogs in cbl/translations
messages: install-dev
	$(BIN)/pybabel extract -F cbl/babel.cfg -k _l -k lazy_gettext --no-location --sort-output -o cbl/translations/messages.pot .
	@if [ -d cbl/translations/es ]; then $(BIN)/pybabel update -i cbl/translations/messages.pot -d cbl/translations; \
	else $(BIN)/pybabel init -i cbl/translations/messages.pot -d cbl/translations -l es; fi
	$(BIN)/pybabel compile -d cbl/translations

## bench-images: time the photo upload pipeline on 12-megapixel JPEGs (median, max, peak RSS)
.PHONY: bench-images
bench-images: install-dev
	$(BIN)/python tests/benchmarks/bench_images.py

## bench-link-timing: median answer time of "email me a sign-in link" and of the sign-up, known vs unknown address
bench-link-timing: install-dev
	$(BIN)/python tests/benchmarks/bench_link_timing.py
## bench-roster: time a OneRoster import of 20,000 users, 1,000 classes and 60,000 enrollments
## (preview, import, a second identical import, peak memory). DATABASE_URL=postgresql+psycopg://… for PostgreSQL.
.PHONY: bench-roster
bench-roster: install-dev
	$(BIN)/python tests/benchmarks/bench_roster.py
