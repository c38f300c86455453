"""B8: the B1 lifecycle on the embedded default (SQLite, WAL, a file in a temporary folder) against
raw sqlite3 doing the same writes, 8 workers each: one process of 8 threads, as the embedded default
runs (`flask run`, threaded, in scripts/demo.sh)."""
from __future__ import annotations

import tempfile
from pathlib import Path

from sqlalchemy import select

from tests import support
from tests.benchmarks import spread
from tests.benchmarks.lifecycle import TEAMS, Lifecycle, make_runtime, raise_budgets, services_work
from tests.benchmarks.lifecycle_pg import WORKERS, compare, references, seconds, with_cpu
from tests.benchmarks.lifecycle_sql import load_facts, raw_work
from tests.benchmarks.table import Result
from workflow.people.accounts import User


# The embedded default is one threaded process.
PROCESSES, THREADS = 1, WORKERS
LAYOUT = f"{PROCESSES} process x {THREADS} threads"


class LifecycleSqlite:
    ids = ("B8",)

    def prepare(self, ctx) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="b8-", dir=ctx.workdir))
        template = support.sqlite_template(self.dir)
        self.services_url = support.sqlite_copy(template, self.dir)
        self.raw_url = support.sqlite_copy(template, self.dir)
        for url in (self.services_url, self.raw_url):
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
        raw = spread.run(raw_work, (self.raw_url, self.raw_args, THREADS), secs, PROCESSES, THREADS)
        reads = spread.run(raw_work, (self.raw_url, self.raw_args, THREADS, True), secs, PROCESSES, THREADS)
        floor = spread.run(raw_work, (self.raw_url, self.raw_args, THREADS, True, True), secs, PROCESSES, THREADS)
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
