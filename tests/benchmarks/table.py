"""The benchmark suite's shared shapes: a workload measured in rounds, and a row of the table.

Every workload module (B1..B8) exposes `WORKLOADS`, a list of objects with
  - `ids`: the table ids it produces, e.g. ("B1",)
  - `prepare(ctx)`: generate its data once (ctx.database_url is an empty, migrated database
    shared by all workloads; make your own extra databases if you need them)
  - `round(ctx) -> dict`: one measurement round of the workload AND its baseline, so both see
    the same machine state; the driver interleaves rounds of all workloads
  - `results(rounds: list[dict]) -> list[Result]`: medians, spreads and verdicts
  - `close(ctx)`: stop what it started.
"""
from __future__ import annotations

import statistics
from dataclasses import dataclass, field


@dataclass
class Context:
    database_url: str               # postgresql+psycopg://... of the run's own database
    admin_url: str                  # the server's maintenance database, for CREATE DATABASE
    quick: bool = False             # small data and short rounds, for trying the harness
    workdir: str = "/tmp"           # a temporary folder of the run's own
    shared: dict = field(default_factory=dict)  # what one workload offers another (e.g. B1's runner)


@dataclass
class Result:
    id: str                          # "B4"
    workload: str                    # what was measured
    baseline: str                    # against what, in the same run
    ratio: float                     # median over rounds of workload / baseline (as the goal reads)
    spread: tuple[float, float]      # min and max of the per-round ratios
    goal: str                        # e.g. ">= 0.3 x"
    met: bool | None                 # None: a reference row (a ceiling), no goal of its own
    detail: str = ""                 # the raw figures: medians in ms or per second, p95/p99, memory


def median_spread(values: list[float]) -> tuple[float, tuple[float, float]]:
    """Median of the per-round values with their min and max."""
    return statistics.median(values), (min(values), max(values))
