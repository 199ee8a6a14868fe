# Two commands do everything on a fresh machine with Python 3.11+: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
PYTEST_ARGS ?=
ADDRESS ?= 127.0.0.1:8000

.PHONY: install run serve test lint format messages clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

# Commands typed in a plain shell (`.venv/bin/python manage.py …`) read `.env` as the site does:
# written once, for this machine only (DEBUG on, its own secret key); edit or delete it freely.
.env:
	@umask 077; printf 'DEBUG=true\nSECRET_KEY=%s\n' "$$($(PYTHON) -c 'import secrets; print(secrets.token_urlsafe(50))')" > $@

run: .env

# Site on http://127.0.0.1:8000 with a Celery worker and beat beside it; Ctrl-C stops all three.
run: export DEBUG ?= true
run: $(STAMP)
	$(PY) manage.py migrate --noinput
	@test -f var/.demo-seeded || ($(PY) manage.py seed_demo && touch var/.demo-seeded)
	@$(PY) manage.py admin_password
	@$(PY) -m solo.devserver $(ADDRESS)

# The three processes alone, without the set-up above; Ctrl-C or a SIGTERM stops them in seconds.
serve: export DEBUG ?= true
serve:
	@$(PY) -m solo.devserver $(ADDRESS)

# axe-core (npm, test only) for the accessibility audit; skipped quietly where npm is missing.
node_modules/.installed-stamp: package.json
	command -v npm >/dev/null && npm install --no-audit --no-fund --silent && touch $@ || true

test: $(STAMP) node_modules/.installed-stamp
	$(PY) -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(STAMP)
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

# Refresh the translation catalogues after changing UI strings, then edit locale/fr and run again.
messages: export DEBUG ?= true
messages: $(STAMP)
	$(PY) manage.py makemessages -l fr --ignore=.venv --ignore=var
	$(PY) manage.py compilemessages --ignore=.venv

clean:
	rm -rf $(VENV) var
