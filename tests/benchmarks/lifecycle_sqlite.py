"""B8: the B1 lifecycle on the embedded default (SQLite, WAL, a file in a temporary folder) against
raw sqlite3 doing the same writes, 8 workers each: one process of 8 threads, as the embedded default
runs (`flask run`, threaded, in scripts/demo.sh)."""
from __future__ import annotations

import sqlite3
import tempfile
from pathlib import Path

from sqlalchemy import select

from tests import support
from tests.benchmarks import spread
from tests.benchmarks.lifecycle import TEAMS, Lifecycle, make_runtime, raise_budgets, services_work
from tests.benchmarks.lifecycle_pg import WORKERS, compare, references, seconds, with_cpu
from tests.benchmarks.lifecycle_sql import RawLifecycle, SqlalchemyConnection, load_facts
from tests.benchmarks.table import Result
from workflow.db import make_engine
from workflow.people import User


def connect(path: str) -> sqlite3.Connection:
    # The pragmas workflow.db sets on every SQLAlchemy connection, and its explicit BEGIN IMMEDIATE.
    conn = sqlite3.connect(path, timeout=30, check_same_thread=False, isolation_level=None)
    conn.execute("PRAGMA foreign_keys=ON")
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA busy_timeout=30000")
    return conn


# The embedded default is one threaded process.
PROCESSES, THREADS = 1, WORKERS
LAYOUT = f"{PROCESSES} process x {THREADS} threads"


def raw_work(path: str, raw_args: tuple, threads: int = THREADS, with_reads: bool = False,
             via_sqlalchemy: bool = False):
    """For `spread.run`: the same statements on plain sqlite3 connections, one per thread; with the
    services' reads too, and through SQLAlchemy Core instead of sqlite3, when asked."""
    raw = RawLifecycle(*raw_args, sqlite=True, with_reads=with_reads, named=via_sqlalchemy)
    if via_sqlalchemy:
        engine = make_engine(f"sqlite:///{path}")
        conns = [SqlalchemyConnection(engine) for _ in range(threads)]
    else:
        engine, conns = None, [connect(path) for _ in range(threads)]

    def close() -> None:
        for c in conns:
            c.close()
        if engine is not None:
            engine.dispose()
    return (lambda n: raw.run(conns[n], n % len(TEAMS))), close


class LifecycleSqlite:
    ids = ("B8",)

    def prepare(self, ctx) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="b8-", dir=ctx.workdir))
        template = support.sqlite_template(self.dir)
        self.services_url = support.sqlite_copy(template, self.dir)
        self.raw_path = support.sqlite_copy(template, self.dir).removeprefix("sqlite:///")
        for url in (self.services_url, f"sqlite:///{self.raw_path}"):
            raise_budgets(url)
        runtime = make_runtime(self.services_url)
        Lifecycle(runtime).run(0)
        with runtime.session_factory() as s:
            facts, users = load_facts(s), {u.username: u for u in s.scalars(select(User))}
        year = runtime.uow().office_year()
        runtime.engine.dispose()
        teams = [(users[r].id, users[h].id, users[r].department_id) for r, h in TEAMS]
        self.raw_args = (facts, teams, users["logistics"].id, year)

    def round(self, ctx) -> dict:
        secs = seconds(ctx)
        services = spread.run(services_work, (self.services_url, THREADS), secs, PROCESSES, THREADS)
        raw = spread.run(raw_work, (self.raw_path, self.raw_args), secs, PROCESSES, THREADS)
        reads = spread.run(raw_work, (self.raw_path, self.raw_args, THREADS, True), secs, PROCESSES, THREADS)
        floor = spread.run(raw_work, (self.raw_path, self.raw_args, THREADS, True, True), secs, PROCESSES, THREADS)
        return {"services": services.per_second, "raw": raw.per_second, "errors": services.errors + raw.errors,
                "reads": reads.per_second, "floor": floor.per_second,
                "cpu": {"services": services.cpu_ms, "raw": raw.cpu_ms}}

    def results(self, rounds: list[dict]) -> list[Result]:
        return [with_cpu(compare("B8", f"supply lifecycle via services, {WORKERS} workers ({LAYOUT}), SQLite WAL",
                                 f"raw sqlite3, {LAYOUT}, same writes", rounds, "raw", 0.5), rounds, ("python",))
                ] + references("B8", "sqlite3", rounds)

    def close(self, ctx) -> None:
        pass  # the files live in the run's workdir, which the driver removes


WORKLOADS = [LifecycleSqlite()]
