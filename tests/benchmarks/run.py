"""The benchmark driver: one empty database, every workload's rounds interleaved, a table of ratios.

Run: `bash scripts/bench.sh all [--quick] [--rounds N] [--only B1,B5]`. It creates a PostgreSQL
database (synchronous_commit on), migrates and seeds it, prepares each workload module that
exists, runs round 1 of every workload, then round 2 of every workload, ..., prints the table
and records it, with the machine and the versions, in BENCHMARKS.md between the markers.
"""
from __future__ import annotations

import argparse
import importlib
import importlib.util
import shutil
import sys
import tempfile
import time
import traceback

from tests import support
from tests.benchmarks import databases
from tests.benchmarks.environment import describe
from tests.benchmarks.lifecycle import prepare_database
from tests.benchmarks.table import Context, Result

# Workload modules in run order; those not written yet are skipped.
MODULES = ["lifecycle_pg", "lifecycle_spiff", "transition_cost", "lifecycle_sqlite",
           "http_approve", "queue_pages", "outbox_relay", "report_load"]
RECORD = support.ROOT / "BENCHMARKS.md"


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def load_workloads(only: set[str] | None) -> tuple[list, list[str]]:
    workloads, problems = [], []
    for name in MODULES:
        full = f"tests.benchmarks.{name}"
        if importlib.util.find_spec(full) is None:
            continue
        try:
            module = importlib.import_module(full)
        except Exception as exc:  # noqa: BLE001 - one broken module must not stop the others
            problems.append(f"{name}: import failed: {exc!r}")
            continue
        for w in module.WORKLOADS:
            if only is None or only & set(w.ids):
                workloads.append(w)
    return workloads, problems


def check_synchronous_commit(url: str) -> str:
    from workflow.kernel.db import make_engine

    engine = make_engine(url)
    with engine.connect() as conn:
        value = conn.exec_driver_sql("SHOW synchronous_commit").scalar()
    engine.dispose()
    if value != "on":
        raise SystemExit(f"synchronous_commit is {value} on the benchmark database; the goals need it on")
    return value


def cell(value: float) -> str:
    return f"{value:.2f}" if value < 100 else f"{value:.0f}"


def table(results: list[Result]) -> str:
    rows = ["| id | workload | baseline | ratio median [min–max] | goal | met | detail |",
            "|---|---|---|---|---|---|---|"]
    for r in results:
        rows.append(f"| {r.id} | {r.workload} | {r.baseline} | {cell(r.ratio)} [{cell(r.spread[0])}–"
                    f"{cell(r.spread[1])}] | {r.goal} | {'—' if r.met is None else '✓' if r.met else '✗'} | {r.detail} |")
    return "\n".join(rows)


def record(text: str, marker: str = "benchmarks") -> None:
    """Replace what lies between the marker's lines in BENCHMARKS.md (added at the end if absent),
    keeping the prose around it."""
    begin, end = f"<!-- {marker}:begin -->", f"<!-- {marker}:end -->"
    old = RECORD.read_text() if RECORD.exists() else "# Benchmarks\n"
    if begin not in old or end not in old:
        old = old.rstrip("\n") + f"\n\n{begin}\n{end}\n"
    head, rest = old.split(begin, 1)
    _, tail = rest.split(end, 1)
    RECORD.write_text(f"{head}{begin}\n{text}\n{end}{tail}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench.sh all", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small data and short rounds")
    parser.add_argument("--rounds", type=int, default=None, help="rounds per workload (default 5, quick 2)")
    parser.add_argument("--only", default=None, help="comma-separated ids, e.g. B1,B5")
    parser.add_argument("--no-record", action="store_true", help="print the table, leave BENCHMARKS.md alone")
    args = parser.parse_args(argv)
    rounds = args.rounds or (2 if args.quick else 5)
    only = {i.strip().upper() for i in args.only.split(",")} if args.only else None

    workloads, problems = load_workloads(only)
    if not workloads:
        raise SystemExit("no workload matches " + (args.only or "the modules present"))
    admin_url = support.PG_ADMIN_URL
    url = databases.create(admin_url, "bench_run")
    workdir = tempfile.mkdtemp(prefix="jieyue-bench-")
    ctx = Context(database_url=url, admin_url=admin_url, quick=args.quick, workdir=workdir)
    prepared, per_workload = [], {}
    try:
        check_synchronous_commit(url)
        log(f"database {url.rsplit('/', 1)[1]}: migrating and seeding")
        prepare_database(url)
        for w in workloads:
            log(f"prepare {'/'.join(w.ids)}")
            try:
                w.prepare(ctx)
                prepared.append(w)
                per_workload[id(w)] = []
            except Exception as exc:  # noqa: BLE001
                problems.append(f"{'/'.join(w.ids)}: prepare failed: {exc!r}\n{traceback.format_exc()}")
        for n in range(1, rounds + 1):
            for w in list(prepared):
                log(f"round {n}/{rounds} {'/'.join(w.ids)}")
                try:
                    per_workload[id(w)].append(w.round(ctx))
                except Exception as exc:  # noqa: BLE001
                    problems.append(f"{'/'.join(w.ids)}: round {n} failed, left out: {exc!r}\n"
                                    f"{traceback.format_exc()}")
                    prepared.remove(w)
        results = [r for w in prepared for r in w.results(per_workload[id(w)])]
    finally:
        for w in workloads:
            try:
                w.close(ctx)
            except Exception:  # noqa: BLE001
                problems.append(f"{'/'.join(w.ids)}: close failed: {traceback.format_exc()}")
        databases.drop(admin_url, url)
        shutil.rmtree(workdir, ignore_errors=True)

    mode = "quick" if args.quick else "full"
    text = (f"Run {time.strftime('%Y-%m-%d %H:%M')} ({mode} mode, {rounds} rounds, interleaved"
            + (f", only {args.only}" if args.only else "") + ")\n\n" + table(results) + "\n\n"
            + describe(admin_url))
    if problems:
        text += "\n\nNot measured:\n" + "\n".join(f"- {p.splitlines()[0]}" for p in problems)
    print(text)
    for p in problems:
        log(p)
    if not args.no_record:
        record(text)
    return 0 if results and all(r.met is not False for r in results) and not problems else 1


if __name__ == "__main__":
    sys.exit(main())
