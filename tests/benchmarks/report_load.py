"""B7: the expenditure report over 1,000,000 received lines, and B1's throughput while it runs in a loop.

The lines come from `report_million.generate` in a database of B7's own, where the B1 lifecycles
then run too (the report and the writers share tables and the server, as in an office). Each
round times the report alone, then B1 alone and B1 beside a process running the report over and
over (in alternating order, so that drift of the machine does not favour one side).
Alone: `.venv/bin/python -m tests.benchmarks.report_load [--quick]`.
"""
from __future__ import annotations

import multiprocessing
import statistics
import time

from policies.periods import parse
from tests.benchmarks import lifecycle, own_database, report_million
from tests.benchmarks.table import Result, median_spread
from workflow.kernel.settings import Settings
from workflow.reporting import supply_figures
from workflow.runtime.process import Runtime

GOAL_SECONDS = 2.0
PERIOD, BASELINE = "2026-Q3", "2025-Q3"
WORKERS = 8


def run_report(runtime: Runtime) -> dict:
    uow = runtime.uow()
    with uow:
        return supply_figures.expenditure(uow.session, parse(PERIOD), parse(BASELINE), "department", uow.office_tz,
                                          runtime.engine.dialect.name)


def report_loop(url: str, stop, count) -> None:
    """In a process of its own (a web worker would serve it): the report again and again until `stop`."""
    runtime = Runtime(Settings(database_url=url, db_pool_size=1, db_max_overflow=0))
    try:
        while not stop.is_set():
            run_report(runtime)
            with count.get_lock():
                count.value += 1
    finally:
        runtime.engine.dispose()


class ReportLoad:
    ids = ("B7",)

    def __init__(self):
        self.url = None
        self.runtime = None
        self.b1 = None
        self.rounds_done = 0

    def prepare(self, ctx) -> None:
        self.seconds = 3.0 if ctx.quick else 10.0
        report_million.LINES = 100_000 if ctx.quick else 1_000_000
        self.url = own_database.create(ctx, "b7")
        started = time.perf_counter()
        report_million.generate(self.url)
        lifecycle.raise_budgets(self.url)
        self.runtime = Runtime(Settings(database_url=self.url, db_pool_size=2, db_max_overflow=0))
        self.b1 = lifecycle.make_runtime(self.url, pool_size=WORKERS)
        total = run_report(self.runtime)["total"]
        assert total["spend"] > 0 and total["baseline_spend"] > 0, total
        print(f"B7: {report_million.LINES:,} received lines made, {time.perf_counter() - started:.1f} s; "
              f"report total {total['spend']} against {total['baseline_spend']} CNY", flush=True)

    def _b1_beside_report(self) -> tuple[float, int]:
        spawn = multiprocessing.get_context("spawn")
        stop, count = spawn.Event(), spawn.Value("i", 0)
        loop = spawn.Process(target=report_loop, args=(self.url, stop, count), daemon=True)
        loop.start()
        try:
            deadline = time.monotonic() + 60  # the loop's first report: the process has started
            while count.value == 0 and loop.is_alive() and time.monotonic() < deadline:
                time.sleep(0.02)
            done_before = count.value
            run = lifecycle.run_lifecycles(self.url, WORKERS, self.seconds, runtime=self.b1)
            return run.per_second, count.value - done_before
        finally:
            stop.set()
            loop.join(30)
            if loop.is_alive():
                loop.kill()

    def round(self, ctx) -> dict:
        times = []
        for _ in range(3):
            t = time.perf_counter()
            run_report(self.runtime)
            times.append(time.perf_counter() - t)
        measured = {"report": statistics.median(times)}
        self.rounds_done += 1
        order = ("alone", "beside") if self.rounds_done % 2 else ("beside", "alone")
        for which in order:
            if which == "alone":
                measured["b1_alone"] = lifecycle.run_lifecycles(self.url, WORKERS, self.seconds,
                                                                runtime=self.b1).per_second
            else:
                measured["b1_beside"], measured["reports_during"] = self._b1_beside_report()
        return measured

    def results(self, rounds: list[dict]) -> list[Result]:
        report, report_spread = median_spread([r["report"] for r in rounds])
        kept, kept_spread = median_spread([r["b1_beside"] / r["b1_alone"] for r in rounds])
        alone = statistics.median(r["b1_alone"] for r in rounds)
        beside = statistics.median(r["b1_beside"] for r in rounds)
        during = statistics.median(r["reports_during"] for r in rounds)
        return [Result("B7", f"expenditure report over {report_million.LINES:,} lines (s)", f"{GOAL_SECONDS} s",
                       report / GOAL_SECONDS, (report_spread[0] / GOAL_SECONDS, report_spread[1] / GOAL_SECONDS),
                       "<= 1 (report <= 2 s)", report <= GOAL_SECONDS,
                       f"report median {report * 1000:.1f} ms (min {report_spread[0] * 1000:.1f}, "
                       f"max {report_spread[1] * 1000:.1f})"),
                Result("B7", "B1 lifecycles/s while the report loops", "B1 alone, same run", kept, kept_spread,
                       ">= 0.8 x", kept >= 0.8,
                       f"B1 alone {alone:.1f}/s, beside the report {beside:.1f}/s; {during:.0f} reports "
                       f"finished during {self.seconds:.0f} s")]

    def close(self, ctx) -> None:
        for runtime in (self.runtime, self.b1):
            if runtime is not None:
                runtime.engine.dispose()
        own_database.drop(ctx, self.url)


WORKLOADS = [ReportLoad()]


if __name__ == "__main__":
    from tests.benchmarks.standalone import main

    main(WORKLOADS)
