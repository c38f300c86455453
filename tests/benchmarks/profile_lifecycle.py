"""Where a supply lifecycle's time goes: cProfile over N lifecycles through the services, one thread.

Run: `.venv/bin/python -m tests.benchmarks.profile_lifecycle [--lifecycles 300] [--sqlite]`. It prints
the statements and connection checkouts of one lifecycle, CPU and wall time per lifecycle, and
the top entries by own time and by cumulative time.
"""
from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import shutil
import tempfile
import time
from pathlib import Path

from sqlalchemy import event, select

from tests import support
from tests.benchmarks import databases
from tests.benchmarks.lifecycle import TEAMS, Lifecycle, make_runtime, prepare_database, raise_budgets
from tests.benchmarks.lifecycle_sql import RawLifecycle, load_facts, raw_connection
from workflow.people.accounts import User


def measure(url: str, lifecycles: int, top: int) -> str:
    runtime = make_runtime(url)
    lifecycle = Lifecycle(runtime)
    for n in range(20):  # warm the pool, the statement caches and the policy document
        lifecycle.run(n % 2)
    counts = {"statements": 0, "checkouts": 0}

    def statement(*_):
        counts["statements"] += 1

    def checkout(*_):
        counts["checkouts"] += 1

    event.listen(runtime.engine, "before_cursor_execute", statement)
    event.listen(runtime.engine.pool, "checkout", checkout)
    lifecycle.run(0)
    event.remove(runtime.engine, "before_cursor_execute", statement)
    event.remove(runtime.engine.pool, "checkout", checkout)
    wall, cpu = time.perf_counter(), time.process_time()
    for n in range(lifecycles):
        lifecycle.run(n % 2)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    # Timed by CPU, not the clock: waits on the database are not the client's cost.
    profile = cProfile.Profile(time.process_time)
    profile.enable()
    for n in range(lifecycles):
        lifecycle.run(n % 2)
    profile.disable()
    raw_wall, raw_cpu = raw_costs(runtime, url, lifecycles)
    runtime.engine.dispose()
    out = io.StringIO()
    stats = pstats.Stats(profile, stream=out)
    out.write(by_package(stats) + "\n")
    stats.sort_stats("tottime").print_stats(top)
    stats.sort_stats("cumulative").print_stats(top)
    per = 1000 / lifecycles
    return (f"one lifecycle: {counts['statements']} statements, {counts['checkouts']} connection checkouts\n"
            f"per lifecycle (no profiler): {wall * per:.2f} ms wall, {cpu * per:.2f} ms CPU; the same writes "
            f"hand-written (lifecycle_sql.py): {raw_wall * per:.2f} ms wall, {raw_cpu * per:.2f} ms CPU\n\n"
            f"{out.getvalue()}")


# Where a function's own CPU is counted: the first of these its file's path contains.
PACKAGES = ("psycopg", "sqlalchemy/orm", "sqlalchemy", "sqlite3", "transitions", "workflow/", "policies/", "json",
            "tests/")


def by_package(stats: pstats.Stats) -> str:
    """Own CPU time summed by package (C functions under their own names), largest first."""
    totals: dict[str, float] = {}
    for (path, _line, name), (_cc, _nc, own, _cum, _callers) in stats.stats.items():
        where = next((p for p in PACKAGES if p in path), None)
        if where is None:
            where = "sqlite3" if "sqlite3" in name else "other (C builtins, standard library)"
        totals[where] = totals.get(where, 0.0) + own
    whole = sum(totals.values()) or 1.0
    lines = [f"  {share / whole:6.1%}  {where}" for where, share in sorted(totals.items(), key=lambda kv: -kv[1])]
    return "own CPU by package (cProfile, process time):\n" + "\n".join(lines) + "\n"


def raw_costs(runtime, url: str, lifecycles: int) -> tuple[float, float]:
    """Wall and CPU seconds of the baseline's statements for as many lifecycles, one thread."""
    with runtime.session_factory() as s:
        facts, users = load_facts(s), {u.username: u for u in s.scalars(select(User))}
    teams = [(users[r].id, users[h].id, users[r].department_id) for r, h in TEAMS]
    sqlite = url.startswith("sqlite")
    raw = RawLifecycle(facts, teams, users["logistics"].id, runtime.uow().office_year(), sqlite=sqlite)
    conn = raw_connection(url)
    try:
        wall, cpu = time.perf_counter(), time.process_time()
        for n in range(lifecycles):
            raw.run(conn, n % 2)
        return time.perf_counter() - wall, time.process_time() - cpu
    finally:
        conn.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lifecycles", type=int, default=300)
    parser.add_argument("--sqlite", action="store_true", help="the embedded default instead of PostgreSQL")
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args()
    if args.sqlite:
        folder = Path(tempfile.mkdtemp(prefix="jieyue-profile-"))
        try:
            url = support.sqlite_copy(support.sqlite_template(folder), folder)
            raise_budgets(url)
            print(measure(url, args.lifecycles, args.top))
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        return
    url = databases.create(support.PG_ADMIN_URL, "bench_profile")
    try:
        prepare_database(url)
        print(measure(url, args.lifecycles, args.top))
    finally:
        databases.drop(support.PG_ADMIN_URL, url)


if __name__ == "__main__":
    main()
