# The two commands a newcomer needs: `make demo` and `make test` (see README.md).
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
DEBUG ?= 1
# The links the demo prints and mails (the SCIM base URL, invitation links) follow HOST and
# PORT unless PUBLIC_BASE_URL is set (cosmo_project/settings.py reads it).
PUBLIC_BASE_URL ?= http://$(HOST):$(PORT)

.PHONY: install demo test test-fast lint

$(VENV)/.installed: requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt -e .
	touch $@

install: $(VENV)/.installed

demo: install
	$(PY) manage.py migrate --no-input
	$(PY) manage.py collectstatic --no-input --verbosity 0
	PUBLIC_BASE_URL=$(PUBLIC_BASE_URL) $(PY) manage.py seed_demo
	PUBLIC_BASE_URL=$(PUBLIC_BASE_URL) DEBUG=$(DEBUG) $(PY) manage.py runserver $(HOST):$(PORT)

test: install
	$(PY) -m pytest $(PYTEST_ARGS)

# The loop while changing the code (docs/architecture.md, "Which tests to run when"): the
# suite without the browser, the wheel, the live compliance server, the real IdPs and the
# programs started in processes of their own, in one process per core (pytest-xdist; each
# worker's databases: tests/xdist_workers.py).
FAST_MARKERS := not browser and not packaging and not compliance and not sso and not processes
test-fast: install
	$(PY) -m pytest -p tests.xdist_workers -n auto -m "$(FAST_MARKERS)" $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports --no-cache
	$(VENV)/bin/mypy
	$(PY) manage.py makemigrations --check --dry-run
