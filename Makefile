# Two commands do all set-up on a fresh machine with Python 3.11+:
#   make run    create .venv, install the pinned dependencies, run the workflow on the
#               bundled SYNTHETIC demo cohorts with all cores, print where the report is
#   make test   same environment, run the whole test suite
# Options: make run CONFIG=path/to/your.yaml CORES=8   |   make test PYTEST_ARGS="-k survival"

PYTHON ?= python3
VENV   ?= .venv
CORES  ?= all
CONFIG ?=
PYTEST_ARGS ?=
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test install bench report-zip lint clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[test]"
	touch $(STAMP)

install: $(STAMP)

SMK_ARGS = --cores $(CORES) --profile profiles/default $(if $(CONFIG),--configfile $(CONFIG),)
# the results directory of the config (results_dir, default results); read once the venv exists
RESULTS_DIR = $(shell $(BIN)/python -c "import sys, yaml; print((yaml.safe_load(open(sys.argv[1])) or {}).get('results_dir', 'results'))" $(or $(CONFIG),config/config.yaml) 2>/dev/null || echo results)

run: $(STAMP)
	MITOSCORE_CMDLINE="snakemake $(SMK_ARGS)" $(BIN)/snakemake $(SMK_ARGS)
	@echo ""
	@echo "Report written to: $(abspath $(RESULTS_DIR))/report/index.html"
	@echo "Run record: $(abspath $(RESULTS_DIR))/ro-crate-metadata.json"

report-zip: $(STAMP)
	$(BIN)/snakemake $(SMK_ARGS) --report $(RESULTS_DIR)/report/snakemake_report.zip

test: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/snakemake --lint

bench: $(STAMP)
	$(BIN)/python bench/run_bench.py --out docs/benchmarks.md

clean:
	rm -rf $(RESULTS_DIR) .snakemake
