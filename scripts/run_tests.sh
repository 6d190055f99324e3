#!/usr/bin/env bash
# Installs everything (scripts/setup.sh), then runs the whole suite headless: the layer contracts, then pytest.
# Qt widgets and QtWebEngine run offscreen; as root Chromium needs its sandbox off. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export QT_QPA_PLATFORM=offscreen
if [ "$(id -u)" -eq 0 ]; then export QTWEBENGINE_DISABLE_SANDBOX=1; fi
.venv/bin/lint-imports
# One test process per core, at most four: most tests wait on sockets, timers and QtWebEngine, so two processes on two
# cores take about 14 minutes instead of 21-24. Each process has its own Qt application, keyring and temp dirs.
exec .venv/bin/python -m pytest -q -p no:cacheprovider -n auto --maxprocesses=4 "$@"
