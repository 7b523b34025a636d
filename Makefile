# `make run` serves flaskr on http://127.0.0.1:5000; `make test` runs the whole suite.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 5000
export PORT

.PHONY: run test lint format clean bench bench-two-factor bench-forgot soak profile drill frontdoor bench-admin screenshots

# Each stamp records which extras the venv has; editing setup.cfg reinstalls.
$(VENV)/.run: setup.cfg pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[embedded]'
	touch $@

$(VENV)/.test: setup.cfg pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[embedded,test]'
	touch $@ $(VENV)/.run

run: $(VENV)/.run
	$(BIN)/python -m flaskr_dev

# ruff, then the import contracts in setup.cfg (import-linter): doors over web over identity.
lint: $(VENV)/.test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

format: $(VENV)/.test
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

test: lint
	$(BIN)/python -m pytest --cov --cov-report=term

# The deploy kit's nginx site in front of gunicorn, with the long slow-client proof (about two
# minutes; `make test` runs a short one). Needs Debian's nginx and openssl.
frontdoor: $(VENV)/.test
	FRONTDOOR_FULL=1 $(BIN)/python -m pytest -p no:cacheprovider tests/deploy/test_frontdoor.py

# Figures to benchmarks/results/latest.json and latest.png (a few minutes; see README).
bench: $(VENV)/.test
	$(BIN)/python -m benchmarks

# The CPU cost of each two-factor piece, in one process (seconds): results/two_factor.json.
bench-two-factor: $(VENV)/.test
	$(BIN)/python -m benchmarks.two_factor

# Forgot-password answer times for a known and an unknown address (benchmarks/results/forgot.json).
bench-forgot: $(VENV)/.test
	$(BIN)/python -m benchmarks.forgot

# Each admin page's time with 20,000 users and 100,000 events (benchmarks/results/admin.json).
bench-admin: $(VENV)/.test
	$(BIN)/python -m benchmarks.admin

# Every page in Chromium at 1280 and 390 px wide, against a seeded app, to docs/screenshots/.
screenshots: $(VENV)/.test
	$(BIN)/python -m docs.screenshots

# Five minutes of mixed traffic, then a run with the database stopped for 20 s.
soak: $(VENV)/.test
	$(BIN)/python -m benchmarks.soak

# The restore drill at scale: 10,000 users, a backup under writes, wipe, restore, timed.
drill: $(VENV)/.test
	$(BIN)/python -m benchmarks.drill

# Where a worker spends its time on signed-in GET /user (WHAT=signin for sign-ins), via py-spy.
WHAT ?= user
profile: $(VENV)/.test
	$(BIN)/python -m pip install --quiet 'py-spy>=0.4,<0.5'
	$(BIN)/python -m benchmarks.profile $(WHAT)

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .import_linter_cache .coverage htmlcov *.egg-info
