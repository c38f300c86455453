"""One tree's side of `bench.sh compare`: measures B1, B3, B4, B8 and a lifecycle's statements with that tree's own code.

The driver (tests/benchmarks/compare.py) starts this file's text with `python -c`, its working directory and
PYTHONPATH set to the tree measured (the current one, or an older commit checked out beside it), so every
`tests.benchmarks`, `workflow` or `api` import below is that tree's own: its workload modules, its migrations
and seed, its services. Only this file comes from the current tree, and it calls nothing but what the workload
modules have offered since issue 8 (`lifecycle`, `spread`, `transition_cost`, `http_approve`, `support`),
except R, which calls the supply services as test_reliability.py does (RandomActions).

It reads one JSON command a line on stdin and answers each with one JSON line on the stdout it was started
with; everything the workloads print goes to stderr, so the two never mix.
"""
from __future__ import annotations

import json
import os
import random
import shutil
import sys
import tempfile
import threading
import time
import traceback
from decimal import Decimal
from pathlib import Path

# The lifecycles of the one-thread statement and CPU probe (S), per round.
S_LIFECYCLES = {True: 100, False: 300}


class Agent:
    """The databases and servers of one tree, made once; each `round` measures one workload once."""

    def __init__(self) -> None:
        self.urls: dict[str, str] = {}
        self.ctx = None
        self.b3 = None
        self.b4 = None
        self.workdir = ""

    def prepare(self, ids: list[str], quick: bool, seconds: float) -> dict:
        from tests import support
        from tests.benchmarks import databases
        from tests.benchmarks.lifecycle import prepare_database, raise_budgets
        from tests.benchmarks.table import Context

        self.quick, self.seconds = quick, seconds
        self.workdir = tempfile.mkdtemp(prefix="jieyue-compare-")
        admin = support.PG_ADMIN_URL
        # The context B3 and B4's workload classes expect; their databases are their own.
        self.ctx = Context(database_url="", admin_url=admin, quick=quick, workdir=self.workdir)
        if {"B1", "B4", "S", "R"} & set(ids):
            self.urls["pg"] = databases.create(admin, "compare_pg")
            prepare_database(self.urls["pg"])
        if "B8" in ids or "S" in ids:
            folder = Path(self.workdir) / "sqlite"
            folder.mkdir()
            self.urls["sqlite"] = support.sqlite_copy(support.sqlite_template(folder), folder)
            raise_budgets(self.urls["sqlite"])
        if "B3" in ids:
            from tests.benchmarks.transition_cost import TransitionCost

            self.b3 = TransitionCost()
            self.b3.prepare(self.ctx)
        if "B4" in ids:
            from tests.benchmarks.http_approve import HttpApprove

            self.ctx.database_url = self.urls["pg"]  # B4 names its own database after this one
            self.b4 = HttpApprove()
            self.b4.prepare(self.ctx)
        return {"root": str(support.ROOT)}

    def round(self, workload: str) -> dict:
        return getattr(self, f"_round_{workload}")()

    def _round_B1(self) -> dict:
        from tests.benchmarks import spread
        from tests.benchmarks.lifecycle import services_work

        run = spread.run(services_work, (self.urls["pg"],), self.seconds)
        return {"rate": run.per_second, "errors": run.errors, "cpu_ms": (run.cpu_ms or {}).get("python")}

    def _round_B8(self) -> dict:
        from tests.benchmarks import spread
        from tests.benchmarks.lifecycle import services_work

        # The embedded default: one process of 8 threads (lifecycle_sqlite's layout).
        run = spread.run(services_work, (self.urls["sqlite"], 8), self.seconds, 1, 8)
        return {"rate": run.per_second, "errors": run.errors, "cpu_ms": (run.cpu_ms or {}).get("python")}

    def _round_B3(self) -> dict:
        # The workload's own round: submit and approve medians per size, RSS probe in its first round.
        times = self.b3.round(self.ctx)
        out = {"sizes": list(self.b3.sizes), "times": {str(k): v for k, v in times.items()}}
        memory = self.b3.memory
        if memory:
            from tests.benchmarks.transition_cost import slope_per_10k

            out["memory"] = {"lifecycles": memory[-1]["lifecycles"], "rss_mib": memory[-1]["rss_kib"] / 1024,
                             "slope": slope_per_10k(memory), "seconds": self.b3.memory_seconds}
        return out

    def _round_B4(self) -> dict:
        from tests.benchmarks.http_approve import LOAD_SHARE, open_loop

        w = self.b4
        # B4's own two figures: approve's maximum rate (closed loop), then p99 at 70 % of that rate.
        # hello-world, SELECT 1 and the hand-written approve are baselines of the code's own round,
        # alike in both trees, and are left out here to spend the time on more rounds.
        approve, bad = w._max_rate(None)
        latencies, late_bad = open_loop(w.server.url, w._approvals(), LOAD_SHARE * approve, w.seconds)
        ordered = sorted(latencies)
        p99 = ordered[max(0, -(-99 * len(ordered) // 100) - 1)] * 1000 if ordered else float("nan")
        return {"rate": approve, "p99_ms": p99, "failed": bad + late_bad}

    def _round_R(self) -> dict:
        """RandomActions (below) in 50 threads for the round's seconds, then one thread's CPU per iteration."""
        mix = RandomActions(self.urls["pg"])
        try:
            items, counts = mix.fresh_items(), {"done": 0, "refused": 0, "errors": 0}
            lock, stop = threading.Lock(), time.monotonic() + self.seconds

            def worker(seed: int) -> None:
                rng, mine = random.Random(seed), {"done": 0, "refused": 0, "errors": 0}
                while time.monotonic() < stop:
                    mix.step(rng, items, mine)
                with lock:
                    for k, v in mine.items():
                        counts[k] += v

            began = time.perf_counter()
            threads = [threading.Thread(target=worker, args=(n,)) for n in range(50)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            took = time.perf_counter() - began
            # One thread on fresh items: the CPU of one iteration, without 50 threads' lock contention.
            items, alone, rng = mix.fresh_items(), {"done": 0, "refused": 0, "errors": 0}, random.Random(7)
            n = S_LIFECYCLES[self.quick] * 3
            cpu = time.process_time()
            for _ in range(n):
                mix.step(rng, items, alone)
            cpu = time.process_time() - cpu
        finally:
            mix.close()
        return {"rate": sum(counts.values()) / took, "errors": counts["errors"] + alone["errors"], **counts,
                "cpu_ms": cpu * 1000 / n}

    def _round_S(self) -> dict:
        return {"pg": self._one_thread(self.urls["pg"]), "sqlite": self._one_thread(self.urls["sqlite"])}

    def _one_thread(self, url: str) -> dict:
        """profile_lifecycle's figures: one lifecycle's statements and checkouts, then CPU and wall
        per lifecycle over a few hundred lifecycles in one thread (no profiler)."""
        from sqlalchemy import event

        from tests.benchmarks.lifecycle import Lifecycle, make_runtime

        runtime = make_runtime(url)
        try:
            lifecycle = Lifecycle(runtime)
            for n in range(20):  # warm the pool, the statement caches and the policy document
                lifecycle.run(n % 2)
            statements: list[str] = []
            checkouts = [0]

            def statement(_conn, _cursor, sql, *_):
                statements.append(" ".join(sql.split()))

            def checkout(*_):
                checkouts[0] += 1

            event.listen(runtime.engine, "before_cursor_execute", statement)
            event.listen(runtime.engine.pool, "checkout", checkout)
            lifecycle.run(0)
            event.remove(runtime.engine, "before_cursor_execute", statement)
            event.remove(runtime.engine.pool, "checkout", checkout)
            count = S_LIFECYCLES[self.quick]
            wall, cpu = time.perf_counter(), time.process_time()
            for n in range(count):
                lifecycle.run(n % 2)
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        finally:
            runtime.engine.dispose()
        return {"statements": statements, "checkouts": checkouts[0], "cpu_ms": cpu * 1000 / count,
                "wall_ms": wall * 1000 / count}

    def profile(self, target: str, count: int, path: str) -> dict:
        """cProfile, timed by process time, over `count` lifecycles (target "pg" or "sqlite") or random
        actions ("random") in one thread, after a warm-up; the statistics are dumped to `path`."""
        import cProfile

        profile = cProfile.Profile(time.process_time)
        if target == "random":
            mix = RandomActions(self.urls["pg"])
            try:
                items, counts, rng = mix.fresh_items(), {"done": 0, "refused": 0, "errors": 0}, random.Random(7)
                for _ in range(50):
                    mix.step(rng, items, counts)
                profile.enable()
                for _ in range(count):
                    mix.step(rng, items, counts)
                profile.disable()
            finally:
                mix.close()
        else:
            from tests.benchmarks.lifecycle import Lifecycle, make_runtime

            runtime = make_runtime(self.urls[target])
            try:
                lifecycle = Lifecycle(runtime)
                for n in range(20):
                    lifecycle.run(n % 2)
                profile.enable()
                for n in range(count):
                    lifecycle.run(n % 2)
                profile.disable()
            finally:
                runtime.engine.dispose()
        profile.dump_stats(path)
        return {"path": path}

    def close(self) -> None:
        from tests import support
        from tests.benchmarks import databases

        try:
            for w in (self.b4, self.b3):
                if w is not None:
                    w.close(self.ctx)
        finally:
            if "pg" in self.urls:
                databases.drop(support.PG_ADMIN_URL, self.urls["pg"])
            shutil.rmtree(self.workdir, ignore_errors=True)


class RandomActions:
    """The random-actions mix of tests/integration/test_reliability.py on one pool of 50 connections: a
    random item read as logistics, then a random action on it (a tenth with a stale version) by a random
    person, on 100 fresh pen requests. The services keep their names and arguments across the redesign,
    only their modules moved; a tree with neither layout of LAYOUTS answers an ImportError, reported as
    not measured."""

    ACTIONS = ("submit", "resubmit", "approve", "return", "reject", "cancel")
    # (supply request services, the domain errors' base, the user model) by module, oldest layout first.
    LAYOUTS = (("workflow.supply_requests", "workflow.errors", "workflow.people"),
               ("workflow.procurement.supply_requests", "workflow.kernel.errors", "workflow.people.accounts"))

    def __init__(self, url: str):
        import importlib

        from sqlalchemy import select, text

        from tests.benchmarks.lifecycle import make_runtime

        for services, errors, people in self.LAYOUTS:
            try:
                self.services = importlib.import_module(services)
                self.refusal = importlib.import_module(errors).DomainError
                User = importlib.import_module(people).User
                break
            except (ImportError, AttributeError):
                continue
        else:
            raise ImportError(f"the supply services are in none of {self.LAYOUTS}")
        self.runtime = make_runtime(url, pool_size=50)
        with self.runtime.uow() as uow:
            self.people = {u.username: u.as_actor() for u in uow.session.scalars(
                select(User).where(User.username.in_(("staff1", "head1", "logistics", "staff2"))))}
            self.pens = uow.session.scalar(text("SELECT id FROM catalog_items WHERE sku = 'STA-PEN-G'"))

    def fresh_items(self) -> list[int]:
        return [self.services.create_draft(
            f"Item {n}", None, [self.services.LineInput(quantity=Decimal(1 + n % 3), item_id=self.pens)],
            self.people["staff1"], self.runtime.uow())["id"] for n in range(100)]

    def step(self, rng: random.Random, items: list[int], counts: dict) -> None:
        item = rng.choice(items)
        actor = self.people[rng.choice(list(self.people))]
        try:
            current = self.services.get_request(item, self.people["logistics"], self.runtime.uow())
            version = current["version"] if rng.random() < 0.9 else current["version"] - 1
            self.services.act(item, rng.choice(self.ACTIONS), version, actor, self.runtime.uow(),
                              comment="random", justification="random")
            outcome = "done"
        except self.refusal:
            outcome = "refused"
        except Exception:  # noqa: BLE001 - counted, as the test counts them; must stay zero
            outcome = "errors"
        counts[outcome] += 1

    def close(self) -> None:
        self.runtime.engine.dispose()


def serve() -> None:
    answers = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)  # whatever a workload or a child process prints goes to stderr
    sys.stdout = sys.stderr
    agent = Agent()
    for line in sys.stdin:
        command = json.loads(line)
        try:
            answer = {"ok": True, "value": getattr(agent, command["op"])(**command.get("args", {}))}
        except Exception as exc:  # noqa: BLE001 - sent to the driver, which reports it and goes on
            answer = {"ok": False, "error": repr(exc), "trace": traceback.format_exc()}
        answers.write(json.dumps(answer) + "\n")
        if command["op"] == "close":
            break


if __name__ == "__main__":
    serve()
