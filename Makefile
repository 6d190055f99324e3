# The whole set-up is `make run` (demo console) or `make test` (whole suite); both install what they need first.
# Without make: bash scripts/run_console.sh / bash scripts/run_tests.sh do exactly the same.
VENV := .venv
PY := $(VENV)/bin/python

.PHONY: setup run test bench bench-quick dist lint clean

setup:
	bash scripts/setup.sh

run:
	bash scripts/run_console.sh $(ARGS)

test:
	bash scripts/run_tests.sh $(ARGS)

bench: setup
	QT_QPA_PLATFORM=offscreen $(PY) -m benchmarks $(ARGS)

bench-quick: setup
	QT_QPA_PLATFORM=offscreen $(PY) -m benchmarks --quick $(ARGS)

dist: setup
	$(VENV)/bin/pyinstaller --noconfirm --clean build.spec

lint: setup
	$(VENV)/bin/lint-imports

clean:
	rm -rf build dist .pytest_cache
