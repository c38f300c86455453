"""B1: supply lifecycles per second through the services on PostgreSQL, 8 workers, against the
same writes run by pgbench and by raw psycopg from Python (each on its own twin database)."""
from __future__ import annotations

import json
import os
import subprocess
from dataclasses import replace
from pathlib import Path

from sqlalchemy import select

from tests.benchmarks import databases, spread
from tests.benchmarks.lifecycle import TEAMS, Lifecycle, make_runtime, prepare_database, services_work
from tests.benchmarks.lifecycle_sql import load_facts, raw_work
from tests.benchmarks.table import Result, median_spread
from workflow.people.accounts import User

WORKERS = 8
SCRIPT = Path(__file__).with_name("lifecycle.pgbench.sql")


def seconds(ctx) -> float:
    return float(os.environ.get("BENCH_SECONDS", "3" if ctx.quick else "10"))


def actors(session) -> dict[str, int]:
    return {u.username: u.id for u in session.scalars(select(User))}


def twin(ctx, prefix: str) -> str:
    """A database with the same schema and seed as the run's, for a baseline to write into."""
    url = databases.create(ctx.admin_url, prefix)
    ctx.shared.setdefault("b1_databases", []).append(url)
    prepare_database(url)
    return url


def pgbench_variables(facts: dict, ids: dict, teams: list[tuple[int, int, int]], year: int) -> list[str]:
    """`-D name=value` options: who acts, what is bought, and the findings as VALUES rows."""
    rows = ", ".join("({}, '{}', '{}', '{}', '{}', '{}')".format(
        "NULL" if f["line"] is None else f["line"], f["rule_id"], f["outcome"], f["message_key"],
        json.dumps(f["params"]), json.dumps(f["suggestions"])) for f in facts["findings"])
    values = {"staff0": teams[0][0], "head0": teams[0][1], "dep0": teams[0][2], "staff1": teams[1][0],
              "head1": teams[1][1], "dep1": teams[1][2], "office": ids["logistics"], "item": facts["item"],
              "price": facts["price"], "quantity": facts["quantity"], "total": facts["total"], "year": year,
              "attributes": "'" + facts["attributes"] + "'", "findings": rows}
    return [a for k, v in values.items() for a in ("-D", f"{k}={v}")]


def run_pgbench(url: str, variables: list[str], secs: float, clients: int = WORKERS) -> float:
    """Lifecycles per second of the pgbench script (one script run = one lifecycle)."""
    conn_args, _ = databases.libpq_args(url)
    out = subprocess.run(["pgbench", "-n", "-c", str(clients), "-j", "2", "-T", str(max(1, round(secs))),
                          "-f", str(SCRIPT), *variables, *conn_args], capture_output=True, text=True, check=True)
    for line in out.stdout.splitlines():
        if line.startswith("tps ="):
            return float(line.split()[2])
    raise RuntimeError(out.stdout + out.stderr)


def compare(id_: str, workload: str, baseline: str, rounds: list[dict], base: str, goal: float) -> Result:
    """Services' lifecycles/s over the baseline's, per round: median, spread and verdict."""
    ratio, span = median_spread([r["services"] / r[base] for r in rounds])
    svc, _ = median_spread([r["services"] for r in rounds])
    other, _ = median_spread([r[base] for r in rounds])
    return Result(id_, workload, baseline, ratio, span, f">= {goal} x", ratio >= goal,
                  f"{svc:.1f} vs {other:.1f} lifecycles/s; errors {sum(r['errors'] for r in rounds)}")


def with_cpu(result: Result, rounds: list[dict], places=("python", "postgres")) -> Result:
    """The detail gains the CPU per lifecycle (medians over rounds) of the services and the raw
    baseline, in the Python processes (and in PostgreSQL): where the difference in rate comes from."""
    def median_of(who: str, where: str) -> float:
        return median_spread([r["cpu"][who][where] for r in rounds])[0]

    if not all(r.get("cpu", {}).get(w) for r in rounds for w in ("services", "raw")):
        return result
    split = "; ".join(f"{who} " + " + ".join(f"{median_of(who, p):.1f}" for p in places)
                      for who in ("services", "raw"))
    names = " + ".join({"python": "in the processes", "postgres": "PostgreSQL"}[p] for p in places)
    result.detail += f"; CPU ms per lifecycle ({names}): {split}"
    return result


def references(id_: str, driver: str, rounds: list[dict]) -> list[Result]:
    """Reference rows against the raw baseline: the services' statements (writes and the reads they
    need) by hand on the driver, and the same through SQLAlchemy Core: the floor of the stack."""
    baseline = f"raw {driver}, same writes"
    rows = [("reads", f"reference: the services' writes and reads by hand, raw {driver}"),
            ("floor", "reference: the same statements through SQLAlchemy Core text(), no logic")]
    return [replace(compare(id_, name, baseline, [r | {"services": r[key]} for r in rounds], "raw", 0),
                    goal="(services: see above)", met=None)
            for key, name in rows if all(key in r for r in rounds)]


class LifecyclePg:
    ids = ("B1",)

    def prepare(self, ctx) -> None:
        runtime = make_runtime(ctx.database_url, pool_size=WORKERS)
        Lifecycle(runtime).run(0)  # one submission, whose findings the baselines write too
        with runtime.session_factory() as s:
            self.facts, users = load_facts(s), {u.username: u for u in s.scalars(select(User))}
        self.year = runtime.uow().office_year()
        runtime.engine.dispose()
        ids = {name: u.id for name, u in users.items()}
        teams = [(ids[r], ids[h], users[r].department_id) for r, h in TEAMS]
        self.pgbench_url = twin(ctx, "bench_b1_pgbench")
        self.raw_url = twin(ctx, "bench_b1_raw")
        self.variables = pgbench_variables(self.facts, ids, teams, self.year)
        self.raw_args = (self.facts, teams, ids["logistics"], self.year)

    def round(self, ctx) -> dict:
        secs = seconds(ctx)
        services = spread.run(services_work, (ctx.database_url,), secs)
        pgbench = run_pgbench(self.pgbench_url, self.variables, secs)
        raw = spread.run(raw_work, (self.raw_url, self.raw_args, spread.THREADS), secs)
        # B2 sets SpiffWorkflow beside these (its round follows this one): the ceiling of its goal.
        ctx.shared["b1_round"] = {"pgbench": pgbench, "raw": raw.per_second}
        # References: the services' reads added by hand, then the same statements through SQLAlchemy.
        reads = spread.run(raw_work, (self.raw_url, self.raw_args, spread.THREADS, True), secs)
        floor = spread.run(raw_work, (self.raw_url, self.raw_args, spread.THREADS, True, True), secs)
        return {"services": services.per_second, "errors": services.errors + raw.errors,
                "pgbench": pgbench, "raw": raw.per_second, "reads": reads.per_second, "floor": floor.per_second,
                "cpu": {"services": services.cpu_ms, "raw": raw.cpu_ms}}

    def results(self, rounds: list[dict]) -> list[Result]:
        workload = f"supply lifecycle via services, {WORKERS} workers ({spread.LAYOUT}), PG"
        return [compare("B1", workload, "pgbench script, same writes (-c 8 -j 2)", rounds, "pgbench", 0.4),
                with_cpu(compare("B1", workload, f"raw psycopg, {spread.LAYOUT}, same writes", rounds, "raw", 0.7),
                         rounds)] + references("B1", "psycopg", rounds)

    def close(self, ctx) -> None:
        for url in ctx.shared.pop("b1_databases", []):
            databases.drop(ctx.admin_url, url)


WORKLOADS = [LifecyclePg()]
