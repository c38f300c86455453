#!/usr/bin/env bash
# Rewrite requirements/*.lock from pyproject.toml after changing a pin there (tests/unit/test_lock_files.py
# checks they agree). base.lock: the application (the Docker image, `scripts/venv.sh`); test.lock: it with
# the test and bench extras, held to base.lock's versions. PyPI only, so the locks install anywhere.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/venv.sh test
export PIP_CONFIG_FILE=/dev/null  # no local mirrors or constraints from this machine's pip.conf
unset PIP_FIND_LINKS PIP_EXTRA_INDEX_URL PIP_CONSTRAINT
compile() {
  .venv/bin/pip-compile --quiet --resolver=backtracking --generate-hashes --allow-unsafe --strip-extras \
    --no-emit-index-url --no-emit-find-links --index-url https://pypi.org/simple "$@" \
    pyproject.toml requirements/any-python-3.11.in
}
compile --output-file requirements/base.lock
compile --extra test --extra bench --constraint requirements/base.lock --output-file requirements/test.lock
