#!/usr/bin/env bash
# The static checks CI runs before the tests (rules in pyproject.toml's [tool.ruff] and [tool.mypy]).
set -euo pipefail
cd "$(dirname "$0")/.."
.venv/bin/ruff check workflow policies api tasks tests scripts
.venv/bin/mypy workflow policies
