#!/usr/bin/env bash
# Installs everything (scripts/setup.sh), then opens the console; demo mode unless arguments say otherwise.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
if [ $# -eq 0 ]; then set -- --demo; fi
exec .venv/bin/pao-console "$@"
