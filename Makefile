# The whole set-up is `make run` (demo console) or `make test` (whole suite); both install what they need first.
VENV := .venv
PY := $(VENV)/bin/python

.PHONY: setup run test bench bench-quick dist lint clean

setup:
	bash scripts/setup.sh

run: setup
	$(PY) -m console --demo $(ARGS)

test: setup
	bash scripts/run_tests.sh $(ARGS)

bench: setup
	$(PY) -m benchmarks $(ARGS)

bench-quick: setup
	$(PY) -m benchmarks --quick $(ARGS)

dist: setup
	$(VENV)/bin/pyinstaller --noconfirm --clean build.spec

lint: setup
	$(VENV)/bin/lint-imports

clean:
	rm -rf build dist .pytest_cache
