#!/usr/bin/env bash
# Benchmarks, kept out of the test run:
#   bash scripts/bench.sh all [--quick] [--rounds N] [--only B1,B5]   the B1..B8 suite (tests/benchmarks/run.py)
#   bash scripts/bench.sh report                                      the report over 1,000,000 received lines
#   bash scripts/bench.sh compare <old-ref> [--quick] [--rounds N] [--only B1,B8,S] [--new <ref>]
#                                  B1, B3, B4, B8 and statements per lifecycle, <old-ref> (a worktree beside
#                                  this one) against this tree, rounds interleaved (tests/benchmarks/compare.py)
set -euo pipefail
. "$(dirname "$0")/venv.sh" "test,bench"
case "${1:-report}" in
  report) exec .venv/bin/python -m tests.benchmarks.report_million ;;
  all) shift; exec .venv/bin/python -m tests.benchmarks.run "$@" ;;
  compare) shift; exec .venv/bin/python -m tests.benchmarks.compare "$@" ;;
  *) echo "usage: scripts/bench.sh all [--quick] [--rounds N] [--only B1,B5] | compare <old-ref> [--quick] | report" >&2
     exit 2 ;;
esac
