# The README's commands. Every target sets up .venv first, and skips that when it is current.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
SOURCE ?= samples/
export PREFECT_SERVER_ANALYTICS_ENABLED ?= false
export PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS ?= 60
export PIP_DISABLE_PIP_VERSION_CHECK = 1

.PHONY: setup run test check serve bench fuzz clean

setup: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q -c constraints.txt -e '.[test]'
	touch $(STAMP)

run: setup
	$(BIN)/darien run --source $(SOURCE)

# Tests run in TEST_WORKERS processes (pytest-xdist): most of their time is spent waiting on
# Prefect servers, worker pools and databases, so three overlap well on two cores. --dist load
# is tests/scheduling.py's: tests spread one by one, but a module with a module-scoped fixture
# (a served Prefect server, a warehouse published once) runs whole on one worker; modules that
# drive Prefect runs, the long ones, start first (tests/conftest.py).
TEST_WORKERS ?= 3
test: setup
	$(BIN)/pytest -n $(TEST_WORKERS) --dist load $(PYTEST_ARGS)

# The inner loop: every test that needs no PostgreSQL, no Prefect server and no long wait.
# Both servers point at a closed port, so a test that needs one and lacks its marker fails
# at once instead of passing or hanging.
CLOSED := 127.0.0.1:9
check: setup
	DARIEN_TEST_PG=postgresql+psycopg://postgres@$(CLOSED)/test PREFECT_API_URL=http://$(CLOSED)/api \
	  $(BIN)/pytest -n 2 --dist load -m "not postgres and not prefect and not slow" $(PYTEST_ARGS)

serve: setup
	DARIEN_SOURCE_URL='$(SOURCE)' $(BIN)/python -m flows.server

bench: setup
	$(BIN)/python -m bench.run $(if $(QUICK),--quick,)

clean:
	rm -rf data/ .pytest_cache

fuzz: setup
	DARIEN_FUZZ_CASES=$${DARIEN_FUZZ_CASES:-5000} $(BIN)/pytest tests/reliability/test_fuzz.py -q
