# Onsale: `make run` starts everything locally; `make test` runs every check.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test lint unit integration bench format clean package deploy destroy localstack

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check "pip<26.3"
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $(STAMP)

run: $(STAMP)  ## emulator, API, web app, pollers and demo data; Ctrl-C stops it all
	$(PY) -m local.stack

test: lint  ## lint, type checks, unit and integration tests
	$(PY) -m pytest

lint: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy

unit: $(STAMP)
	$(PY) -m pytest tests/unit

integration: $(STAMP)
	$(PY) -m pytest tests/integration

bench: $(STAMP)  ## the flash-sale benchmark; prints its figures
	$(PY) -m bench.flash_sale

package: $(STAMP)  ## the deployable package (merged template + deployment.zip) in build/package
	$(PY) infrastructure/package.py build/package

deploy: $(STAMP)  ## make deploy STAGE=dev: package, deploy the stack, upload web/, apply the search index
	@test -n "$(STAGE)" || { echo "usage: make deploy STAGE=<stage>  (parameters: infrastructure/stages/<stage>.params)"; exit 2; }
	infrastructure/deploy.sh $(STAGE)

destroy:  ## make destroy STAGE=dev: delete the stage's stack (a production stage also needs PRODUCTION=1)
	@test -n "$(STAGE)" || { echo "usage: make destroy STAGE=<stage>"; exit 2; }
	infrastructure/destroy.sh $(STAGE) $(if $(PRODUCTION),--production)

localstack:  ## LocalStack in Docker instead of moto (needs Docker and a LocalStack auth token)
	docker compose -f localstack/docker-compose.yml up -d

format: $(STAMP)
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix .

clean:
	rm -rf $(VENV) .onsale .pytest_cache .mypy_cache .ruff_cache
