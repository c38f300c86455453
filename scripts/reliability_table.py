"""Write RELIABILITY.md from one run of the issue-7 tests: the figures they recorded and their outcomes.

Usage: reliability_table.py FIGURES.jsonl JUNIT.xml OUTPUT.md
FIGURES.jsonl is what the tests' `record` fixture (tests/conftest.py) appended (JIEYUE_FIGURES);
JUNIT.xml is pytest's --junitxml report, which says which tests passed, failed or were skipped.
"""
from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

POINTS = {
    "1": "Races on PostgreSQL",
    "2": "Access control",
    "3": "Web security",
    "4": "Audit integrity",
    "5": "Fail closed",
    "6": "Faults",
    "7": "Fuzzing",
    "8": "Input limits",
}
# What each test file of the later issues covers, for the count of its tests by file.
FILES = {
    "tests/services/test_security_separation_of_duties.py": "14.1 Delegation periods: capped, not in the past",
    "tests/http/test_security_separation_of_duties.py": "14.1 Two levels, two people; delegation limits",
    "tests/unit/test_receipt_tolerance.py": "14.2 The receipt tolerance in the policy document",
    "tests/http/test_security_prices.py": "14.2 Prices from the catalog; receipts held above tolerance",
    "tests/integration/test_security_prices.py": "14.2 The same over HTTP on PostgreSQL, with a race",
    "tests/unit/test_signing_key.py": "14.5 The signing key file",
    "tests/http/test_security_web.py": "14.3, 14.5, 14.10 Redirects, the signing key, cookies and caching",
    "tests/unit/test_safe_urls.py": "14.4 The rule: no URL that leads inside",
    "tests/services/test_security_webhooks.py": "14.4 The services check with the resolver they are given",
    "tests/http/test_security_webhooks.py": "14.4 Webhooks cannot reach inside",
    "tests/integration/test_security_webhooks.py": "14.4 The same over HTTP on PostgreSQL",
    "tests/integration/test_security_limits.py": "14.6 Limits per person across processes (Redis)",
    "tests/http/test_security_input.py": "14.7 Malformed input is 4xx",
    "tests/http/test_security_avoided_trips.py": "14.8 A refused short trip counts once",
    "tests/integration/test_security_avoided_trips_pg.py": "14.8 The same under concurrent sends on PostgreSQL",
    "tests/unit/test_security_exports.py": "14.9 Exports that cannot run code",
    "tests/http/test_security_exports.py": "14.9 The same through the API's download and the finance page",
    "tests/unit/test_working_calendar.py": "20 The office's working calendar",
    "tests/http/test_office_calendar.py": "20 The calendar kept over the API, the admin page and the CLI",
}


def outcomes(junit: Path) -> dict[str, str]:
    """pytest node id -> passed, failed, error or skipped."""
    found: dict[str, str] = {}
    if not junit.exists():
        return found
    for case in ET.parse(junit).getroot().iter("testcase"):
        module = case.get("classname", "")
        parts = module.split(".")
        # A test inside a class has the class as the last part of classname (capitalised by convention).
        cls = parts.pop() if parts and parts[-1][:1].isupper() else None
        node = "/".join(parts) + ".py::" + (f"{cls}::" if cls else "") + case.get("name", "")
        state = "passed"
        for tag in ("failure", "error", "skipped"):
            if case.find(tag) is not None:
                state = {"failure": "failed"}.get(tag, tag)
        found[node] = state
    return found


def figures(path: Path) -> list[dict]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def cell(text: str) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")


def commit() -> str:
    def git(*args):
        return subprocess.run(["git", *args], capture_output=True, text=True).stdout.strip()

    head = git("rev-parse", "--short", "HEAD") or "unknown"
    return head + (" (with uncommitted changes)" if git("status", "--porcelain", "--untracked-files=no") else "")


def render(rows: list[dict], results: dict[str, str]) -> str:
    counts = {s: sum(1 for v in results.values() if v == s) for s in ("passed", "failed", "error", "skipped")}
    lines = [
        "# Reliability and security figures",
        "",
        "What the reliability and security tests (issues 7, 14 and 20) measured in one run (`bash scripts/reliability.sh` writes this file).",
        "",
        f"- Date: {dt.datetime.now().astimezone().strftime('%Y-%m-%d %H:%M %Z')}",
        f"- Commit: {commit()}",
        f"- Tests: {counts['passed']} passed, {counts['failed']} failed, {counts['error']} errors, "
        f"{counts['skipped']} skipped, of {len(results)}",
        "",
        "| point | what | figure | test | result |",
        "|---|---|---|---|---|",
    ]
    seen = set()
    for row in sorted(rows, key=lambda r: (r["point"], r["test"])):
        state = results.get(row["test"], "not run")
        seen.add(row["test"])
        mark = state if state == "passed" else f"**{state.upper()}**"
        lines.append(f"| {row['point']}. {POINTS.get(row['point'], '')} | {cell(row['name'])} | {cell(row['figure'])} "
                     f"| `{cell(row['test'])}` | {mark} |")
    by_file: dict[str, dict[str, int]] = {}
    for node, state in results.items():
        tally = by_file.setdefault(node.split("::", 1)[0], {})
        tally[state] = tally.get(state, 0) + 1
    lines += ["", "## Tests by file", "", "| file | covers | passed | not passed |", "|---|---|---|---|"]
    for path, tally in sorted(by_file.items()):
        bad = sum(n for state, n in tally.items() if state != "passed")
        lines.append(f"| `{path}` | {cell(FILES.get(path, ''))} | {tally.get('passed', 0)} | "
                     f"{bad if not bad else f'**{bad}**'} |")
    silent = sorted(t for t, s in results.items() if s in ("failed", "error") and t not in seen)
    if silent:
        lines += ["", "Failed before recording a figure:", ""] + [f"- **{results[t].upper()}** `{t}`" for t in silent]
    return "\n".join(lines) + "\n"


def main(argv: list[str]) -> int:
    figures_path, junit_path, output = (Path(a) for a in argv[1:4])
    output.write_text(render(figures(figures_path), outcomes(junit_path)), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
