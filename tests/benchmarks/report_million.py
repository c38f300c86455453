"""Benchmark: the expenditure report over 1,000,000 received purchase lines on PostgreSQL.

Run: `bash scripts/bench.sh report` (or `.venv/bin/python -m tests.benchmarks.report_million`).
It creates its own database, generates four years of deliveries in SQL, then times the report
(median of 5 rounds, with spread) against a baseline measured in the same run: the one-table
`SELECT sum(amount)` over the same period, the least any such report must do. It prints the
ratio and the EXPLAIN plan of the report's query.
"""
from __future__ import annotations

import os
import statistics
import sys
import time
import uuid

from sqlalchemy import text

from policies.periods import parse
from tests import support
from workflow.kernel.db import make_engine
from workflow.reporting import supply_figures

LINES = int(os.environ.get("BENCH_LINES", "1000000"))
ROUNDS = 5


def generate(url: str) -> None:
    """Departments and users from the demo seed, then requests, lines and deliveries made in SQL."""
    support.migrate(url)
    support.seed(url)
    engine = make_engine(url)
    requests_ = LINES // 10
    with engine.begin() as conn:
        conn.execute(text("""
            INSERT INTO supply_requests (number, requester_id, department_id, purpose, status, version, total,
                needs_office_review, budget_year, committed_amount, created_at, updated_at, status_changed_at)
            SELECT 'SR-B-' || g, u.id, u.department_id, 'bench', 'received', 5, 0, false, 2023 + g % 4, 0,
                   now(), now(), now()
            FROM generate_series(1, :n) g
            JOIN LATERAL (SELECT id, department_id FROM users WHERE department_id IS NOT NULL
                          ORDER BY id OFFSET (g % 5) LIMIT 1) u ON true"""), {"n": requests_})
        conn.execute(text("""
            INSERT INTO supply_lines (request_id, position, description, category, unit, unit_price, quantity,
                attributes, received_quantity, spend, green, single_use)
            SELECT r.id, p, 'item', (ARRAY['paper','toner','tableware','lighting','appliance','plumbing',
                   'stationery','cleaning'])[1 + (r.id + p) % 8], 'piece', 10 + (r.id + p) % 90, 1 + p % 5,
                   '{}', 1 + p % 5, (10 + (r.id + p) % 90) * (1 + p % 5), (r.id + p) % 3 = 0, false
            FROM supply_requests r CROSS JOIN generate_series(0, 9) p WHERE r.number LIKE 'SR-B-%'"""))
        conn.execute(text("""
            INSERT INTO purchase_orders (number, supplier, status, total, created_by_id, created_at)
            SELECT 'PO-B-1', 'Bench Supplies', 'received', 0, min(id), now() FROM users"""))
        conn.execute(text("""
            INSERT INTO deliveries (purchase_order_id, line_id, quantity, unit_price, amount, received_by_id,
                department_id, category, unit, green, single_use, received_at)
            SELECT (SELECT id FROM purchase_orders WHERE number = 'PO-B-1'), l.id, l.quantity, l.unit_price,
                   l.quantity * l.unit_price, (SELECT min(id) FROM users),
                   r.department_id, l.category, l.unit, l.green, l.single_use,
                   timestamptz '2023-01-01 00:00+08' + (l.id % 1461) * interval '1 day' + (l.id % 600) * interval '1 minute'
            FROM supply_lines l JOIN supply_requests r ON r.id = l.request_id WHERE r.number LIKE 'SR-B-%'"""))
        conn.execute(text("ANALYZE"))
    engine.dispose()


def main() -> int:
    name = f"jieyue_bench_{uuid.uuid4().hex[:8]}"
    support.pg_admin(f"CREATE DATABASE {name}")
    url = support.pg_url(name)
    try:
        started = time.perf_counter()
        generate(url)
        app = support.make_app(url)
        runtime = app.extensions["jieyue"]
        with runtime.engine.connect() as conn:
            count = conn.execute(text("SELECT count(*) FROM deliveries")).scalar()
        print(f"generated {count:,} received lines in {time.perf_counter() - started:.1f} s")
        period = parse("2026-Q3")
        baseline = period.a_year_earlier()
        uow = runtime.uow()
        raw, full = [], []
        for _ in range(ROUNDS):
            t = time.perf_counter()
            with runtime.engine.connect() as conn:
                conn.execute(text("SELECT sum(amount) FROM deliveries WHERE received_at >= :a AND received_at < :b "
                                  "UNION ALL SELECT sum(amount) FROM deliveries WHERE received_at >= :c AND received_at < :d"),
                             {"a": "2026-07-01 00:00+08", "b": "2026-10-01 00:00+08",
                              "c": "2025-07-01 00:00+08", "d": "2025-10-01 00:00+08"}).all()
            raw.append(time.perf_counter() - t)
            t = time.perf_counter()
            with uow:
                result = supply_figures.expenditure(uow.session, period, baseline, "department", uow.office_tz,
                                                    "postgresql")
            full.append(time.perf_counter() - t)
        med_raw, med_full = statistics.median(raw), statistics.median(full)
        print(f"baseline: sum(amount) over both periods   median {med_raw * 1000:8.1f} ms "
              f"(min {min(raw) * 1000:.1f}, max {max(raw) * 1000:.1f})")
        print(f"report: expenditure 2026-Q3 vs 2025-Q3    median {med_full * 1000:8.1f} ms "
              f"(min {min(full) * 1000:.1f}, max {max(full) * 1000:.1f})")
        print(f"ratio report / baseline: {med_full / med_raw:.2f}")
        print(f"report total {result['total']['spend']} CNY against {result['total']['baseline_spend']} CNY "
              f"({result['total']['change_pct']} %)")
        with runtime.engine.connect() as conn:
            plan = conn.execute(text("""EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF)
                SELECT deliveries.department_id, sum(deliveries.amount) FROM deliveries
                WHERE deliveries.received_at >= '2026-07-01 00:00+08' AND deliveries.received_at < '2026-10-01 00:00+08'
                GROUP BY deliveries.department_id""")).scalars().all()
        print("EXPLAIN of the report's query:")
        print("\n".join("    " + line for line in plan))
        runtime.engine.dispose()
        return 0
    finally:
        support.pg_admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


if __name__ == "__main__":
    sys.exit(main())
