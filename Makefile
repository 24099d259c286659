# The two commands: `make run` and `make test`. Both work on a fresh machine with only
# Python 3.11 and make: they create .venv and install what they need.

PY ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
export FLASK_APP := cbl

.PHONY: run test install install-dev migrate seed serve clean-db messages

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

## run: install, migrate, seed the demo school, serve on http://127.0.0.1:5000
run: install migrate seed serve

migrate: install
	$(BIN)/flask db upgrade

seed: install
	$(BIN)/flask seed-demo

serve: install
	$(BIN)/flask run --host 127.0.0.1 --port 5000

## test: install the dev dependencies and run the whole suite
test: install-dev
	$(BIN)/python -m pytest $(PYTEST_ARGS)

## clean-db: delete the local SQLite database (the demo is seeded again by `make run`)
clean-db:
	rm -f instance/cbl.sqlite instance/cbl.sqlite-wal instance/cbl.sqlite-shm

## messages: extract every interface string and update the catalogs in cbl/translations
messages: install-dev
	$(BIN)/pybabel extract -F cbl/babel.cfg -k _l -k lazy_gettext -o cbl/translations/messages.pot .
	@if [ -d cbl/translations/es ]; then $(BIN)/pybabel update -i cbl/translations/messages.pot -d cbl/translations; \
	else $(BIN)/pybabel init -i cbl/translations/messages.pot -d cbl/translations -l es; fi
	$(BIN)/pybabel compile -d cbl/translations

## bench-images: time the photo upload pipeline on 12-megapixel JPEGs (median, max, peak RSS)
.PHONY: bench-images
bench-images: install-dev
	$(BIN)/python tests/benchmarks/bench_images.py
