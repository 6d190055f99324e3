#!/usr/bin/env bash
# Installs everything the console needs on a Debian/Ubuntu machine or workstation; safe to run again.
#   system packages the Qt / QtWebEngine wheels load (apt-get, only when missing and only as root),
#   Thai fonts, a virtual environment in .venv with the project and its test tools, and the web assets from npm.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(
  # (npm is skipped when node/npm already exist, e.g. from nodesource, to avoid clashing packages)
  # Qt xcb/offscreen platform plugins and OpenGL
  libgl1 libegl1 libopengl0 libxkbcommon0 libxkbcommon-x11-0 libfontconfig1 libfreetype6 libglib2.0-0 libdbus-1-3
  libxcb-cursor0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1 libxcb-randr0 libxcb-render-util0 libxcb-shape0
  libxcb-xinerama0 libxcb-xkb1 libxrender1 libxi6 libsm6 libice6
  # QtWebEngine (Chromium) runtime
  libnss3 libnspr4 libxcomposite1 libxdamage1 libxrandr2 libxtst6 libxkbfile1 libasound2 libxshmfence1 libgbm1
  libdrm2 libxss1 libatk1.0-0 libatk-bridge2.0-0 libcups2
  # Thai and Latin fonts, timezone data, Xvfb for a virtual screen where one is wanted, npm for the web assets,
  # and Python with venv for a bare Debian (a machine with its own Python 3.11+ keeps using that one)
  fonts-thai-tlwg fonts-noto-core fonts-dejavu-core tzdata xvfb npm ca-certificates python3 python3-venv
)

has_candidate() {
  # Output captured first: under pipefail, `apt-cache … | grep -q` can fail when grep closes the pipe early.
  local out
  out=$(apt-cache policy "$1" 2>/dev/null) || return 1
  [[ "$out" == *"Candidate: "[0-9]* ]]
}

missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  if [ "$pkg" = npm ] && command -v npm >/dev/null; then continue; fi
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
    echo "setup: installing system packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    installable=()
    for pkg in "${missing[@]}"; do
      # Names this release renamed (libasound2 -> libasound2t64) are mapped; unknown ones skipped, not fatal.
      if has_candidate "$pkg"; then installable+=("$pkg");
      elif has_candidate "${pkg}t64"; then installable+=("${pkg}t64");
      else echo "setup: no package $pkg on this system, skipped" >&2; fi
    done
    [ ${#installable[@]} -eq 0 ] || apt-get install -y -qq --no-install-recommends "${installable[@]}" >/dev/null
  else
    echo "setup: missing system packages (install them as root): ${missing[*]}" >&2
  fi
fi

# Pick an interpreter. pyproject pins PySide6 < 6.12 on 3.11 (6.12 on 3.11 aborts with none_dealloc),
# so any 3.11+ is safe; prefer a newer one when it really runs (pyenv shims may exist without the version).
PYTHON=""
for cand in ${PAO_PYTHON:-} python3.13 python3.12 python3.11 python3; do
  if command -v "$cand" >/dev/null 2>&1 && "$cand" -c 'import sys, venv, ensurepip; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
    PYTHON="$cand"; break
  fi
done
[ -n "$PYTHON" ] || { echo "setup: need Python 3.11 or newer with venv" >&2; exit 1; }

if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
stamp=.venv/.installed-$(cat pyproject.toml | sha1sum | cut -c1-12)
if [ ! -f "$stamp" ]; then
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q -e '.[test,dist]'
  rm -f .venv/.installed-*; touch "$stamp"
fi

# Web assets: exact versions from the committed lockfile, copied into resources/web/vendor (the page loads nothing remote).
lockhash=$(sha1sum package-lock.json | cut -c1-12)
if [ ! -f "resources/web/vendor/.lock-$lockhash" ]; then
  npm ci --no-audit --no-fund --loglevel=error
  .venv/bin/python scripts/copy_web_assets.py
  touch "resources/web/vendor/.lock-$lockhash"
fi
echo "setup: ready ($(.venv/bin/python --version), $(.venv/bin/python -c 'import PySide6; print("PySide6", PySide6.__version__)'))"
