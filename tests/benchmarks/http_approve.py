"""B4: POST /api/v1/supply-requests/<id>/actions/approve over HTTP on a real gunicorn.

gunicorn serves the app (tests/benchmarks/bench_wsgi.py) from its own database with the
production shape: REDIS_URL set (a private redis-server), so events wait in the outbox for the
relay instead of being delivered inside the request. Worker shape for 2 cores: 2 gthread workers
of 4 threads each (GIL-bound Python, so one process per core; threads overlap the database waits).
Each round measures, on the same server, the maximum rate (closed loop, wrk when installed) of
hello-world, SELECT 1 and approve, each approve on a different waiting request with its version
and the department head's bearer token; then approve at a fixed arrival rate of 70 % of its
maximum (open loop, latency counted from the scheduled send) for the p99.
Alone: `.venv/bin/python -m tests.benchmarks.http_approve [--quick]`.
"""
from __future__ import annotations

import http.client
import json
import os
import re
import shutil
import signal
import subprocess
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests
from sqlalchemy import select, text

from tests import support
from tests.benchmarks import lifecycle, own_database
from tests.benchmarks.table import Result, median_spread
from tests.integration.servers import RedisServer, free_port, wait_until
from workflow.kernel.db import make_engine
from workflow.procurement.model import SupplyRequest
from workflow.procurement.supply_requests import act

ROOT = Path(__file__).resolve().parents[2]
WORKERS, THREADS = 2, 4
CONNECTIONS = 16          # closed-loop clients: enough to keep 8 server threads busy
LOAD_SHARE = 0.7          # of approve's maximum, for the latency run
APPROVER = "head1"
APPROVE = "/api/v1/supply-requests/{}/actions/approve"
BY_HAND = "/bench/approve-by-hand/{}"


def clone_requests(url: str, template_id: int, count: int) -> None:
    """`count` copies of a submitted request (its lines and findings too), made in SQL."""
    engine = make_engine(url)
    with engine.begin() as conn:
        req_cols = [c for c in _columns(conn, "supply_requests") if c not in ("id", "number")]
        conn.execute(text(f"""
            INSERT INTO supply_requests (number, {', '.join(req_cols)})
            SELECT 'SR-H-' || g, {', '.join(req_cols)} FROM supply_requests, generate_series(1, :n) g
            WHERE id = :t"""), {"n": count, "t": template_id})
        for table in ("supply_lines", "supply_findings"):
            names = [c for c in _columns(conn, table) if c not in ("id", "request_id")]
            conn.execute(text(f"""
                INSERT INTO {table} (request_id, {', '.join(names)})
                SELECT r.id, {', '.join('t.' + c for c in names)}
                FROM supply_requests r JOIN {table} t ON t.request_id = :t WHERE r.number LIKE 'SR-H-%'"""),
                         {"t": template_id})
        conn.execute(text("ANALYZE"))
    engine.dispose()


def _columns(conn, table: str) -> list[str]:
    return list(conn.execute(text("SELECT column_name FROM information_schema.columns WHERE table_name = :t "
                                  "ORDER BY ordinal_position"), {"t": table}).scalars())


class Gunicorn:
    """gunicorn serving bench_wsgi on a free port, in a process group of its own."""

    def __init__(self, workdir: Path, env: dict[str, str]):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = Path(workdir) / "gunicorn.log"
        self.env = {**os.environ, **env}
        self.proc = None

    def start(self) -> "Gunicorn":
        self._log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(
            [str(ROOT / ".venv" / "bin" / "gunicorn"), "--workers", str(WORKERS), "--worker-class", "gthread",
             "--threads", str(THREADS), "--bind", f"127.0.0.1:{self.port}", "--log-level", "warning",
             "tests.benchmarks.bench_wsgi:create_bench_app()"],
            cwd=ROOT, env=self.env, stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True)

        def up():
            if self.proc.poll() is not None:
                raise RuntimeError(f"gunicorn exited: {self.log_path.read_text()[-2000:]}")
            try:
                return requests.get(self.url + "/bench/hello", timeout=1).status_code == 200
            except requests.RequestException:
                return False

        wait_until(up, 60, 0.2, "gunicorn to answer")
        return self

    def stop(self) -> None:
        proc, self.proc = self.proc, None
        if proc is not None:
            try:
                os.killpg(proc.pid, signal.SIGTERM)
                proc.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(5)
            except ProcessLookupError:
                pass
            self._log.close()


# ---- load generators -------------------------------------------------------------------------

def wrk_rate(url: str, path: str, seconds: float, workdir: Path, script: str | None = None) -> tuple[float, int]:
    """wrk's requests per second and its count of failed answers (non-2xx and socket errors)."""
    args = ["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{max(1, round(seconds))}s"]
    if script:
        args += ["-s", script]
    out = subprocess.run(args + [url + path], capture_output=True, text=True, timeout=seconds + 60).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    bad = sum(int(n) for n in re.findall(r"Non-2xx or 3xx responses: (\d+)", out))
    bad += sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", out))
    return rate, bad


def python_rate(url: str, make_request, seconds: float) -> tuple[float, int]:
    """Closed loop in threads with persistent connections, when wrk is not installed."""
    host, port = url.split("//")[1].split(":")
    stop_at = time.perf_counter() + seconds
    done, bad, lock = [0], [0], threading.Lock()

    def client():
        conn = http.client.HTTPConnection(host, int(port), timeout=30)
        while time.perf_counter() < stop_at:
            method, path, body, headers = make_request()
            conn.request(method, path, body=body, headers=headers)
            resp = conn.getresponse()
            resp.read()
            with lock:
                done[0] += 1
                bad[0] += resp.status >= 300
        conn.close()

    threads = [threading.Thread(target=client) for _ in range(CONNECTIONS)]
    began = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return done[0] / (time.perf_counter() - began), bad[0]


def open_loop(url: str, make_request, rate: float, seconds: float) -> tuple[list[float], int]:
    """Requests sent at a fixed arrival rate; each latency counts from its scheduled moment."""
    host, port = url.split("//")[1].split(":")
    local = threading.local()
    latencies, bad, lock = [], [0], threading.Lock()

    def send(scheduled: float, request) -> None:
        conn = getattr(local, "conn", None) or http.client.HTTPConnection(host, int(port), timeout=30)
        local.conn = conn
        method, path, body, headers = request
        try:
            conn.request(method, path, body=body, headers=headers)
            resp = conn.getresponse()
            resp.read()
            ok = resp.status < 300
        except (OSError, http.client.HTTPException):
            local.conn, ok = None, False
        with lock:
            latencies.append(time.perf_counter() - scheduled)
            bad[0] += not ok

    count = int(rate * seconds)
    with ThreadPoolExecutor(max_workers=64) as pool:
        began = time.perf_counter() + 0.05
        for i in range(count):
            scheduled = began + i / rate
            delay = scheduled - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            pool.submit(send, scheduled, make_request())
    return latencies, bad[0]


# ---- the workload ------------------------------------------------------------------------------

class HttpApprove:
    ids = ("B4",)

    def __init__(self):
        self.url = None
        self.redis = None
        self.server = None

    def prepare(self, ctx) -> None:
        self.seconds = 3.0 if ctx.quick else 8.0
        self.workdir = Path(ctx.workdir) / "b4"
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.url = own_database.create(ctx, "b4")
        lifecycle.prepare_database(self.url)
        runtime = lifecycle.make_runtime(self.url, pool_size=2)
        try:
            flow = lifecycle.Lifecycle(runtime)
            requester, head = flow.teams[0]
            assert head.username == APPROVER
            draft = flow.create(0)
            submitted = act(draft["id"], "submit", draft["version"], requester, runtime.uow())
            assert submitted["status"] == "dept_review"
        finally:
            runtime.engine.dispose()
        # Each round takes thousands: approve at its maximum, at 70 %, and the hand-written approve.
        clone_requests(self.url, submitted["id"], 15_000 if ctx.quick else 60_000)
        self.redis = RedisServer(self.workdir / "redis").start()
        self.server = Gunicorn(self.workdir, {"DATABASE_URL": self.url, "REDIS_URL": self.redis.url}).start()
        status, body = self._token()
        assert status == 201, body
        self.headers = {"Authorization": f"Bearer {body['token']}", "Content-Type": "application/json"}
        self.wrk = shutil.which("wrk")
        print(f"B4: gunicorn on {self.server.url} ({WORKERS} gthread workers x {THREADS} threads), "
              f"load by {'wrk' if self.wrk else 'Python threads'}", flush=True)

    def _token(self):
        r = requests.post(self.server.url + "/api/v1/auth/tokens", json={"username": APPROVER,
                                                                         "password": support.PASSWORD}, timeout=30)
        return r.status_code, r.json()

    def _waiting(self) -> list[tuple[int, int]]:
        """(id, version) of the copies still waiting for the head, oldest first."""
        engine = make_engine(self.url)
        try:
            with engine.connect() as conn:
                return [tuple(r) for r in conn.execute(
                    select(SupplyRequest.id, SupplyRequest.version)
                    .where(SupplyRequest.status == "dept_review", SupplyRequest.number.like("SR-H-%"))
                    .order_by(SupplyRequest.id))]
        finally:
            engine.dispose()

    def _approvals(self, route: str = None):
        """A function giving the next approve request, each on a different waiting request."""
        route = route or APPROVE
        pending = iter(self._waiting())
        lock = threading.Lock()

        def next_request():
            with lock:
                request_id, version = next(pending)
            return ("POST", route.format(request_id), json.dumps({"version": version}), self.headers)

        return next_request

    def _wrk_script(self, route: str = "/api/v1/supply-requests/{}/actions/approve") -> str:
        waiting = self._waiting()
        path = self.workdir / "approve.lua"
        before, after = route.split("{}")
        pairs = ",".join(f"{{{i},{v}}}" for i, v in waiting)
        path.write_text(f"""
local items = {{{pairs}}}
local next_thread = 0
function setup(thread) thread:set("tid", next_thread); next_thread = next_thread + 1 end
function init(args) n = 0 end
wrk.method = "POST"
wrk.headers["Authorization"] = "{self.headers['Authorization']}"
wrk.headers["Content-Type"] = "application/json"
function request()
  -- two wrk threads take alternate items, so no item is approved twice
  local item = items[tid + 2 * n + 1]
  n = n + 1
  return wrk.format(nil, "{before}" .. item[1] .. "{after}", nil,
                    '{{"version": ' .. item[2] .. '}}')
end
""")
        return str(path)

    def _max_rate(self, path: str | None, approve_route: str = APPROVE) -> tuple[float, int]:
        url = self.server.url
        if self.wrk:
            script = None if path else self._wrk_script(approve_route)
            return wrk_rate(url, path or "/", self.seconds, self.workdir, script)
        make = (lambda: ("GET", path, None, {})) if path else self._approvals(approve_route)
        return python_rate(url, make, self.seconds)

    def round(self, ctx) -> dict:
        hello, hello_bad = self._max_rate("/bench/hello")
        select1, select1_bad = self._max_rate("/bench/select1")
        approve, approve_bad = self._max_rate(None)
        latencies, late_bad = open_loop(self.server.url, self._approvals(), LOAD_SHARE * approve, self.seconds)
        by_hand, by_hand_bad = self._max_rate(None, BY_HAND)
        return {"hello": hello, "select1": select1, "approve": approve, "latencies": latencies,
                "by_hand": by_hand, "failed": hello_bad + select1_bad + approve_bad + late_bad + by_hand_bad}

    def results(self, rounds: list[dict]) -> list[Result]:
        def p99(r):
            return own_database.percentile(r["latencies"], 99) * 1000

        vs_hello, hello_spread = median_spread([r["approve"] / r["hello"] for r in rounds])
        vs_select, select_spread = median_spread([r["approve"] / r["select1"] for r in rounds])
        tail, tail_spread = median_spread([p99(r) for r in rounds])
        med = {k: median_spread([r[k] for r in rounds])[0] for k in ("hello", "select1", "approve", "by_hand")}
        hand_hello, hand_hello_spread = median_spread([r["by_hand"] / r["hello"] for r in rounds])
        hand_select, hand_select_spread = median_spread([r["by_hand"] / r["select1"] for r in rounds])
        failed = sum(r["failed"] for r in rounds)
        rates = (f"approve {med['approve']:.0f}/s, hello {med['hello']:.0f}/s, SELECT 1 {med['select1']:.0f}/s; "
                 f"{WORKERS}x{THREADS} gthread, {CONNECTIONS} clients ({'wrk' if self.wrk else 'Python'}); "
                 f"failed answers {failed}")
        return [Result("B4", "approve over HTTP, max rate", "hello-world, same server", vs_hello, hello_spread,
                       ">= 0.3 x", vs_hello >= 0.3 and not failed, rates),
                Result("B4", "approve over HTTP, max rate", "SELECT 1, same server", vs_select, select_spread,
                       ">= 0.6 x", vs_select >= 0.6 and not failed, rates),
                Result("B4", f"approve p99 at {LOAD_SHARE:.0%} of max (ms)", "50 ms", tail / 50,
                       (tail_spread[0] / 50, tail_spread[1] / 50), "<= 1 (p99 <= 50 ms)", tail <= 50,
                       f"p99 {tail:.1f} ms (rounds {tail_spread[0]:.1f}..{tail_spread[1]:.1f}) at "
                       f"{LOAD_SHARE * med['approve']:.0f}/s, open loop"),
                # The ceiling: the approve's statements by hand on the same server, measured against
                # the same two baselines. No engine that writes what approve writes goes above it.
                Result("B4", "ceiling: approve's writes by hand (raw psycopg), max rate", "hello-world, same server",
                       hand_hello, hand_hello_spread, "(>= 0.3 x for approve)", None,
                       f"by hand {med['by_hand']:.0f}/s vs approve {med['approve']:.0f}/s"),
                Result("B4", "ceiling: approve's writes by hand (raw psycopg), max rate", "SELECT 1, same server",
                       hand_select, hand_select_spread, "(>= 0.6 x for approve)", None,
                       f"by hand {med['by_hand']:.0f}/s vs approve {med['approve']:.0f}/s")]

    def close(self, ctx) -> None:
        try:
            if self.server is not None:
                self.server.stop()
        finally:
            if self.redis is not None:
                self.redis.stop()
            own_database.drop(ctx, self.url)


WORKLOADS = [HttpApprove()]


if __name__ == "__main__":
    from tests.benchmarks.standalone import main

    main(WORKLOADS)
