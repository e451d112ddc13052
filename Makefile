# aidr developer entry points. `make demo` and `make test` are the two commands of the README.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
CHECKOV_VENV := .venv-checkov
CONFORMANCE := ../shared/conformance

.PHONY: demo test unit lint template-check conformance bench clean venv sam-local

venv: $(STAMP)

$(STAMP): pyproject.toml requirements/constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c requirements/constraints.txt -e '.[dev]'
	touch $(STAMP)

$(CHECKOV_VENV)/.installed: requirements/checkov.txt
	$(PYTHON) -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/pip install --quiet --upgrade pip
	$(CHECKOV_VENV)/bin/pip install --quiet -r requirements/checkov.txt
	touch $@

demo: $(STAMP)
	$(BIN)/aidr demo --approve auto

test: $(STAMP) $(CHECKOV_VENV)/.installed
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -n 2 -q --ignore=tests/sam_local
	$(MAKE) --no-print-directory template-check
	$(MAKE) --no-print-directory sam-local

unit: $(STAMP)
	$(BIN)/python -m pytest -q tests/unit

lint: $(STAMP)
	$(BIN)/ruff check .

template-check: $(STAMP) $(CHECKOV_VENV)/.installed
	SAM_CLI_TELEMETRY=0 $(BIN)/sam validate --lint --template template.yaml --region us-east-1
	$(CHECKOV_VENV)/bin/checkov --quiet --compact --skip-download --framework cloudformation --file template.yaml

# `sam build` + `sam local invoke` of every function on every events/ sample, in the real Lambda runtime (local
# image, scripts/lambda-image.sh) against moto's server. Skips, saying why, only when no docker engine can start.
sam-local: $(STAMP)
	@bash scripts/start-docker.sh || echo "sam-local: no docker engine could be started (see above)"
	$(BIN)/python -m pytest -q tests/sam_local

conformance: $(STAMP)
	@if [ -f $(CONFORMANCE)/score.py ]; then \
	  $(BIN)/aidr replay --config $(CONFORMANCE)/aidr.yaml --format jsonl $(CONFORMANCE)/data > .conformance-findings.jsonl && \
	  $(PYTHON) $(CONFORMANCE)/score.py $(CONFORMANCE)/manifest.json .conformance-findings.jsonl; \
	else echo "no $(CONFORMANCE): skipping conformance"; fi

bench: $(STAMP)
	$(BIN)/python -m benchmarks

clean:
	rm -rf $(VENV) $(CHECKOV_VENV) .aws-sam .pytest_cache .ruff_cache .conformance-findings.jsonl
