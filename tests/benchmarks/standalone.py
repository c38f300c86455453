"""Run some workloads alone, before or without the suite's driver: `python -m tests.benchmarks.<module> [--quick]`."""
from __future__ import annotations

import argparse
import tempfile
import uuid

from tests import support
from tests.benchmarks.table import Context


def main(workloads, rounds: int = 3) -> None:
    """A fresh migrated database, prepare, interleaved rounds, the table's rows, then clean up."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="small data and short rounds")
    parser.add_argument("--rounds", type=int, default=rounds)
    args = parser.parse_args()
    name = f"jieyue_bench_{uuid.uuid4().hex[:8]}"
    support.pg_admin(f"CREATE DATABASE {name}")
    with tempfile.TemporaryDirectory(prefix="jieyue-bench-") as workdir:
        ctx = Context(database_url=support.pg_url(name), admin_url=support.PG_ADMIN_URL, quick=args.quick,
                      workdir=workdir)
        try:
            support.migrate(ctx.database_url)
            for w in workloads:
                w.prepare(ctx)
            measured = {id(w): [] for w in workloads}
            for n in range(args.rounds):
                for w in workloads:
                    measured[id(w)].append(w.round(ctx))
                print(f"round {n + 1}/{args.rounds} done", flush=True)
            for w in workloads:
                for r in w.results(measured[id(w)]):
                    verdict = "met" if r.met else "NOT MET"
                    print(f"{r.id:3} {r.workload:45} vs {r.baseline:28} {r.ratio:8.3f} "
                          f"[{r.spread[0]:.3f}, {r.spread[1]:.3f}] goal {r.goal:12} {verdict}\n      {r.detail}")
        finally:
            for w in workloads:
                try:
                    w.close(ctx)
                except Exception as exc:  # noqa: BLE001 - close the others anyway
                    print(f"close failed: {exc!r}")
            support.pg_admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
