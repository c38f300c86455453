"""B3: what one transition costs with 0, 10,000 and 100,000 requests already stored, and whether
memory stays flat over many lifecycles (RSS of a process running nothing else)."""
from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time

from sqlalchemy import text

from tests import support
from tests.benchmarks import databases
from tests.benchmarks.lifecycle import Lifecycle, make_runtime, prepare_database
from tests.benchmarks.table import Result, median_spread
from workflow.kernel.db import make_engine
from workflow.procurement.supply_requests import act

# Finished requests with what each lifecycle leaves behind: a line, four audit events, five outbox
# events and five findings, for the demo requesters, in the current budget year.
LOAD = [
    """INSERT INTO supply_requests (number, requester_id, department_id, purpose, status, version, total,
        needs_office_review, budget_year, committed_amount, policy_version, created_at, updated_at,
        submitted_at, status_changed_at)
       SELECT 'SR-L-' || (:start + g), u.id, u.department_id, 'loaded', 'approved', 4, 6400, true, :year, 6400,
              '2026.1', now(), now(), now(), now() - (g % 1000) * interval '1 minute'
       FROM generate_series(1, :n) g
       JOIN (SELECT id, department_id, row_number() OVER (ORDER BY id) - 1 AS k FROM users
             WHERE username IN ('staff1', 'staff2')) u ON u.k = g % 2""",
    """INSERT INTO supply_lines (request_id, position, item_id, description, category, unit, unit_price, quantity,
        supplier, attributes, received_quantity, green, single_use, spend)
       SELECT r.id, 0, NULL, 'loaded', 'appliance', 'set', 3200, 2, 'Gree Electric', '{}', 0, true, false, 0
       FROM supply_requests r WHERE r.number LIKE 'SR-L-%' AND r.id > :after""",
    """INSERT INTO audit_events (entity_type, entity_id, action, from_state, to_state, actor_id, data, created_at,
        prev_hash, hash)
       SELECT 'supply_request', r.id, a.action, a.f, a.t, r.requester_id, '{}', now(), md5(r.id || a.f),
              md5(r.id || a.t) || md5(a.t)
       FROM supply_requests r CROSS JOIN (VALUES ('create', '', 'draft'), ('submit', 'draft', 'dept_review'),
            ('approve', 'dept_review', 'office_review'), ('approve', 'office_review', 'approved')) a(action, f, t)
       WHERE r.number LIKE 'SR-L-%' AND r.id > :after""",
    """INSERT INTO outbox_events (event_id, topic, aggregate_type, aggregate_id, payload, created_at, published_at)
       SELECT gen_random_uuid()::text, t.topic, 'supply_request', r.id, '{}', now(), now()
       FROM supply_requests r CROSS JOIN (VALUES ('request.submitted'), ('task.assigned'), ('request.advanced'),
            ('task.assigned'), ('request.approved')) t(topic)
       WHERE r.number LIKE 'SR-L-%' AND r.id > :after""",
    """INSERT INTO supply_findings (request_id, line, rule_id, outcome, message_key, params, suggestions,
        policy_version)
       SELECT r.id, 0, f.rule, 'pass', f.rule || '.pass', '{}', '[]', '2026.1'
       FROM supply_requests r CROSS JOIN (VALUES ('GP-DISPOSABLE'), ('GP-ENERGY'), ('GP-RECYCLABLE'),
            ('GP-GREENLIST'), ('GP-BUDGET')) f(rule)
       WHERE r.number LIKE 'SR-L-%' AND r.id > :after""",
]


def load(url: str, n: int) -> None:
    if not n:
        return
    engine = make_engine(url)
    with engine.begin() as conn:
        after = conn.execute(text("SELECT coalesce(max(id), 0) FROM supply_requests")).scalar_one()
        year = conn.execute(text("SELECT max(year) FROM budgets")).scalar_one()
        for sql in LOAD:
            conn.execute(text(sql), {"n": n, "start": after, "after": after, "year": year})
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE"))
    engine.dispose()


def transition_times(flows: dict, count: int) -> dict:
    """Median ms of submit and of the first approval per size, over `count` fresh requests each.

    The sizes take turns request by request, so a burst of load on the shared machine falls on
    all of them alike instead of on whichever size was being measured.
    """
    times = {size: {"submit": [], "approve": []} for size in flows}
    sizes = list(flows)
    for n in range(count):
        for size in sizes[n % len(sizes):] + sizes[:n % len(sizes)]:  # no size always goes first
            runtime, lifecycle = flows[size]
            requester, head = lifecycle.teams[0]
            req = lifecycle.create(0)
            began = time.perf_counter()
            req = act(req["id"], "submit", req["version"], requester, runtime.uow())
            times[size]["submit"].append(time.perf_counter() - began)
            began = time.perf_counter()
            act(req["id"], "approve", req["version"], head, runtime.uow())
            times[size]["approve"].append(time.perf_counter() - began)
    return {size: {k: statistics.median(v) * 1000 for k, v in t.items()} for size, t in times.items()}


def memory_probe(url: str, seconds: float, every: int, lifecycles: int = 0) -> None:
    """Run in a process of its own: B1 lifecycles, printing (lifecycles done, RSS KiB) every `every`,
    for `seconds`, or until `lifecycles` are done when that is given."""
    runtime = make_runtime(url, pool_size=8)
    lifecycle = Lifecycle(runtime)
    done, deadline = 0, time.monotonic() + seconds
    page = os.sysconf("SC_PAGE_SIZE") // 1024
    while (done < lifecycles) if lifecycles else (time.monotonic() < deadline):
        for n in range(every):
            lifecycle.run(n % 2)
        done += every
        with open("/proc/self/statm") as f:
            rss = int(f.read().split()[1]) * page
        print(json.dumps({"lifecycles": done, "rss_kib": rss}), flush=True)
    runtime.engine.dispose()


def slope_per_10k(samples: list[dict]) -> float:
    """Least-squares RSS growth in MiB per 10,000 lifecycles, after the first third (warm-up)."""
    tail = samples[len(samples) // 3:]
    if len(tail) < 2:
        return 0.0
    xs, ys = [s["lifecycles"] for s in tail], [s["rss_kib"] for s in tail]
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    covariance = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True))
    return covariance / sum((x - mx) ** 2 for x in xs) * 10_000 / 1024


class TransitionCost:
    ids = ("B3",)

    def prepare(self, ctx) -> None:
        self.sizes = (0, 1_000, 10_000) if ctx.quick else (0, 10_000, 100_000)
        self.count = 20 if ctx.quick else 100
        self.urls = {}
        for size in self.sizes:
            url = databases.create(ctx.admin_url, f"bench_b3_{size}")
            self.urls[size] = url
            prepare_database(url)
            load(url, size)
        # "A few minutes" of one process: 100,000 lifecycles would take half an hour on two cores.
        self.memory_seconds = 20.0 if ctx.quick else 180.0
        self.memory: list[dict] = []

    def round(self, ctx) -> dict:
        flows = {}
        for size, url in self.urls.items():
            runtime = make_runtime(url, pool_size=2)
            flows[size] = (runtime, Lifecycle(runtime))
        try:
            transition_times(flows, 3)  # warm the pools and the statement caches
            out = transition_times(flows, self.count)
        finally:
            for runtime, _ in flows.values():
                runtime.engine.dispose()
        if not self.memory:  # once, in the first round: one long process is the point
            self.memory = self._probe(ctx)
        return out

    def _probe(self, ctx) -> list[dict]:
        code = ("import sys; from tests.benchmarks.transition_cost import memory_probe; "
                "memory_probe(sys.argv[1], float(sys.argv[2]), int(sys.argv[3]))")
        every = 100 if ctx.quick else 1000
        out = subprocess.run([sys.executable, "-c", code, self.urls[self.sizes[-1]], str(self.memory_seconds),
                              str(every)], capture_output=True, text=True, cwd=support.ROOT)
        if out.returncode:
            raise RuntimeError(f"memory probe failed: {out.stderr[-2000:]}")
        return [json.loads(line) for line in out.stdout.splitlines() if line.startswith("{")]

    def results(self, rounds: list[dict]) -> list[Result]:
        out = []
        small = self.sizes[0]
        for action in ("approve", "submit"):
            for size in self.sizes[1:]:
                ratio, spread = median_spread([r[size][action] / r[small][action] for r in rounds])
                at0, _ = median_spread([r[small][action] for r in rounds])
                at, _ = median_spread([r[size][action] for r in rounds])
                out.append(Result("B3", f"one {action} with {size:,} requests stored", f"itself with {small}",
                                  ratio, spread, "<= 1.1 x", ratio <= 1.1,
                                  f"median {at:.1f} ms vs {at0:.1f} ms ({self.count} per round)"))
        slope = slope_per_10k(self.memory)
        done = self.memory[-1]["lifecycles"] if self.memory else 0
        first = self.memory[0]["rss_kib"] / 1024 if self.memory else 0
        last = self.memory[-1]["rss_kib"] / 1024 if self.memory else 0
        out.append(Result("B3", f"RSS over {done:,} lifecycles (one process)", "flat: slope per 10,000",
                          slope, (slope, slope), "<= 1 MiB / 10k", bool(self.memory) and slope <= 1.0,
                          f"RSS {first:.0f} → {last:.0f} MiB; {len(self.memory)} samples; "
                          f"{self.memory_seconds:.0f} s run, not 100,000 lifecycles"))
        return out

    def close(self, ctx) -> None:
        for url in getattr(self, "urls", {}).values():
            databases.drop(ctx.admin_url, url)


WORKLOADS = [TransitionCost()]


def memory_run(lifecycles: int) -> None:
    """B3's memory goal at its full size: one process runs `lifecycles` lifecycles (100,000 take
    some twenty minutes here, too long for the suite's rounds) in a fresh database; prints RSS."""
    name = f"jieyue_bench_memory_{os.getpid()}"
    support.pg_admin(f"CREATE DATABASE {name}")
    try:
        url = support.pg_url(name)
        prepare_database(url)
        every = max(1, lifecycles // 50)
        code = ("import sys; from tests.benchmarks.transition_cost import memory_probe; "
                "memory_probe(sys.argv[1], 0, int(sys.argv[2]), int(sys.argv[3]))")
        began = time.monotonic()
        out = subprocess.run([sys.executable, "-c", code, url, str(every), str(lifecycles)], capture_output=True,
                             text=True, cwd=support.ROOT, check=True)
        samples = [json.loads(line) for line in out.stdout.splitlines() if line.startswith("{")]
        for sample in samples[::5] + samples[-1:]:
            print(f"{sample['lifecycles']:>9,} lifecycles  RSS {sample['rss_kib'] / 1024:7.1f} MiB")
        print(f"{samples[-1]['lifecycles']:,} lifecycles in {time.monotonic() - began:.0f} s; RSS "
              f"{samples[0]['rss_kib'] / 1024:.0f} → {samples[-1]['rss_kib'] / 1024:.0f} MiB; slope after the "
              f"first third {slope_per_10k(samples):.3f} MiB per 10,000 lifecycles (goal: flat, <= 1)")
    finally:
        support.pg_admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


if __name__ == "__main__":
    # `python -m tests.benchmarks.transition_cost --memory 100000`: the memory goal at full size.
    if len(sys.argv) == 3 and sys.argv[1] == "--memory":
        memory_run(int(sys.argv[2]))
    else:
        from tests.benchmarks.standalone import main

        main(WORKLOADS)
