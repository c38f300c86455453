"""Figures the reliability tests measure: printed, and kept for RELIABILITY.md when asked.

`record("6", "PostgreSQL restarted under load", "412 answered 2xx, 412 in the database")`
prints the line (pytest -s shows it) and, when JIEYUE_FIGURES names a file, appends one JSON
line to it; `scripts/reliability.sh` runs the tests with that set and writes the table.
"""
from __future__ import annotations

import json
import os
import threading
import time

_lock = threading.Lock()


def record(point: str, name: str, figure: str, test: str | None = None) -> None:
    """Print and keep one measured figure; `point` is the issue's point number ("1".."8")."""
    test = test or os.environ.get("PYTEST_CURRENT_TEST", "").split(" ")[0]
    print(f"\n[{point}] {name}: {figure}")
    path = os.environ.get("JIEYUE_FIGURES")
    if not path:
        return
    line = json.dumps({"point": point, "name": name, "figure": figure, "test": test,
                       "at": time.strftime("%Y-%m-%d %H:%M:%S")}, ensure_ascii=False)
    with _lock, open(path, "a", encoding="utf-8") as out:
        out.write(line + "\n")
