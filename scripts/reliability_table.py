"""Write RELIABILITY.md from one run of the issue-7 tests: the figures they recorded and their outcomes.

Usage: reliability_table.py FIGURES.jsonl JUNIT.xml OUTPUT.md
FIGURES.jsonl is what tests/figures.py appended (JIEYUE_FIGURES); JUNIT.xml is pytest's
--junitxml report, which says which tests passed, failed or were skipped.
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
        "What the issue-7 tests measured in one run (`bash scripts/reliability.sh` writes this file).",
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
