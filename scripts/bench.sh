#!/usr/bin/env bash
# Benchmarks, kept out of the test run: `bash scripts/bench.sh report` (1,000,000 received lines).
set -euo pipefail
. "$(dirname "$0")/venv.sh" test
case "${1:-report}" in
  report) exec .venv/bin/python -m tests.benchmarks.report_million ;;
  *) echo "usage: scripts/bench.sh report" >&2; exit 2 ;;
esac
