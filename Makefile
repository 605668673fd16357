# The two commands a newcomer needs: `make demo` and `make test`. `make dev` opens the UI.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
BENCH_STAMP := $(VENV)/.installed-bench

.PHONY: install demo test lint format dev bench clean

install: $(STAMP)

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "metrics-pipeline needs Python 3.11 or newer (set PYTHON=python3.11)")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[dev]'
	@touch $(STAMP)

demo: install
	$(BIN)/metrics-pipeline demo

# One worker per CPU, at most 4: every worker runs dbt with 4 threads against the same server,
# and more would queue on its connections rather than finish sooner.
test: install lint
	$(BIN)/pytest -n logical --maxprocesses 4 --dist loadfile --durations=25

# Style, as configured in pyproject.toml ([tool.ruff]) and .sqlfluff; `make format` fixes what it can.
lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/sqlfluff lint --processes 2 dbt_project/models dbt_project/macros dbt_project/tests staging_sql

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .
	$(BIN)/sqlfluff fix --processes 2 dbt_project/models dbt_project/macros dbt_project/tests staging_sql

dev: install
	$(BIN)/metrics-pipeline dev

# SIZE=small|default|large; writes bench/results.json and bench/results.md
bench: $(BENCH_STAMP)
	$(BIN)/python -m metrics_pipeline.bench --size $(or $(SIZE),default)

# The bench's extra (dlt, to compare landings) goes into the same venv, only for `make bench`.
$(BENCH_STAMP): $(STAMP)
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[dev,bench]'
	@touch $(BENCH_STAMP)

clean:
	rm -rf $(VENV) .sandbox dbt_project/target dbt_project/logs
	@echo "the embedded database in .pgdata/ is kept (its server keeps running); stop that postgres process and delete the folder to start afresh"
