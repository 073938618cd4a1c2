# The two commands a new user needs: `make run` and `make test`.
PYTHON ?= python3
UV_VERSION := 0.13.9
UV := $(PYTHON) -m uv

.PHONY: run test setup lint bench console

setup:
	@$(UV) --version >/dev/null 2>&1 || $(PYTHON) -m pip install -q "uv==$(UV_VERSION)"
	$(UV) sync --frozen

## Set up and run the bot: Slack when .env has credentials, otherwise the local console.
run: setup
	$(UV) run klimanet run

## Set up and run the whole test suite on SQLite and on a throwaway PostgreSQL server,
## spread over the machine's cores (pytest-xdist, one worker more than cores: part of the suite
## waits; each worker has its own template database and reuses its copies, reset between tests).
test: setup
	bash tests/with_postgres.sh $(UV) run pytest -n auto

## Lint: ruff (with complexity at most 15), the format check, mypy strict on bot/, handlers/
## and jobs/, and the import-linter contracts that hold the layers ([tool.importlinter]).
lint: setup
	$(UV) run ruff check .
	$(UV) run ruff format --check .
	$(UV) run mypy
	$(UV) run lint-imports

## The local console as a given person, e.g. `make console USER_ID=U456 NAME="Bo Hansen"`.
USER_ID ?= konsol:lokal
NAME ?= Lokal bruger
console: setup
	$(UV) run klimanet console --as $(USER_ID) --navn "$(NAME)"

## Benchmarks (not part of the test run): they print their figures.
bench: setup
	bash tests/with_postgres.sh $(UV) run python -m bench.registration_burst
	bash tests/with_postgres.sh $(UV) run python -m bench.fanout
	$(UV) run python -m bench.reports
	$(UV) run python -m bench.calendar_feed
	bash tests/with_postgres.sh $(UV) run python -m bench.chaos
