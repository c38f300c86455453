"""B5: the approver queue over 1,000,000 requests, page 1 against page 500 through the keyset.

The requests are made in SQL; logistics' queue (second-level reviews of every department) is
the longest, so it is the one paged. Each round times `workflow.worklist.queue.my_queue` (the code the
GET /api/v1/queue endpoint runs) for page 1 and page 500, reached with the cursor the service
itself gave out, and, beside them, page 500 of the same query by OFFSET and page 500 through
the endpoint (in-process Flask client, JSON included).
Alone: `.venv/bin/python -m tests.benchmarks.queue_pages [--quick]`.
"""
from __future__ import annotations

import statistics
import time

from sqlalchemy import select, text, union_all

from tests import support
from tests.benchmarks import own_database
from tests.benchmarks.table import Result, median_spread
from workflow.people.accounts import User
from workflow.worklist import queue

PAGE = 50
DEEP = 500
SAMPLES = 20  # timings of each page per round


def generate(url: str, requests_: int) -> None:
    """Requests of four requesters in four departments: 40 % at office review, the rest elsewhere."""
    from workflow.kernel.db import make_engine

    engine = make_engine(url)
    with engine.begin() as conn:
        # Two requests share each timestamp, so the (kind, id) tie-break of the cursor is exercised.
        conn.execute(text("""
            INSERT INTO supply_requests (number, requester_id, department_id, purpose, status, version, total,
                needs_office_review, budget_year, committed_amount, created_at, updated_at, submitted_at,
                status_changed_at)
            SELECT 'SR-Q-' || g, u.id, u.department_id, 'bench ' || g,
                   (ARRAY['dept_review','dept_review','dept_review','dept_review','office_review','office_review',
                          'office_review','office_review','approved','received'])[1 + g % 10],
                   3, 100 + g % 900, true, 2026, 0, t, t, t, t
            FROM generate_series(1, :n) g
            CROSS JOIN LATERAL (SELECT timestamptz '2026-01-05 09:00+08' + (g / 2) * interval '7 seconds') AS at(t)
            JOIN LATERAL (SELECT id, department_id FROM users
                          WHERE username IN ('staff1', 'staff2', 'head1', 'head2')
                          ORDER BY id OFFSET (g % 4) LIMIT 1) u ON true"""), {"n": requests_})
        conn.execute(text("ANALYZE"))
    engine.dispose()


class QueuePages:
    ids = ("B5",)

    def __init__(self):
        self.url = None
        self.app = None

    def prepare(self, ctx) -> None:
        requests_ = 100_000 if ctx.quick else 1_000_000
        self.url = own_database.create(ctx, "b5")
        support.migrate(self.url)
        support.seed(self.url)
        started = time.perf_counter()
        generate(self.url, requests_)
        self.app = support.make_app(self.url)
        self.runtime = self.app.extensions["jieyue"]
        with self.runtime.session_factory() as s:
            self.actor = s.scalar(select(User).where(User.username == "logistics")).as_actor()
        self.cursor = self._walk_to(DEEP)
        self.client = support.inprocess_client(self.app)
        self.client.token("logistics")
        print(f"B5: {requests_:,} requests made, cursor of page {DEEP} found, "
              f"{time.perf_counter() - started:.1f} s", flush=True)

    def _walk_to(self, page: int) -> str:
        """Page through the service as a client would, keeping the cursor that opens `page`."""
        cursor = None
        for _ in range(page - 1):
            cursor = queue.my_queue(self.actor, self.runtime.uow(), cursor=cursor, limit=PAGE)["next_cursor"]
            assert cursor, "the queue is shorter than the page asked for"
        return cursor

    def _offset_page(self, page: int) -> list:
        """The queue's query as it was before keyset paging pushed into each part: OFFSET on the union."""
        uow = self.runtime.uow()
        with uow:
            now = (queue.dt.datetime.now(uow.office_tz),) * 2  # a driver's day; logistics has none
            delegators = tuple(u.as_actor() for u in uow.delegations.active_delegators(self.actor.id))
            q = union_all(*queue._parts(self.actor, now, delegators)).subquery()
            return uow.session.execute(select(q).order_by(q.c.waiting_since, q.c.kind, q.c.id)
                                       .offset((page - 1) * PAGE).limit(PAGE)).all()

    def round(self, ctx) -> dict:
        first, deep, offset, http = [], [], [], []
        for n in range(SAMPLES):
            for where, cursor in ((first, None), (deep, self.cursor)):
                t = time.perf_counter()
                page = queue.my_queue(self.actor, self.runtime.uow(), cursor=cursor, limit=PAGE)
                where.append(time.perf_counter() - t)
                assert len(page["items"]) == PAGE
            if n % 4 == 0:  # OFFSET is slow; a few samples say enough
                t = time.perf_counter()
                rows = self._offset_page(DEEP)
                offset.append(time.perf_counter() - t)
                assert len(rows) == PAGE
            t = time.perf_counter()
            status, body = self.client.get("logistics", f"/api/v1/queue?limit={PAGE}&cursor={self.cursor}")
            http.append(time.perf_counter() - t)
            assert status == 200 and len(body["items"]) == PAGE, status
        return {"page1": first, "page500": deep, "offset500": offset, "http500": http}

    def results(self, rounds: list[dict]) -> list[Result]:
        ratios = [statistics.median(r["page500"]) / statistics.median(r["page1"]) for r in rounds]
        ratio, spread = median_spread(ratios)
        every = {k: [v for r in rounds for v in r[k]] for k in rounds[0]}
        ms = {k: statistics.median(v) * 1000 for k, v in every.items()}
        p95 = {k: own_database.percentile(v, 95) * 1000 for k, v in every.items()}
        worst_p95 = max(p95["page1"], p95["page500"])
        detail = (f"median page1 {ms['page1']:.2f} ms, page{DEEP} {ms['page500']:.2f} ms, "
                  f"OFFSET page{DEEP} {ms['offset500']:.1f} ms; p95 page1 {p95['page1']:.2f}, "
                  f"page{DEEP} {p95['page500']:.2f} ms; via GET /api/v1/queue page{DEEP} median "
                  f"{ms['http500']:.2f} p95 {p95['http500']:.2f} ms")
        p95_rounds = [max(own_database.percentile(r["page1"], 95), own_database.percentile(r["page500"], 95)) * 1000
                      for r in rounds]
        return [Result("B5", f"queue page {DEEP} / page 1 (keyset, service)", "page 1, same run", ratio, spread,
                       "<= 1.5 x", ratio <= 1.5, detail),
                Result("B5", "queue page p95 (ms, keyset, service)", "10 ms", worst_p95 / 10,
                       (min(p95_rounds) / 10, max(p95_rounds) / 10), "p95 <= 10 ms (ratio <= 1)", worst_p95 <= 10,
                       f"p95 {worst_p95:.2f} ms; OFFSET page{DEEP} / keyset page{DEEP} "
                       f"{ms['offset500'] / ms['page500']:.1f} x")]

    def close(self, ctx) -> None:
        if self.app is not None:
            self.runtime.engine.dispose()
        own_database.drop(ctx, self.url)


WORKLOADS = [QueuePages()]


if __name__ == "__main__":
    from tests.benchmarks.standalone import main

    main(WORKLOADS)
