#!/usr/bin/env bash
# Benchmarks, kept out of the test run:
#   bash scripts/bench.sh all [--quick] [--rounds N] [--only B1,B5]   the B1..B8 suite (tests/benchmarks/run.py)
#   bash scripts/bench.sh report                                      the report over 1,000,000 received lines
set -euo pipefail
. "$(dirname "$0")/venv.sh" "test,bench"
case "${1:-report}" in
  report) exec .venv/bin/python -m tests.benchmarks.report_million ;;
  all) shift; exec .venv/bin/python -m tests.benchmarks.run "$@" ;;
  *) echo "usage: scripts/bench.sh all [--quick] [--rounds N] [--only B1,B5] | report" >&2; exit 2 ;;
esac
