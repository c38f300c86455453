# Sourced by the scripts: make .venv with Python 3.11+ and install the project into it.
# Usage: . scripts/venv.sh [extras]   (extras: "test" or "test,bench" for the test and benchmark tools)
# Installs from the locks, never from a fresh resolution: requirements/base.lock (the application) or,
# with any extras, requirements/test.lock (the application, the test extra and the bench extra).
# Both are written from pyproject.toml by scripts/lock.sh; every package is pinned with its hashes.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
if [ ! -x .venv/bin/python ]; then
  if ! python3 -m venv .venv 2>/dev/null; then
    # A fresh Debian has Python but not always its venv module.
    rm -rf .venv
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
      apt-get update -qq && apt-get install -y -qq python3-venv >/dev/null
    else
      echo "python3 -m venv failed: install python3-venv (sudo apt-get install python3-venv)" >&2; exit 1
    fi
    python3 -m venv .venv
  fi
fi
lock=requirements/base.lock
[ -z "${1:-}" ] || lock=requirements/test.lock
stamp=".venv/.installed-${1:-base}"
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ] || [ "$lock" -nt "$stamp" ]; then
  .venv/bin/pip install -q --require-hashes -r "$lock"
  # The project itself, editable: its dependencies are all in the lock already.
  .venv/bin/pip install -q --no-deps -e .
  touch "$stamp"
fi
