"""The B1 runner: N threads driving full supply lifecycles through the services for a while.

Other workloads (B6 outbox relay, B7 report under load) import `run_lifecycles` to make the
load they measure beside; B1, B2, B3 and B8 use `Lifecycle` for one request at a time.
"""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select, text

import workflow.models  # noqa: F401 - every mapped class, so a flush resolves every foreign key
from tests import support
from workflow.kernel.access import Actor
from workflow.kernel.settings import Settings
from workflow.people.accounts import User
from workflow.procurement.catalog import CatalogItem
from workflow.procurement.supply_requests import LineInput, act, create_draft
from workflow.runtime.process import Runtime

# Green (GP-* passing) and 2 x 3,200 CNY = 6,400 >= the 5,000 threshold: two approvals.
ITEM_SKU = "APP-AC-1"
QUANTITY = Decimal("2")
# Money is NUMERIC(14, 2): the largest budget that fits, so no run ever meets GP-BUDGET.
HUGE_BUDGET = Decimal("900000000000.00")
# (requester, first-level approver) pairs of the demo seed; workers alternate between them so
# they queue on two budget rows, as two departments of an office would.
TEAMS = (("staff1", "head1"), ("staff2", "head2"))
OFFICE_APPROVER = "logistics"


@dataclass
class LifecycleRun:
    count: int          # lifecycles finished (create, submit, approve, approve)
    seconds: float      # wall time of the run
    per_second: float
    errors: int         # lifecycles that raised (counted, not retried)
    # CPU milliseconds per lifecycle by where they were spent ("python", "postgres"), when measured
    cpu_ms: dict | None = None


def prepare_database(database_url: str) -> None:
    """Migrate and seed an empty database, then raise every budget out of reach."""
    support.migrate(database_url)
    support.seed(database_url)
    raise_budgets(database_url)


def raise_budgets(database_url: str) -> None:
    from workflow.kernel.db import make_engine

    engine = make_engine(database_url)
    with engine.begin() as conn:
        # As text: sqlite3 binds no Decimal, and both databases read the string as a number.
        conn.execute(text("UPDATE budgets SET amount = :a"), {"a": str(HUGE_BUDGET)})
    engine.dispose()


def make_runtime(database_url: str, pool_size: int = 10) -> Runtime:
    return Runtime(Settings(database_url=database_url, db_pool_size=pool_size, db_max_overflow=pool_size))


class Lifecycle:
    """The actors and the item of the lifecycle, looked up once; `run(team)` does one lifecycle."""

    def __init__(self, runtime: Runtime):
        self.runtime = runtime
        with runtime.session_factory() as s:
            users = {u.username: u.as_actor() for u in s.scalars(select(User))}
            self.item_id = s.scalar(select(CatalogItem.id).where(CatalogItem.sku == ITEM_SKU))
        self.teams = [(users[r], users[h]) for r, h in TEAMS]
        self.office: Actor = users[OFFICE_APPROVER]
        self.lines = [LineInput(quantity=QUANTITY, item_id=self.item_id)]

    def create(self, team: int = 0) -> dict:
        return create_draft("Air conditioner for the archive room", None, self.lines, self.teams[team][0],
                            self.runtime.uow())

    def run(self, team: int = 0) -> int:
        requester, head = self.teams[team]
        req = self.create(team)
        req = act(req["id"], "submit", req["version"], requester, self.runtime.uow())
        req = act(req["id"], "approve", req["version"], head, self.runtime.uow())
        assert req["status"] == "office_review", req["status"]
        req = act(req["id"], "approve", req["version"], self.office, self.runtime.uow())
        assert req["status"] == "approved", req["status"]
        return req["id"]


def drive(work, workers: int, seconds: float, stop: threading.Event | None = None) -> LifecycleRun:
    """Call `work(worker_index)` in `workers` threads until `seconds` pass or `stop` is set."""
    halt = threading.Event()  # ours: the caller's `stop` is only read, never set
    counts, errors = [0] * workers, [0] * workers
    start_line = threading.Barrier(workers + 1)

    def loop(n: int) -> None:
        start_line.wait()
        while not halt.is_set():
            try:
                work(n)
                counts[n] += 1
            except Exception:  # noqa: BLE001 - a benchmark counts failures instead of stopping
                errors[n] += 1

    threads = [threading.Thread(target=loop, args=(n,), daemon=True) for n in range(workers)]
    for t in threads:
        t.start()
    start_line.wait()
    began = time.perf_counter()
    deadline = began + seconds
    while (left := deadline - time.perf_counter()) > 0 and not (stop is not None and stop.is_set()):
        time.sleep(min(left, 0.05))
    halt.set()
    for t in threads:
        t.join()
    took = time.perf_counter() - began
    done = sum(counts)
    return LifecycleRun(done, took, done / took if took else 0.0, sum(errors))


def services_work(database_url: str, threads: int = 4):
    """For `spread.run`: one process's share of the services' lifecycles, and how to close it."""
    runtime = make_runtime(database_url, pool_size=threads)
    lifecycle = Lifecycle(runtime)
    return (lambda n: lifecycle.run(n % len(TEAMS))), runtime.engine.dispose


def run_lifecycles(database_url: str, workers: int = 8, seconds: float = 10.0, stop=None,
                   runtime: Runtime | None = None) -> LifecycleRun:
    """Full supply lifecycles through the services in `workers` threads (the B1 load)."""
    own = runtime is None
    runtime = runtime or make_runtime(database_url, pool_size=workers)
    try:
        lifecycle = Lifecycle(runtime)
        return drive(lambda n: lifecycle.run(n % len(TEAMS)), workers, seconds, stop)
    finally:
        if own:
            runtime.engine.dispose()
