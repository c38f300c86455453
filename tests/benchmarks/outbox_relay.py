"""B6: outbox relay -> Celery -> a delivery that goes nowhere, while B1 runs.

A private redis-server, a real Celery worker with embedded beat
(`celery -A tests.benchmarks.bench_celery worker -B`, see bench_celery.py for the no-op delivery)
and the following relay (`python -m tasks.relay`, polling every 0.1 s; beat's 2 s relay stays as
the fallback, as in production) serve a database of B6's own. Each round: B1 runs for a while and we count the events it wrote
per second; once they are all delivered, the lag of each (created -> its last message sent, or
planned when it has no message) gives p95. Then a flood of copies of those events is written at
once and timed until every one is delivered: the relay + worker capacity.
Worker: 2 pool processes (one per core, as docs/OPERATIONS.md recommends); plan tasks take up to 200
events, send tasks up to 50 messages (tasks/jobs.py), each message marked sent as it leaves.
Alone: `.venv/bin/python -m tests.benchmarks.outbox_relay [--quick]`.
"""
from __future__ import annotations

import time
from pathlib import Path

from sqlalchemy import text

from tests.benchmarks import lifecycle, own_database
from tests.benchmarks.table import Result, median_spread
from tests.integration.relay_process import FollowingRelay
from tests.integration.servers import ROOT, VENV_BIN, CeleryWorker, RedisServer, wait_until
from workflow.kernel.db import make_engine

CONCURRENCY = 2
WORKERS = 8

# Whether any event in the range is still on its way: unplanned, or with a message still pending
# (planning writes an event's messages in the transaction that marks it planned). Index lookups
# only, so that polling it every 50 ms does not take from the CPU the relay and worker are measured on.
ON_ITS_WAY = """
    SELECT EXISTS (SELECT 1 FROM outbox_events e WHERE e.id > :after AND e.id <= :upto AND e.planned_at IS NULL)
        OR EXISTS (SELECT 1 FROM messages m JOIN outbox_events e ON e.event_id = m.event_id
                   WHERE m.status = 'pending' AND e.id > :after AND e.id <= :upto)"""

# Per event: when it was delivered (the last of its messages sent, or planned if none were due).
# Read once, after ON_ITS_WAY says they all are: it costs about 0.1 s for a flood of 2000.
DELIVERED = """
    SELECT e.id, e.created_at, e.planned_at,
           coalesce((SELECT max(m.sent_at) FROM messages m WHERE m.event_id = e.event_id), e.planned_at) AS done
    FROM outbox_events e WHERE e.id > :after AND e.id <= :upto"""


class BenchWorker(CeleryWorker):
    """The project's worker helper, run on the benchmark's app module (the no-op delivery)."""

    def start(self, timeout: float = 60) -> "BenchWorker":
        import subprocess

        self._log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(
            [str(VENV_BIN / "celery"), "-A", "tests.benchmarks.bench_celery", "worker", "-B", "--loglevel=WARNING",
             f"--concurrency={CONCURRENCY}", "-s", str(self.directory / "beat-schedule"), "--without-gossip",
             "--without-mingle"],
            cwd=ROOT, env=self.env, stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            wait_until(self._answers, timeout, 0.5, "the worker to answer a ping")
        except AssertionError:
            self.stop()
            raise
        return self


    def _answers(self) -> bool:
        if self.proc.poll() is not None:
            raise AssertionError(f"the worker exited: {self.log()[-2000:]}")
        from tasks import make_celery
        from workflow.kernel.settings import Settings

        app = make_celery(Settings(redis_url=self.env["REDIS_URL"]))
        try:
            return bool(app.control.ping(timeout=0.5))
        finally:
            app.close()


class OutboxRelay:
    ids = ("B6",)

    def __init__(self):
        self.url = None
        self.redis = None
        self.worker = None
        self.relay = None
        self.engine = None

    def prepare(self, ctx) -> None:
        self.seconds = 4.0 if ctx.quick else 10.0
        self.flood = 400 if ctx.quick else 2000
        workdir = Path(ctx.workdir) / "b6"
        self.url = own_database.create(ctx, "b6")
        lifecycle.prepare_database(self.url)
        self.engine = make_engine(self.url)
        self.b1 = lifecycle.make_runtime(self.url, pool_size=WORKERS)
        self.redis = RedisServer(workdir / "redis").start()
        env = {"DATABASE_URL": self.url, "REDIS_URL": self.redis.url}
        self.worker = BenchWorker(workdir / "worker", env).start()
        self.relay = FollowingRelay(workdir / "relay", env).start()
        self._settle(0, self._last_id(), 60)  # the seed's own events
        print(f"B6: worker up ({CONCURRENCY} processes, beat embedded), following relay every "
              f"{self.relay.interval} s, redis on {self.redis.port}", flush=True)

    def _last_id(self) -> int:
        with self.engine.connect() as conn:
            return conn.execute(text("SELECT coalesce(max(id), 0) FROM outbox_events")).scalar()

    def _delivered(self, after: int, upto: int) -> list | None:
        """Every event in (after, upto] with its delivery time; None while any is still on its way."""
        with self.engine.connect() as conn:
            if conn.execute(text(ON_ITS_WAY), {"after": after, "upto": upto}).scalar():
                return None
            return conn.execute(text(DELIVERED), {"after": after, "upto": upto}).all()

    def _settle(self, after: int, upto: int, timeout: float) -> list:
        """Wait until every event in (after, upto] is delivered; their rows."""
        found = wait_until(lambda: (rows := self._delivered(after, upto)) is not None and [rows], timeout, 0.05,
                           "every event to be delivered")
        return found[0]

    def _flood(self, after: int, upto: int) -> tuple[int, float]:
        """Copies of B1's events, written at once; seconds until the last copy is delivered."""
        with self.engine.begin() as conn:
            conn.execute(text("""
                INSERT INTO outbox_events (event_id, topic, aggregate_type, aggregate_id, payload, created_at)
                SELECT gen_random_uuid()::text, e.topic, e.aggregate_type, e.aggregate_id, e.payload, clock_timestamp()
                FROM generate_series(1, :n) g
                JOIN outbox_events e ON e.id = :after + 1 + (g % (:upto - :after))"""),
                         {"n": self.flood, "after": after, "upto": upto})
        started = time.perf_counter()
        first, last = upto, self._last_id()
        self._settle(first, last, 300)
        return last - first, time.perf_counter() - started

    def round(self, ctx) -> dict:
        before = self._last_id()
        run = lifecycle.run_lifecycles(self.url, WORKERS, self.seconds, runtime=self.b1)
        upto = self._last_id()
        rows = self._settle(before, upto, 120)
        assert rows, "B1 wrote no events"
        lags = [(r.done - r.created_at).total_seconds() for r in rows]
        flooded, took = self._flood(before, upto)
        return {"b1_per_second": run.per_second, "events_per_second": len(rows) / run.seconds,
                "lag_p95": own_database.percentile(lags, 95), "lag_max": max(lags),
                "capacity": flooded / took, "b1_errors": run.errors}

    def results(self, rounds: list[dict]) -> list[Result]:
        ratio, spread = median_spread([r["capacity"] / r["events_per_second"] for r in rounds])
        p95, p95_spread = median_spread([r["lag_p95"] for r in rounds])
        rate = median_spread([r["events_per_second"] for r in rounds])[0]
        capacity = median_spread([r["capacity"] for r in rounds])[0]
        b1 = median_spread([r["b1_per_second"] for r in rounds])[0]
        detail = (f"B1 {b1:.1f} lifecycles/s writing {rate:.1f} events/s; relay+worker {capacity:.1f} events/s "
                  f"(flood of {self.flood}, worker {CONCURRENCY} processes); lag p95 {p95 * 1000:.0f} ms, max {max(r['lag_max'] for r in rounds) * 1000:.0f} ms; "
                  f"B1 errors {sum(r['b1_errors'] for r in rounds)}")
        return [Result("B6", "relay+worker capacity (events/s)", "B1's event rate, same run", ratio, spread,
                       ">= 3 x", ratio >= 3, detail),
                Result("B6", "lag created -> delivered, p95 (s), during B1", "1 s", p95, p95_spread,
                       "<= 1 (p95 <= 1 s)", p95 <= 1.0, detail)]

    def close(self, ctx) -> None:
        try:
            if self.relay is not None:
                self.relay.stop()
            if self.worker is not None:
                self.worker.stop()
        finally:
            if self.redis is not None:
                self.redis.stop()
            for engine in (self.engine, getattr(self, "b1", None) and self.b1.engine):
                if engine is not None:
                    engine.dispose()
            own_database.drop(ctx, self.url)


WORKLOADS = [OutboxRelay()]


if __name__ == "__main__":
    from tests.benchmarks.standalone import main

    main(WORKLOADS)
